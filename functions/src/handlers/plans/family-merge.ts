/**
 * FAMILY_MERGE's plan: every live exercise of the source family moves into the target family under
 * its canonical name there (the target's own exercises are renamed too where the merge, making the
 * family multi-equipment, asks for it). An exercise identical to one of the target's (same name once
 * moved, or the same exercise but for the optional suffix) is merged into it instead, or takes that
 * one in when it already carries the name that one would be renamed to. Two different exercises with
 * the same primary equipment in a multi-equipment family are a conflict a person resolves: the whole
 * merge goes to review with MERGE_CONFLICT and nothing is written. Afterwards the source family is
 * retired (merged into the target), its slug becomes a family alias of the target (but for a legacy
 * slug no alias slug fits, "Bench_Press"), and aliases
 * pointing at it or at merged exercises follow, as do the exercises merged into those earlier.
 * Retired exercises of the source stay where they are, outside any live family; one the merge
 * retires keeps its name and slug where it is. A deprecated target (every exercise archived) takes
 * the exercises in and is active again; its archived ones stay. A merge that stopped part-way is
 * finished by another: what the first left leading to the exercises it retired follows them too.
 */
import type { OperationInput } from "../../apply/plan";
import type { CatalogDoc } from "../../catalog/repository";
import { CONTENT_FIELDS, writableContribution } from "../../catalog/taxonomy";
import { exercisePathSchema } from "../../catalog/schemas";
import { patchableValue } from "../../apply/operation-rules";
import { JobFailure } from "../../jobs/errors";
import type { LoadedFamily } from "../../catalog/reads";
import { refreshRegistry, retiringRegistry, successorExerciseMoves, successorMoves } from "../support/change-plan";
import { assertNotMergedAway, assertSourceNotRetired, retiredInto } from "../support/failures";
import { liveMembers } from "../../catalog/family-naming";
import type { SlugOwners } from "../../catalog/rename-conflicts";
import { moveOperations, namingConflicts, needsNewName, planJoin, renameOperations } from "./family-moves";
import { type DocData, isNonEmptyString, isPlainRecord } from "../../util/object-paths";
import { liveExerciseOf, slugMeansFamily } from "../../catalog/alias-resolution";
import { isAliasableSlug } from "../../catalog/slug-aliases";

export interface FamilyMergeInput {
  source: LoadedFamily;
  target: LoadedFamily;
  owners: SlugOwners;
  /** Aliases pointing at the source family or at one of the exercises of `repointedMemberIds`. */
  pointingAliases: readonly CatalogDoc[];
  /** Registry entries of families merged into the source earlier. */
  mergedIntoSource: readonly CatalogDoc[];
  /** Exercises merged earlier into one of `repointedMemberIds` (the merge may retire it, or an earlier run did). */
  mergedIntoMembers: readonly CatalogDoc[];
  /** The exercises outside both families that aliases of the source lead to through merges (`aliasExerciseIds`), as read. */
  aliasExercises: readonly CatalogDoc[];
}

export interface FamilyMerge {
  operations: OperationInput[];
  moved: number;
  renamed: number;
  merged_exercises: number;
  /** False where the source slug fits no alias slug, so no family alias keeps it. */
  oldSlugAliased: boolean;
}

/** What a merge copies from a merged exercise into its twin when the twin lacks it. */
const FILLABLE_FIELDS = ["category", "description", "muscles", "metadata", "movement", ...CONTENT_FIELDS] as const;

