/**
 * Alias invariants after a plan: an alias the plan writes has one live target (created in the plan
 * or existing), is no link of a chain or a loop, does not take over an alias slug that leads
 * elsewhere, and does not shadow another exercise's slug; aliases the plan leaves pointing at an
 * exercise or family it retires are reported, so the plan can repoint them.
 */
import { CATALOG_COLLECTIONS, documentPath } from "../catalog/collections";
import type { CatalogState } from "./catalog-state";
import type { IssueLog, ValidationIssue } from "./issues";
import type { PlanTrace } from "./plan-trace";
import { type DocData, display, isNonEmptyString } from "../util/object-paths";
import { isLiveExercise, mergedInto } from "../catalog/family-registry";
import { knownSlugsOf } from "../catalog/slug-aliases";

const aliasTarget = (slug: string) => documentPath(CATALOG_COLLECTIONS.aliases, slug);

type AliasIssue = Omit<ValidationIssue, "operation_index" | "target">;

function sameTarget(a: Readonly<DocData>, b: Readonly<DocData>): boolean {
  return (a.exercise_id || null) === (b.exercise_id || null) && (a.family_slug || null) === (b.family_slug || null);
}

/**
 * Repairing a broken alias that named both an exercise and a family by keeping one of them: the family
 * may be followed to the family it is merged into (by the plan, or earlier), as ALIAS_REPAIR and a family
 * rename or merge follow it. An exercise merged away needs no such rule: it is no live target to collide with.
 */
function keepsOneOfBothTargets(previous: Readonly<DocData>, alias: Readonly<DocData>, final: CatalogState): boolean {
  if (!isNonEmptyString(previous.exercise_id) || !isNonEmptyString(previous.family_slug)) return false;
  if (alias.exercise_id === previous.exercise_id) return true;
  const family = alias.family_slug;
  return typeof family === "string" && (family === previous.family_slug || family === mergedInto(final.family(previous.family_slug)));
}

/**
 * A family alias taking over an exercise's alias. Where the plan leaves the exercise in that family,
 * the family alias still reaches it: the exercise's old slug, or the slug of a family the plan retires
 * into that family (a one-word family's slug, once its exercise's name, as oldSlugAliasIssues allows).
 * Elsewhere, only the old slug of an exercise named as the family the plan retires (a one-word family's
 * "Plank", split off since as "Front Plank"): the family held the slug first, and a retired family
 * keeps its slug as its alias. Any other alias of the exercise is a name of its own, not the family's to take.
 */
function familyAliasTakesOver(slug: string, previous: Readonly<DocData>, alias: Readonly<DocData>, final: CatalogState): boolean {
  if (typeof previous.exercise_id !== "string" || typeof alias.family_slug !== "string") return false;
  const exercise = final.exercise(previous.exercise_id);
  if (!exercise) return false;
  const oldSlugOfExercise = knownSlugsOf(previous.exercise_id, exercise).includes(slug);
  const slugOfRetiredFamily = final.family(slug)?.merged_into === alias.family_slug;
  if (exercise.family_slug === alias.family_slug) return oldSlugOfExercise || slugOfRetiredFamily;
  return oldSlugOfExercise && slugOfRetiredFamily;
}

/** Aliases the plan wrote: a live target, no chain or loop, no collision, no exercise shadowed. */
export function aliasIssues(final: CatalogState, trace: PlanTrace, log: IssueLog): void {
  for (const [slug, { index, previous }] of trace.aliasUpserts) {
    const alias = final.alias(slug);
    if (!alias) continue;
    const at = (issue: AliasIssue) => log.error({ ...issue, operation_index: index, target: aliasTarget(slug) });
    if (typeof alias.exercise_id === "string") {
      const gone = aliasTargetIssue(alias, final);
      if (gone) at(gone);
      else if (final.exercise(alias.exercise_id)?.name_slug === slug) {
        at({
          code: "ALIAS_LOOP",
          path: "alias_slug",
          message: `"${slug}" is the exercise's own name_slug`,
          suggestion: "no alias is needed",
        });
      }
      const shadows = aliasShadowIssue(slug, alias, final);
      if (shadows) at(shadows);
    } else if (typeof alias.family_slug === "string") {
      familyAliasIssues(slug, alias.family_slug, final, at);
    }
    if (
      previous &&
      !sameTarget(previous, alias) &&
      !keepsOneOfBothTargets(previous, alias, final) &&
      !familyAliasTakesOver(slug, previous, alias, final) &&
      final.isAliasTargetLive(previous)
    ) {
      at({
        code: "ALIAS_COLLISION",
        path: "alias_slug",
        message: `alias "${slug}" already points at ${previous.exercise_id ? `exercise ${display(previous.exercise_id)}` : `family ${display(previous.family_slug)}`}, which stays live`,
        suggestion: "use another alias slug; an alias keeps one target",
      });
    }
  }
}

/**
 * An alias of an exercise may not have the slug another live exercise has as its name_slug (ALIAS_SHADOWS_EXERCISE):
 * that exercise is found by it. A plan's aliases are checked on the plan's end state; the ApplyEngine checks an
 * alias again in its transaction, on the exercises holding its slug then.
 */
