/**
 * What is wrong with an alias and how to repair it, decided from `AliasFacts`. An alias is repaired
 * by what is wrong with it, never deleted while a target can still be found:
 *
 * - its target was merged or renamed: re-pointed to the successor (merged_into of an exercise or a
 *   family registry, a family alias the old family slug left behind, or the one live exercise that
 *   now carries or was created with the missing exercise's slug);
 * - it targets both an exercise and a family: the valid target is kept (with two valid ones, the
 *   slug's shape decides: name slugs use "-", family slugs "_");
 * - it has no target, its target is gone without a successor, or it is the own slug of the exercise
 *   or family it would point at (which that slug finds anyway): deleted;
 * - its slug is the own name slug of a live exercise it does not point at (a family alias aside):
 *   deleted, since that slug finds the exercise and no alias may shadow it;
 * - a wrong `is_family_alias` or `alias_slug` field: rewritten with the same target;
 * - it still leads to its exercise or family (directly, or through merges) but that is retired
 *   without a successor: left to a person, since no alias may be written to a retired target and
 *   an archived exercise or deprecated family can come back;
 * - no alias at all for a slug an exercise was created with and has since left: created.
 *
 * Chains that come back to where they started (A merged into B merged into A) are loops: reported,
 * nothing written for that alias. So are several equally good successors.
 */
import { type AliasFacts, type FactRequest, decideEach } from "./alias-facts";
import { creationSlugOf } from "./slug-aliases";
import { type DocData, isNonEmptyString } from "../util/object-paths";
import { isLiveExercise, isLiveFamily } from "./family-registry";

export type AliasProblem =
  | "shadows_name"
  | "no_target"
  | "both_targets"
  | "orphaned"
  | "merged_target"
  | "own_slug"
  | "flag_mismatch"
  | "slug_mismatch"
  | "missing_alias";

type AliasTarget = { exercise_id: string } | { family_slug: string };

export type AliasRepair =
  | { alias_slug: string; problem: AliasProblem; action: "upsert"; target: AliasTarget; reason: string }
  | { alias_slug: string; problem: AliasProblem; action: "delete"; reason: string }
  | {
      alias_slug: string;
      problem: AliasProblem | null;
      action: "unresolved";
      code: "ALIAS_LOOP" | "AMBIGUOUS_ALIAS_TARGET" | "CHAIN_TOO_LONG" | "ALIAS_TARGET_RETIRED";
      reason: string;
    }
  | { alias_slug: string; problem: null; action: "none"; reason: string }
  | { alias_slug: string; problem: null; action: "not_found"; reason: string };

type Found<T> =
  | { kind: "found"; value: T }
  | { kind: "missing" }
  | { kind: "retired" }
  | { kind: "loop"; path: string[] }
  | { kind: "ambiguous"; candidates: T[] };

function mapFound<T, U>(found: Found<T>, map: (value: T) => U): Found<U> {
  if (found.kind === "found") return { kind: "found", value: map(found.value) };
  if (found.kind === "ambiguous") return { kind: "ambiguous", candidates: found.candidates.map(map) };
  return found;
}

function text(value: unknown): string | null {
  return isNonEmptyString(value) ? value : null;
}

/**
 * The alias's problem, judged from its document, its targets' existence and the live exercises named
 * with its slug; null when it is fine. Shadowing comes first: whatever else is wrong, such an alias goes.
 * One of its own target's slug goes too, whatever its fields say (deleted, not rewritten); a merged
 * target is judged before it, since the slug then leads on to the successor.
 */
export function aliasProblem(slug: string, alias: Readonly<DocData> | null, facts: AliasFacts): AliasProblem | null {
  if (alias === null) return null;
  if (shadowedExercise(slug, alias, facts)) return "shadows_name";
  const exerciseId = text(alias.exercise_id);
  const familySlug = text(alias.family_slug);
  if (exerciseId && familySlug) return "both_targets";
  if (!exerciseId && !familySlug) return "no_target";
  if (exerciseId) {
    const exercise = facts.exercise(exerciseId);
    if (exercise === null) return "orphaned";
    if (isMergedExercise(exercise)) return "merged_target";
    if (exercise.name_slug === slug) return "own_slug";
  } else {
    const family = facts.family(familySlug ?? "");
    if (family.registry === null && !family.hasExercises) return "orphaned";
    if (isMergedFamily(family.registry)) return "merged_target";
    if (familySlug === slug) return "own_slug";
  }
  if (alias.is_family_alias !== undefined && alias.is_family_alias !== Boolean(familySlug)) return "flag_mismatch";
  if (alias.alias_slug !== slug) return "slug_mismatch";
  return null;
}