export function planFamilyMerge(input: FamilyMergeInput): FamilyMerge {
  const { source, target, owners } = input;
  const oldSlugAliased = isAliasableSlug(source.slug);
  if (retiredInto(source, owners.aliases.get(source.slug)) === target.slug && liveMembers(source.members).length === 0) {
    return { operations: [], moved: 0, renamed: 0, merged_exercises: 0, oldSlugAliased };
  }
  assertNotMergedAway(target, (successor) =>
    successor === source.slug
      ? `${source.slug} already holds the exercises of ${target.slug} (that merge went the other way): nothing to merge`
      : `merge ${source.slug} into ${successor} instead`,
  );
  assertSourceNotRetired(source, "merged");
  assertSomethingLive(source, target);
  const join = planJoin(source.slug, target, liveMembers(source.members), { mergeIdentical: true });
  const renamedMoves = join.moves.filter(({ member, name }) => needsNewName(member.data, name));
  const conflicts = [...join.conflicts, ...namingConflicts([...join.renames, ...renamedMoves], join.finalNames, owners)];
  if (conflicts.length > 0) {
    throw JobFailure.needsReview(
      "MERGE_CONFLICT",
      // Some are between the target's own members, which the merge makes share a primary equipment or rename.
      `${conflicts.length} conflict(s) stop the merge of ${source.slug} into ${target.slug}; nothing was written`,
      { conflicts },
    );
  }

  // Each merge fills only what the exercise it goes into still lacks after the merges before it.
  const kept = new Map([...liveMembers(target.members), ...liveMembers(source.members)].map((member) => [member.id, member.data]));
  const merges = join.merges.map(({ member, into }) => {
    const target_patch = missingFields(kept.get(into) ?? {}, member.data);
    kept.set(into, { ...kept.get(into), ...target_patch });
    return {
      op: "merge_exercises" as const,
      source_id: member.id,
      target_id: into,
      target_patch,
      rationale: `${member.id} is the same exercise as ${into}`,
    };
  });
  const successorOf = new Map(join.merges.map(({ member, into }) => [member.id, into]));
  // One with both targets is read twice, as an alias of the family and of an exercise: it gets one operation.
  const aliases = new Map(input.pointingAliases.map(({ id, data }) => [id, data]));
  const operations: OperationInput[] = [
    ...renameOperations(join.renames, owners, `canonical name once ${target.slug} takes in ${source.slug}`),
    ...moveOperations(source.slug, target.slug, join.moves, owners, `merge ${source.slug} into ${target.slug}`, { fromBecomesAlias: true }),
    // Each merge with what follows the exercise it retires: a run stopped between operations leaves nothing leading to it.
    ...merges.flatMap((merge) => [merge, ...followingRetired(input, aliases, merge.source_id, merge.target_id)]),
    ...[...mergedIntoTarget(source, target)].flatMap(([retired, into]) =>
      followingRetired(input, aliases, retired, successorOf.get(into) ?? into),
    ),
    ...followingFamilyAliases(input, aliases, successorOf, oldSlugAliased),
    // Live after the merge: its own live exercises or the ones moved in (see assertSomethingLive).
    ...refreshRegistry(target.slug, target.registry, true, `${target.slug} takes in the exercises of ${source.slug}`),
    ...retiringRegistry(source.slug, source.registry, target.slug, `${source.slug} is merged into ${target.slug}`),
    ...successorMoves(
      input.mergedIntoSource,
      source.slug,
      target.slug,
      new Set(input.pointingAliases.filter(({ data }) => data.family_slug === source.slug).map(({ id }) => id)),
    ),
  ];
  return {
    operations,
    moved: join.moves.length,
    renamed: join.renames.length + renamedMoves.length,
    merged_exercises: join.merges.length,
    oldSlugAliased,
  };
}

/**
 * The exercises of both families merged into a live exercise of the target, each with that one: what a merge into the
 * target that stopped part-way left (a merge applied, not yet what follows it), whose aliases and merged exercises may
 * still lead to them. The merge re-points those as it does its own merges'.
 */
function mergedIntoTarget(source: LoadedFamily, target: LoadedFamily): Map<string, string> {
  const live = new Set(liveMembers(target.members).map(({ id }) => id));
  return new Map(
    [...source.members, ...target.members].flatMap(({ id, data }) =>
      data.status === "merged" && typeof data.merged_into === "string" && live.has(data.merged_into)
        ? [[id, data.merged_into] as const]
        : [],
    ),
  );
}

/**
 * The exercises whose aliases and merged exercises a merge of `source` into `target` may re-point: the live ones of
 * both (it may merge one away: the target's too, into a twin that takes its name) and those `mergedIntoTarget` finds.
 */
export function repointedMemberIds(source: LoadedFamily, target: LoadedFamily): string[] {
  const live = [...liveMembers(source.members), ...liveMembers(target.members)].map(({ id }) => id);
  return [...live, ...mergedIntoTarget(source, target).keys()];
}

/**
 * Whether neither family has a live exercise. A target with none (deprecated, every one archived) is
 * active again through the ones the source brings; a source with none to bring would leave the
 * target, and the alias of the source's slug, leading to no live family.
 */
export function nothingLiveToMerge(source: LoadedFamily, target: LoadedFamily): boolean {
  return liveMembers(target.members).length === 0 && liveMembers(source.members).length === 0;
}

function assertSomethingLive(source: LoadedFamily, target: LoadedFamily): void {
  if (!nothingLiveToMerge(source, target)) return;
  throw JobFailure.permanent(
    "TARGET_FAMILY_RETIRED",
    `family ${target.slug} has no live exercise, and ${source.slug} has none to move into it; merge ${source.slug} into a live family`,
    { family_slug: target.slug, merged_into: null },
  );
}

/**
 * The twin's missing fields that the merged exercise has, as the catalog's schema and the patch
 * allowlist allow them, written as any write keeps them (a legacy muscle contribution renormalised):
 * a legacy value that breaks either (a description too short, a metadata map with a key the catalog
 * does not know) is left behind, not copied into the twin.
 */
function missingFields(twin: Readonly<DocData>, merged: Readonly<DocData>): DocData {
  return Object.fromEntries(
    FILLABLE_FIELDS.filter((field) => isBlank(twin[field]) && !isBlank(merged[field]))
      .map((field) => [field, asWritten(field, merged[field])] as const)
      .filter(([field, value]) => exercisePathSchema(field)?.safeParse(value).success !== false && patchableValue(field, value)),
  );
}