export function aliasShadowIssue(slug: string, alias: Readonly<DocData>, state: CatalogState): AliasIssue | null {
  const shadowed = shadowedExercises(slug, alias, state);
  if (shadowed.length === 0) return null;
  return {
    code: "ALIAS_SHADOWS_EXERCISE",
    path: "alias_slug",
    message: `"${slug}" is the name_slug of live exercise ${shadowed.join(", ")}`,
  };
}

/**
 * The exercises `alias` (of slug `slug`) would shadow (`aliasShadowIssue`): the live ones of `state` that have the slug as
 * their name_slug, but for the alias's own exercise (an alias of its own name is only redundant). A family alias shadows none.
 */
export function shadowedExercises(slug: string, alias: Readonly<DocData>, state: CatalogState): string[] {
  return typeof alias.exercise_id === "string" ? state.liveNameHolders(slug, alias.exercise_id) : [];
}

const MAX_ALIAS_HOPS = 10;

/** A family alias points at a live family that is not itself an alias (chain) and never back (loop). */
function familyAliasIssues(slug: string, family: string, final: CatalogState, at: (issue: AliasIssue) => void): void {
  // Follow family aliases from the target: back to `slug` is a loop, any hop at all is a chain.
  const visited = [slug];
  let current = family;
  while (visited.length <= MAX_ALIAS_HOPS) {
    if (visited.includes(current)) {
      at({ code: "ALIAS_LOOP", path: "family_slug", message: `aliases lead from "${slug}" back to "${current}"` });
      return;
    }
    const next = final.alias(current);
    if (!next || typeof next.family_slug !== "string") break;
    visited.push(current);
    current = next.family_slug;
  }
  if (visited.length > 1) {
    at({
      code: "ALIAS_CHAIN",
      path: "family_slug",
      message: `"${family}" is itself an alias; it leads on to "${current}"`,
      suggestion: current,
    });
    return;
  }
  const gone = aliasTargetIssue({ family_slug: family }, final);
  if (gone) at(gone);
}

/**
 * What an alias (or what it points at: `exercise_id` or `family_slug`) may not lead to: an exercise or
 * family that is missing (ALIAS_TARGET_MISSING) or retired (ALIAS_CHAIN: its successor is the one to
 * point at). A plan's aliases are checked on the plan's end state; the ApplyEngine checks an alias
 * again in its transaction, and a revert the alias it gives back.
 */
export function aliasTargetIssue(alias: Readonly<DocData>, state: CatalogState): AliasIssue | null {
  if (typeof alias.exercise_id === "string") {
    const exercise = state.exercise(alias.exercise_id);
    if (!exercise) return { code: "ALIAS_TARGET_MISSING", path: "exercise_id", message: `exercise ${alias.exercise_id} does not exist` };
    if (isLiveExercise(exercise)) return null;
    return {
      code: "ALIAS_CHAIN",
      path: "exercise_id",
      message: `exercise ${alias.exercise_id} is ${String(exercise.status)}; an alias points at a live exercise`,
      ...(typeof exercise.merged_into === "string" ? { suggestion: exercise.merged_into } : {}),
    };
  }
  if (typeof alias.family_slug !== "string") return null;
  const family = alias.family_slug;
  const registry = state.family(family);
  if (registry && registry.status !== "active") {
    return {
      code: "ALIAS_CHAIN",
      path: "family_slug",
      message: `family ${family} is ${String(registry.status)}`,
      ...(typeof registry.merged_into === "string" ? { suggestion: registry.merged_into } : {}),
    };
  }
  if (!state.isFamilyLive(family)) {
    return { code: "ALIAS_TARGET_MISSING", path: "family_slug", message: `family ${family} has no exercises and no registry entry` };
  }
  return null;
}

/** Existing aliases whose target the plan retires and does not repoint: they now lead to a retired document. */
export function retiredTargetWarnings(initial: CatalogState, final: CatalogState, trace: PlanTrace, log: IssueLog): void {
  for (const [slug, alias] of initial.aliases()) {
    if (trace.aliasUpserts.has(slug) || !final.alias(slug)) continue;
    if (!initial.isAliasTargetLive(alias) || final.isAliasTargetLive(alias)) continue;
    const exerciseId = typeof alias.exercise_id === "string" ? alias.exercise_id : null;
    const cause = exerciseId ? trace.exerciseWriters.get(exerciseId) : trace.familyWriters.get(String(alias.family_slug));
    const successor = exerciseId ? final.exercise(exerciseId)?.merged_into : final.family(String(alias.family_slug))?.merged_into;
    log.warn({
      code: "ALIAS_CHAIN",
      operation_index: cause ?? null,
      path: exerciseId ? "exercise_id" : "family_slug",
      message: `alias "${slug}" still points at ${exerciseId ? `exercise ${exerciseId}` : `family ${String(alias.family_slug)}`}, which the plan retires`,
      ...(typeof successor === "string" ? { suggestion: `upsert_alias ${slug} → ${successor}` } : {}),
      target: aliasTarget(slug),
    });
  }
}