/**
 * Whether ALIAS_REPAIR leaves the alias to a person because its target, or what its target was merged
 * into, is retired without a successor (ALIAS_TARGET_RETIRED), so a scan reports it instead of asking
 * for that repair again at every run. Judged only for the problems that can end so, a field fault or a
 * merged target, and only once following the alias's own target and its merges ends retired: reading no
 * successor by slug (a walk of every exercise), as the repair of other problems may.
 */
export function leftForRetiredTarget(slug: string, problem: AliasProblem | null, facts: AliasFacts): boolean {
  if (!isFieldFault(problem) && problem !== "merged_target") return false;
  const alias = facts.alias(slug);
  const exerciseId = text(alias?.exercise_id);
  const familySlug = text(alias?.family_slug);
  const end = exerciseId ? exerciseFrom(exerciseId, (id) => facts.exercise(id), []) : familyFrom(familySlug ?? "", facts, [], slug);
  if (end.kind !== "retired") return false;
  const repair = resolveAlias(slug, facts);
  return repair.action === "unresolved" && repair.code === "ALIAS_TARGET_RETIRED";
}

/** The alias names its target but a field of its own is wrong. */
function isFieldFault(problem: AliasProblem | null): boolean {
  return problem === "flag_mismatch" || problem === "slug_mismatch";
}

/** Decides every slug's repair; slugs whose facts are not all read yet come back in `request`. */
export function resolveAliases(
  slugs: readonly string[],
  facts: AliasFacts,
  finalRound: boolean,
): { result: AliasRepair[]; request: FactRequest } {
  const unsettled = (slug: string): AliasRepair => ({
    alias_slug: slug,
    problem: null,
    action: "unresolved",
    code: "CHAIN_TOO_LONG",
    reason: "its targets lead on too far to follow",
  });
  return decideEach(slugs, (slug) => resolveAlias(slug, facts), finalRound ? unsettled : undefined);
}

export function resolveAlias(slug: string, facts: AliasFacts): AliasRepair {
  const alias = facts.alias(slug);
  if (alias !== null) return repairAlias(slug, alias, facts);
  // Another exercise took the slug as its own name since: it is found by it, and no alias may shadow it.
  const owner = liveNameHolder(slug, facts);
  if (owner) return { alias_slug: slug, problem: null, action: "none", reason: `the slug is the name of live exercise ${owner}` };
  return restoreOldSlug(slug, facts);
}

/** A live exercise whose own name slug `slug` is, other than `except`, if any. */
function liveNameHolder(slug: string, facts: AliasFacts, except?: string | null): string | undefined {
  return facts.namedHolders(slug).find((id) => {
    const exercise = facts.exercise(id);
    return id !== except && exercise !== null && isLiveExercise(exercise);
  });
}

/**
 * The live exercise the alias shadows: one whose own name slug is the alias's slug, which the alias does
 * not point at. A family alias is not judged so, as the plan validator does not (ALIAS_SHADOWS_EXERCISE
 * is about exercise aliases); an alias with no target at all is.
 */
function shadowedExercise(slug: string, alias: Readonly<DocData>, facts: AliasFacts): string | undefined {
  const exerciseId = text(alias.exercise_id);
  if (!exerciseId && text(alias.family_slug)) return undefined;
  return liveNameHolder(slug, facts, exerciseId);
}