function asWritten(field: string, value: unknown): unknown {
  if (field !== "muscles" || !isPlainRecord(value) || value.contribution === undefined) return value;
  const contribution = writableContribution(value.contribution);
  return contribution ? { ...value, contribution } : value;
}

function isBlank(value: unknown): boolean {
  return value === undefined || value === null || value === "" || (Array.isArray(value) && value.length === 0);
}

/**
 * The exercises aliases of a family the plan retires name and may keep, as ALIAS_REPAIR keeps one of two targets:
 * those of an alias whose slug is a name's (`slugMeansFamily`). The handler reads the ones outside the families,
 * and what they and the members were merged into (`readMergeChains`).
 */
export function aliasExerciseIds(aliases: readonly CatalogDoc[]): string[] {
  return aliases.flatMap(({ id, data }) => (isNonEmptyString(data.exercise_id) && !slugMeansFamily(id) ? [data.exercise_id] : []));
}

/**
 * The exercise an alias of a family the plan retires keeps when it names one too (`aliasExerciseIds`): the live
 * exercise its exercise target is or was merged into, as ALIAS_REPAIR finds it among `read`, the exercises the plan
 * read (`exercisesById`). Null where it follows the family: a family's slug, or an exercise missing or retired
 * without a live successor.
 */
export function exerciseKeptBy(alias: CatalogDoc, read: ReadonlyMap<string, DocData>): string | null {
  const [exerciseId] = aliasExerciseIds([alias]);
  if (exerciseId === undefined) return null;
  return liveExerciseOf(exerciseId, (id) => read.get(id) ?? null);
}

/** The exercises a plan read, by id, for `exerciseKeptBy` to follow (built once per plan, not per alias). */
export function exercisesById(...groups: ReadonlyArray<readonly CatalogDoc[]>): ReadonlyMap<string, DocData> {
  return new Map(groups.flat().map(({ id, data }) => [id, data]));
}

/** Why an alias of a retired family keeps its exercise target (`exerciseKeptBy`), after why the family is retired. */
export function keepsExerciseRationale(retired: string, exerciseId: string): string {
  return `${retired}; of its two targets the alias keeps exercise ${exerciseId}, which its slug names`;
}

/**
 * The exercises merged into `retired`, and its aliases, lead to `successor`. An alias naming the source family too is
 * `followingFamilyAliases`' (it keeps one target of two), as is the source's own slug.
 */
function followingRetired(
  input: FamilyMergeInput,
  aliases: ReadonlyMap<string, DocData>,
  retired: string,
  successor: string,
): OperationInput[] {
  const { source } = input;
  const pointing = [...aliases].filter(
    ([slug, data]) => slug !== source.slug && data.family_slug !== source.slug && data.exercise_id === retired,
  );
  return [
    ...successorExerciseMoves(input.mergedIntoMembers, retired, successor),
    ...pointing.map(([slug]): OperationInput => ({
      op: "upsert_alias",
      alias_slug: slug,
      exercise_id: successor,
      rationale: `${retired} is merged into ${successor}`,
    })),
  ];
}

/**
 * Aliases of the source family lead to the target, or keep the exercise their slug names (`exerciseKeptBy`, its
 * successor where the merge retires it); the source slug becomes a family alias where it can (`oldSlugAliased`).
 */
function followingFamilyAliases(
  input: FamilyMergeInput,
  aliases: ReadonlyMap<string, DocData>,
  successorOf: ReadonlyMap<string, string>,
  oldSlugAliased: boolean,
): OperationInput[] {
  const { source, target } = input;
  const exercises = exercisesById(source.members, target.members, input.aliasExercises);
  const operations: OperationInput[] = [];
  for (const [slug, data] of aliases) {
    if (slug === source.slug || data.family_slug !== source.slug) continue;
    const exerciseId = exerciseKeptBy({ id: slug, data }, exercises);
    const successor = exerciseId === null ? undefined : successorOf.get(exerciseId);
    if (successor) {
      operations.push({
        op: "upsert_alias",
        alias_slug: slug,
        exercise_id: successor,
        rationale: `${String(exerciseId)} is merged into ${successor}`,
      });
    } else if (exerciseId !== null) {
      operations.push({
        op: "upsert_alias",
        alias_slug: slug,
        exercise_id: exerciseId,
        rationale: keepsExerciseRationale(`${source.slug} is merged into ${target.slug}`, exerciseId),
      });
    } else {
      operations.push({
        op: "upsert_alias",
        alias_slug: slug,
        family_slug: target.slug,
        is_family_alias: true,
        rationale: `${source.slug} is merged into ${target.slug}`,
      });
    }
  }
  const existing = input.owners.aliases.get(source.slug);
  if (oldSlugAliased && (existing?.family_slug !== target.slug || existing.exercise_id)) {
    operations.push({
      op: "upsert_alias",
      alias_slug: source.slug,
      family_slug: target.slug,
      is_family_alias: true,
      rationale: `the old family slug ${source.slug} leads to ${target.slug}`,
    });
  }
  return operations;
}