/** How a broken (or sound) alias document is repaired. */
function repairAlias(slug: string, alias: DocData, facts: AliasFacts): AliasRepair {
  const problem = aliasProblem(slug, alias, facts);
  if (problem === null) return { alias_slug: slug, problem: null, action: "none", reason: "the alias is fine" };
  if (problem === "shadows_name") {
    const owner = shadowedExercise(slug, alias, facts);
    return {
      alias_slug: slug,
      problem,
      action: "delete",
      reason: `the slug is the name of live exercise ${owner}: no alias may shadow it`,
    };
  }
  const exerciseId = text(alias.exercise_id);
  const familySlug = text(alias.family_slug);
  if (problem === "own_slug") {
    const target = exerciseId ? `exercise ${exerciseId}` : `family ${familySlug}`;
    return { alias_slug: slug, problem, action: "delete", reason: `${describe(problem)} (${target}): that slug finds it anyway` };
  }
  if (problem === "no_target") {
    const restored = restoreOldSlug(slug, facts);
    if (restored.action === "not_found")
      return { alias_slug: slug, problem, action: "delete", reason: "the alias has no target and none can be found" };
    return { ...restored, problem };
  }
  const viaExercise = exerciseId ? exerciseTarget(slug, exerciseId, facts) : null;
  const viaFamily = familySlug ? familyTarget(slug, familySlug, facts) : null;
  // With two targets, the slug's shape says which one the alias meant.
  const preferred = problem === "both_targets" && slugMeansFamily(slug) ? [viaFamily, viaExercise] : [viaExercise, viaFamily];
  const chosen =
    preferred.find((found) => found?.kind === "found") ??
    preferred.find((found) => found !== null && found.kind !== "missing") ??
    preferred.find((found) => found !== null);
  return repairFor(slug, problem, chosen ?? { kind: "missing" });
}

/** Whether an alias with both an exercise and a family target meant the family, by its slug's shape: name slugs use "-", family slugs "_". */
export function slugMeansFamily(slug: string): boolean {
  return !slug.includes("-") && slug.includes("_");
}

function repairFor(
  slug: string,
  problem: AliasProblem,
  found: Found<AliasTarget>,
): Exclude<AliasRepair, { action: "none" } | { action: "not_found" }> {
  switch (found.kind) {
    case "found": {
      const target = found.value;
      const described = "exercise_id" in target ? `exercise ${target.exercise_id}` : `family ${target.family_slug}`;
      return { alias_slug: slug, problem, action: "upsert", target, reason: `${describe(problem)}; it now points at ${described}` };
    }
    case "missing":
      return { alias_slug: slug, problem, action: "delete", reason: `${describe(problem)} and no successor exists` };
    case "retired":
      // An orphan names nothing that exists any more (only what its family was renamed to, retired): it goes, as
      // any orphan without a live successor does.
      if (problem === "orphaned")
        return { alias_slug: slug, problem, action: "delete", reason: `${describe(problem)} and its successor is retired` };
      // The alias still leads to its exercise or family, which may come back (archived, deprecated): deleting it
      // would lose it for good, and no alias may be written to a retired target now.
      return {
        alias_slug: slug,
        problem,
        action: "unresolved",
        code: "ALIAS_TARGET_RETIRED",
        reason: `${describe(problem)}; it leads to a target retired without a successor, so it can be neither written again nor re-pointed (a person decides whether to keep it)`,
      };
    case "loop":
      return {
        alias_slug: slug,
        problem,
        action: "unresolved",
        code: "ALIAS_LOOP",
        reason: `its targets form a loop: ${found.path.join(" → ")}`,
      };
    case "ambiguous":
      return {
        alias_slug: slug,
        problem,
        action: "unresolved",
        code: "AMBIGUOUS_ALIAS_TARGET",
        reason: `several successors fit: ${found.candidates.map((c) => JSON.stringify(c)).join(", ")}`,
      };
  }
}

function describe(problem: AliasProblem): string {
  const descriptions: Record<AliasProblem, string> = {
    shadows_name: "the slug is a live exercise's name",
    no_target: "the alias had no target",
    both_targets: "the alias targeted an exercise and a family",
    orphaned: "the alias's target no longer exists",
    merged_target: "the alias's target was merged",
    own_slug: "the alias's slug is its target's own slug",
    flag_mismatch: "is_family_alias did not match the target",
    slug_mismatch: "alias_slug did not match the document id",
    missing_alias: "the exercise's old slug had no alias",
  };
  return descriptions[problem];
}

/** An exercise target, following merges; a missing one by the live exercise that carries on its slug. */
function exerciseTarget(slug: string, exerciseId: string, facts: AliasFacts): Found<AliasTarget> {
  let found = exerciseFrom(exerciseId, (id) => facts.exercise(id), []);
  if (found.kind === "missing") found = successorOfMissing(exerciseId, facts);
  // An alias equal to its exercise's own slug says nothing: it goes.
  if (found.kind === "found" && facts.exercise(found.value)?.name_slug === slug) return { kind: "missing" };
  return mapFound(found, (exercise_id) => ({ exercise_id }));
}

function familyTarget(slug: string, familySlug: string, facts: AliasFacts): Found<AliasTarget> {
  const found = familyFrom(familySlug, facts, [], slug);
  // An alias equal to its family's own slug says nothing either: it goes.
  if (found.kind === "found" && found.value === slug) return { kind: "missing" };
  return mapFound(found, (family_slug) => ({ family_slug }));
}

function isMergedExercise(exercise: Readonly<DocData> | null): boolean {
  return exercise?.status === "merged";
}

function isMergedFamily(registry: Readonly<DocData> | null): boolean {
  return registry?.status === "merged";
}

/**
 * The live exercise `id` is, or was merged into (where an alias of it is re-pointed); null when there
 * is none: gone, retired without a successor, or merged in a loop. `exercise` gives each document
 * along the way (null: none).
 */
export function liveExerciseOf(id: string, exercise: ExerciseLookup): string | null {
  const found = exerciseFrom(id, exercise, []);
  return found.kind === "found" ? found.value : null;
}

type ExerciseLookup = (id: string) => Readonly<DocData> | null;

/** The live exercise `id` is or was merged into. */
function exerciseFrom(id: string, exercise: ExerciseLookup, path: string[]): Found<string> {
  if (path.includes(id)) return { kind: "loop", path: [...path, id] };
  const data = exercise(id);
  if (data === null) return { kind: "missing" };
  if (isLiveExercise(data)) return { kind: "found", value: id };
  const next = text(data.merged_into);
  return next ? exerciseFrom(next, exercise, [...path, id]) : { kind: "retired" };
}

/**
 * The live family `slug` is or became: through a merged registry's merged_into, or, for a family
 * that no longer exists, the family alias its old slug left behind (a rename) — unless that alias
 * is `repairing` itself. A family that exists but is not live (`isLiveFamily`) is retired.
 */
function familyFrom(slug: string, facts: AliasFacts, path: string[], repairing: string): Found<string> {
  if (path.includes(slug)) return { kind: "loop", path: [...path, slug] };
  const { registry, hasExercises, hasLiveExercises } = facts.family(slug);
  const mergedInto = isMergedFamily(registry) ? text(registry?.merged_into) : null;
  if (mergedInto) return familyFrom(mergedInto, facts, [...path, slug], repairing);
  if (isLiveFamily(registry, hasLiveExercises)) return { kind: "found", value: slug };
  if (registry !== null || hasExercises) return { kind: "retired" };
  const renamedTo = slug === repairing ? null : text(facts.alias(slug)?.family_slug);
  return renamedTo ? familyFrom(renamedTo, facts, [...path, slug], repairing) : { kind: "missing" };
}

/** The one live exercise that carries on a missing exercise's slug (named with it, created with it, or its old-slug alias). */
function successorOfMissing(id: string, facts: AliasFacts): Found<string> {
  const slug = creationSlugOf(id) ?? id;
  const { named, created } = facts.holdersOf(slug);
  const aliased = text(facts.alias(slug)?.exercise_id);
  return oneLive(
    [...named, ...created, ...(aliased ? [aliased] : [])].filter((candidate) => candidate !== id),
    facts,
  );
}

function oneLive(candidates: readonly string[], facts: AliasFacts): Found<string> {
  const outcomes = [...new Set(candidates)].map((candidate) => exerciseFrom(candidate, (id) => facts.exercise(id), []));
  const loop = outcomes.find((outcome) => outcome.kind === "loop");
  if (loop) return loop;
  const live = [...new Set(outcomes.flatMap((outcome) => (outcome.kind === "found" ? [outcome.value] : [])))];
  if (live.length === 1) return { kind: "found", value: live[0] };
  return live.length === 0 ? { kind: "missing" } : { kind: "ambiguous", candidates: live };
}

/** A slug without an alias: restored when an exercise was created with it and has since been renamed. */
function restoreOldSlug(slug: string, facts: AliasFacts): Exclude<AliasRepair, { action: "none" }> {
  const { created } = facts.holdersOf(slug);
  const renamedAway = created.filter((id) => facts.exercise(id)?.name_slug !== slug);
  const found = oneLive(renamedAway, facts);
  if (found.kind === "missing")
    return { alias_slug: slug, problem: null, action: "not_found", reason: "no alias and no exercise with this old slug" };
  return repairFor(
    slug,
    "missing_alias",
    mapFound(found, (exercise_id) => ({ exercise_id })),
  );
}
