/**
 * Catalog invariants a plan must keep, checked on the simulated catalog: merge preconditions when an
 * operation runs, and after the whole plan the family, slug, retirement, alias (alias-rules) and
 * deprecated-field invariants. Family-level problems the plan did not introduce (already there
 * before it) are warnings, not errors, so a plan that fixes one thing in a legacy family is not
 * blocked by the rest.
 */
import { CATALOG_COLLECTIONS, documentPath } from "../catalog/collections";
import { aliasIssues, retiredTargetWarnings } from "./alias-rules";
import type { CatalogState } from "./catalog-state";
import type { CatalogReader } from "./effects";
import { sameValue } from "../util/document-diff";
import type { IssueLog, ValidationIssue } from "./issues";
import { exerciseNameProblem, familySlugFitsName } from "../catalog/naming-rules";
import { type Operation, operationExerciseIds } from "./plan";
import type { PlanTrace } from "./plan-trace";
import { type DocData, getPath, display } from "../util/object-paths";
import { isLiveExercise, mergedInto, normalizedPrimary } from "../catalog/family-registry";
import { isMultiEquipment, membersByPrimary } from "../catalog/family-naming";
import { normalizeEquipment } from "../catalog/taxonomy";
import { aliasPointsAtExercise, aliasPointsAtFamily, isAliasableSlug } from "../catalog/slug-aliases";
import { findDeprecatedFields } from "../catalog/fields";

const exerciseTarget = (id: string) => documentPath(CATALOG_COLLECTIONS.exercises, id);
const aliasTarget = (slug: string) => documentPath(CATALOG_COLLECTIONS.aliases, slug);
const familyTarget = (slug: string) => documentPath(CATALOG_COLLECTIONS.families, slug);

// ------------------------------------------------------------------------------ when an operation runs

/** Merge preconditions, checked on the catalog as it is just before `op`. */
export function mergeIssues(op: Operation, index: number, state: CatalogState, log: IssueLog): void {
  const problem = mergeTargetProblem(op, state);
  if (problem) log.error({ ...problem, operation_index: index, message: `${problem.message}; merge into a live exercise` });
  if (op.op !== "merge_exercises") return;
  const source = state.exercise(op.source_id);
  const target = state.exercise(op.target_id);
  if (source && !isLiveExercise(source)) {
    log.error({
      code: "MERGE_CONFLICT",
      operation_index: index,
      path: "source_id",
      message: `exercise ${op.source_id} is already ${display(source.status)}${source.merged_into ? ` into ${display(source.merged_into)}` : ""}`,
      target: exerciseTarget(op.source_id),
    });
  }
  if (!target) return;
  for (const [path, value] of Object.entries(op.target_patch)) {
    const current = getPath(target, path);
    if (isPresent(current) && !sameValue(current, value)) {
      log.error({
        code: "MERGE_CONFLICT",
        operation_index: index,
        path: `target_patch.${path}`,
        message: `the target already has a different "${path}"; a merge only fills what the target lacks`,
        target: exerciseTarget(op.target_id),
      });
    }
  }
}

function isPresent(value: unknown): boolean {
  if (value === undefined || value === null || value === "") return false;
  return !(Array.isArray(value) && value.length === 0);
}

/**
 * What `op` newly merges an exercise into, on the catalog just before it, and the operation field
 * that says so: a merge's target (which it may also patch), a deprecation's merged_into, a patch
 * setting merged_into or the status merged. Null when it merges nothing, or a deprecation or patch
 * nothing new (the exercise already is merged there).
 */
export function newMergeTarget(op: Operation, state: CatalogReader): { id: string; path: string } | null {
  if (op.op === "merge_exercises") return { id: op.target_id, path: "target_id" };
  const merge = exerciseMergeTarget(op, state);
  if (!merge) return null;
  const merged = state.exercise(operationExerciseIds(op)[0]);
  return merged?.status === "merged" && merged.merged_into === merge.id ? null : merge;
}

/**
 * The target `op` newly merges into (`newMergeTarget`) when it is not a live exercise: validation
 * reports it, and an operation's transaction checks it again, since a job under other locks may
 * retire the target while the plan waits. A merge's missing target is its own EXERCISE_NOT_FOUND.
 */
export function mergeTargetProblem(op: Operation, state: CatalogReader): Omit<ValidationIssue, "operation_index"> | null {
  const merge = newMergeTarget(op, state);
  if (!merge) return null;
  const target = state.exercise(merge.id);
  if (target ? isLiveExercise(target) : op.op === "merge_exercises") return null;
  return {
    code: "MERGE_TARGET_INVALID",
    path: merge.path,
    message: target ? `exercise ${merge.id} is ${String(target.status)}` : `exercise ${merge.id} does not exist`,
    ...(typeof target?.merged_into === "string" ? { suggestion: target.merged_into } : {}),
    target: exerciseTarget(merge.id),
  };
}

// ------------------------------------------------------------------------------ after the whole plan

interface Finding {
  /** What the finding is made of; it was already there before the plan when every key was. */
  keys: string[];
  issue: Omit<ValidationIssue, "operation_index">;
  /** Exercises involved, to find the operation that caused it. */
  exerciseIds: string[];
  family: string;
}

/** Runs every end-of-plan check; `initial` is the catalog before the plan, `final` after it. */
export function finalStateIssues(
  plan: readonly Operation[],
  initial: CatalogState,
  final: CatalogState,
  trace: PlanTrace,
  log: IssueLog,
): void {
  familyIssues(initial, final, trace, log);
  namedExerciseIssues(initial, final, trace, log);
  oldSlugAliasIssues(initial, final, trace, log);
  aliasIssues(final, trace, log);
  retiredTargetWarnings(initial, final, trace, log);
  retirementTargetIssues(plan, final, log);
  unreplacedFieldIssues(plan, initial, final, log);
  registryWarnings(trace, log);
  nonCanonicalEquipmentWarnings(initial, final, trace, log);
}

/** Families the plan touched: canonical names, one exercise per primary equipment, retired registry with live members. */
function familyIssues(initial: CatalogState, final: CatalogState, trace: PlanTrace, log: IssueLog): void {
  const families = new Set([...trace.familyWriters.keys(), ...trace.registryUpdates.keys()]);
  for (const family of families) {
    // A member moved in brings the findings it had in the family it came from (a family renamed whole keeps its legacy
    // problems); a finding is pre-existing when one family had all of it, so joining two legacy groups is not.
    const origins = new Set([family, ...final.liveFamilyMembers(family).map(([id]) => initial.exercise(id)?.family_slug)]);
    const before = [...origins]
      .filter((origin): origin is string => typeof origin === "string")
      .map((origin) => new Set(familyFindings(initial, origin).flatMap((finding) => finding.keys)));
    for (const finding of familyFindings(final, family)) {
      const index = causeOf(finding, trace);
      if (before.some((keys) => finding.keys.every((key) => keys.has(key)))) log.warn({ ...finding.issue, operation_index: index });
      else log.error({ ...finding.issue, operation_index: index });
    }
  }
}

function causeOf(finding: Finding, trace: PlanTrace): number | null {
  const writers = finding.exerciseIds.map((id) => trace.exerciseWriters.get(id)).filter((i): i is number => i !== undefined);
  if (writers.length > 0) return Math.max(...writers);
  return trace.familyWriters.get(finding.family) ?? trace.registryUpdates.get(finding.family) ?? null;
}

function familyFindings(state: CatalogState, family: string): Finding[] {
  const members = state.liveFamilyMembers(family);
  // Grouped as the family jobs group them, so the validator and FAMILY_AUDIT judge a family alike.
  const docs = members.map(([id, data]) => ({ id, data }));
  const multiEquipment = isMultiEquipment(docs);
  const findings: Finding[] = [];
  for (const [id, exercise] of members) {
    if (typeof exercise.name !== "string") continue;
    const problem = exerciseNameProblem(exercise.name, normalizedPrimary(exercise), multiEquipment);
    if (!problem) continue;
    findings.push({
      keys: [`name:${id}:${problem.suggestion}`],
      issue: {
        code: "NON_CANONICAL_NAME",
        path: "name",
        message: problem.message,
        suggestion: problem.suggestion,
        target: exerciseTarget(id),
      },
      exerciseIds: [id],
      family,
    });
  }
  if (multiEquipment) {
    for (const [equipment, sharing] of membersByPrimary(docs)) {
      if (sharing.length < 2) continue;
      const ids = sharing.map((member) => member.id);
      findings.push({
        // One key per member: a legacy group that loses a member is still pre-existing, one that gains a member is not.
        keys: ids.map((id) => `equipment:${equipment}:${id}`),
        issue: {
          code: "DUPLICATE_EQUIPMENT_VARIANT",
          path: "equipment",
          message: `exercises ${ids.join(", ")} of multi-equipment family ${family} share the primary equipment "${equipment}"`,
          suggestion: "merge them, or move the variant to a family of its own",
          target: exerciseTarget(ids[ids.length - 1]),
        },
        exerciseIds: ids,
        family,
      });
    }
  }
  const registry = state.family(family);
  if (registry && registry.status !== "active" && members.length > 0) {
    findings.push({
      keys: [`registry:${family}`],
      issue: {
        code: "FAMILY_TARGET_INVALID",
        path: "status",
        message: `family ${family} is ${String(registry.status)} but still has ${members.length} live exercise(s)`,
        ...(typeof registry.merged_into === "string" ? { suggestion: registry.merged_into } : {}),
        target: familyTarget(family),
      },
      exerciseIds: [],
      family,
    });
  }
  return findings;
}

/**
 * Exercises whose name or family the plan set: the family fits the name, the slug is unique, no alias
 * claims it. A retired exercise keeps the name it had (a family rename moves it unrenamed: no alias may
 * lead to it), so one the plan brings back from retirement has its family and its slug's alias judged as
 * though named anew.
 */
function namedExerciseIssues(initial: CatalogState, final: CatalogState, trace: PlanTrace, log: IssueLog): void {
  for (const [id, index] of trace.identitySetBy) {
    const exercise = final.exercise(id);
    if (!exercise || typeof exercise.name !== "string") continue;
    familyFitIssue(id, exercise, index, log);
    const slug = exercise.name_slug;
    const twins = final
      .exercises()
      .filter(([other, doc]) => other !== id && doc.name_slug === slug)
      .map(([other]) => other);
    if (twins.length > 0) {
      log.error({
        code: "DUPLICATE_NAME_SLUG",
        operation_index: index,
        path: "name_slug",
        message: `name_slug "${String(slug)}" is already used by ${twins.join(", ")}`,
        suggestion: "merge into the existing exercise instead of creating a second one with the same name",
        target: exerciseTarget(id),
      });
    }
    const held = nameSlugAlias(final, id, exercise);
    if (!held) continue;
    if (held.collision) {
      log.error({ ...held.collision, operation_index: index });
    } else if (held.alias.exercise_id === id) {
      log.warn({
        code: "ALIAS_LOOP",
        operation_index: index,
        path: "name_slug",
        message: `alias "${String(slug)}" now equals the exercise's own slug`,
        suggestion: `delete_alias ${String(slug)}`,
        target: aliasTarget(String(slug)),
      });
    }
  }
  // Brought back without a new name.
  for (const [id, index] of trace.exerciseWriters) {
    const before = initial.exercise(id);
    const exercise = final.exercise(id);
    if (trace.identitySetBy.has(id) || !before || isLiveExercise(before) || !exercise) continue;
    familyFitIssue(id, exercise, index, log);
    // An alias may have taken its slug while it was retired; live again, its name would collide with it.
    const collision = nameSlugAlias(final, id, exercise)?.collision;
    if (collision) log.error({ ...collision, operation_index: index });
  }
}

/** The alias at exercise `id`'s name slug after the plan, with its collision with that name (`slugCollisionIssue`); null without one. */
function nameSlugAlias(
  final: CatalogState,
  id: string,
  exercise: Readonly<DocData>,
): { alias: DocData; collision: Omit<ValidationIssue, "operation_index"> | null } | null {
  const slug = exercise.name_slug;
  if (typeof slug !== "string") return null;
  const alias = final.alias(slug);
  return alias ? { alias, collision: slugCollisionIssue(slug, alias, id, exercise) } : null;
}

/** A live exercise whose family its name is no variant of (FAMILY_SLUG_MISMATCH), caused by operation `index`. */
function familyFitIssue(id: string, exercise: Readonly<DocData>, index: number, log: IssueLog): void {
  if (!isLiveExercise(exercise) || typeof exercise.name !== "string") return;
  const family = String(exercise.family_slug);
  if (familySlugFitsName(exercise.name, family)) return;
  log.error({
    code: "FAMILY_SLUG_MISMATCH",
    operation_index: index,
    path: "family_slug",
    message: `"${exercise.name}" is not a variant of family "${family}"`,
    suggestion: "name the exercise after its family's base movement, or reassign it to the family its name derives to",
    target: exerciseTarget(id),
  });
}

/**
 * `alias`, of the name slug `slug` live exercise `id` has, when it leads anywhere but to that exercise (to another exercise,
 * or to a family): the name collides with it (SLUG_COLLISION). One leading to the exercise itself is only redundant.
 * A retired exercise's name collides with no alias, as no alias shadows it (`shadowedExercises` counts live holders):
 * a family rename moves a retired "Squats" unrenamed beside the family alias `squats` it leaves.
 * Checked on the plan's end state, and again by the ApplyEngine in the transaction of an operation giving the name.
 */
export function slugCollisionIssue(
  slug: string,
  alias: Readonly<DocData>,
  id: string,
  exercise: Readonly<DocData>,
): Omit<ValidationIssue, "operation_index"> | null {
  if (alias.exercise_id === id || !isLiveExercise(exercise)) return null;
  return {
    code: "SLUG_COLLISION",
    path: "name_slug",
    message: `"${slug}" is an alias of ${alias.exercise_id ? `exercise ${display(alias.exercise_id)}` : `family ${display(alias.family_slug)}`}`,
    suggestion: "choose another name, or repoint or delete that alias in the same plan",
    target: aliasTarget(slug),
  };
}

/**
 * A renamed exercise keeps the slug it had before the plan as an alias of itself, and a family the
 * plan merges into another (renamed, or merged) its slug as an alias of its successor
 * (CATALOG-DOMAIN.md), so the old slug still resolves. Where the two are one slug (a one-word
 * family's exercise named as the family), the family alias to the family the exercise is in keeps it.
 */
function oldSlugAliasIssues(initial: CatalogState, final: CatalogState, trace: PlanTrace, log: IssueLog): void {
  for (const [family, index] of trace.registryUpdates) {
    const successor = mergedInto(final.family(family));
    if (successor === null || successor === mergedInto(initial.family(family))) continue;
    if (aliasPointsAtFamily(final.alias(family) ?? undefined, successor)) continue;
    log.error({
      code: "OLD_SLUG_NOT_ALIASED",
      operation_index: index,
      path: "merged_into",
      message: `the slug "${family}" must stay an alias of family ${successor}: a family merged into another keeps its old slug as an alias`,
      suggestion: `upsert_alias ${family} → family ${successor}`,
      target: aliasTarget(family),
    });
  }
  for (const [id, index] of trace.identitySetBy) {
    const oldSlug = initial.exercise(id)?.name_slug;
    const renamed = final.exercise(id);
    if (!isAliasableSlug(oldSlug) || oldSlug === renamed?.name_slug) continue;
    // Another live exercise named so holds the slug: an alias may not shadow it (ALIAS_SHADOWS_EXERCISE).
    if (final.liveNameHolders(oldSlug, id).length > 0) continue;
    const alias = final.alias(oldSlug) ?? undefined;
    if (aliasPointsAtExercise(alias, id) || (typeof renamed?.family_slug === "string" && aliasPointsAtFamily(alias, renamed.family_slug)))
      continue;
    log.error({
      code: "OLD_SLUG_NOT_ALIASED",
      operation_index: index,
      path: "name_slug",
      message: `the old name_slug "${oldSlug}" must stay an alias of exercise ${id}: a renamed exercise keeps its old slug as an alias`,
      suggestion: `upsert_alias ${oldSlug} → ${id}`,
      target: exerciseTarget(id),
    });
  }
}

/** What a plan merges into exists and is live afterwards: the exercise of a merged exercise, the family of a merged family. */
function retirementTargetIssues(plan: readonly Operation[], final: CatalogState, log: IssueLog): void {
  const reportedWhenRun = new Set(
    log.errors.filter((issue) => issue.code === "MERGE_TARGET_INVALID").map((issue) => issue.operation_index),
  );
  plan.forEach((op, index) => {
    const merge = reportedWhenRun.has(index) ? null : exerciseMergeTarget(op, final);
    const target = merge ? final.exercise(merge.id) : null;
    if (merge && !(target && isLiveExercise(target))) {
      log.error({
        code: "MERGE_TARGET_INVALID",
        operation_index: index,
        path: merge.path,
        message: target ? `exercise ${merge.id} is ${String(target.status)}` : `exercise ${merge.id} does not exist`,
        ...(typeof target?.merged_into === "string" ? { suggestion: target.merged_into } : {}),
        target: exerciseTarget(merge.id),
      });
    }
    if (op.op === "update_family_registry" && op.merged_into && !final.isFamilyLive(op.merged_into)) {
      log.error({
        code: "FAMILY_TARGET_INVALID",
        operation_index: index,
        path: "merged_into",
        message: `family ${op.merged_into} does not exist or is retired`,
        target: familyTarget(op.merged_into),
      });
    }
  });
}

/**
 * The exercise `op` marks its exercise merged into, and the operation field that says so (a
 * merge_exercises its target). A patch
 * may retire an exercise too: its target is the merged_into it sets, or the one the exercise keeps
 * when the patch sets only the status.
 */
function exerciseMergeTarget(op: Operation, final: CatalogReader): { id: string; path: string } | null {
  if (op.op === "merge_exercises") return { id: op.target_id, path: "target_id" };
  if (op.op === "deprecate_exercise") return op.merged_into ? { id: op.merged_into, path: "merged_into" } : null;
  if (op.op !== "patch_fields") return null;
  if (typeof op.set.merged_into === "string") return { id: op.set.merged_into, path: "set.merged_into" };
  const kept = final.exercise(op.exercise_id)?.merged_into;
  return op.set.status === "merged" && typeof kept === "string" ? { id: kept, path: "set.status" } : null;
}

/**
 * A deprecated field that holds something goes only once its replacement holds a value
 * (CATALOG-DOMAIN.md): each field a patch removes is judged as SCHEMA_CLEANUP judges it, on the
 * exercise after the plan with that field put back, so removing `instructions` while
 * `execution_notes` stays empty loses its content.
 */
function unreplacedFieldIssues(plan: readonly Operation[], initial: CatalogState, final: CatalogState, log: IssueLog): void {
  plan.forEach((op, index) => {
    if (op.op !== "patch_fields") return;
    const before = initial.exercise(op.exercise_id);
    const after = final.exercise(op.exercise_id);
    if (!before || !after) return;
    const removed = Object.fromEntries(op.unset.filter((field) => Object.hasOwn(before, field)).map((field) => [field, before[field]]));
    for (const finding of findDeprecatedFields({ ...after, ...removed })) {
      if (finding.removable || !Object.hasOwn(removed, finding.field)) continue;
      const { field, replacement, reason } = finding;
      log.error({
        code: "REPLACEMENT_MISSING",
        operation_index: index,
        path: `unset.${field}`,
        message: `removing "${field}" loses its content: ${reason} after the plan`,
        suggestion: `set ${String(replacement)} in the plan, or keep ${field}`,
        target: exerciseTarget(op.exercise_id),
      });
    }
  });
}

/** A family whose members changed should get its registry recomputed afterwards, in the same plan. */
function registryWarnings(trace: PlanTrace, log: IssueLog): void {
  for (const [family, index] of trace.membershipChanges) {
    const update = trace.registryUpdates.get(family);
    if (update !== undefined && update > index) continue;
    log.warn({
      code: "REGISTRY_STALE",
      operation_index: index,
      path: "family_slug",
      message: `family ${family} changes but its registry entry is not recomputed after the change`,
      suggestion: `update_family_registry ${family} as a later operation`,
      target: familyTarget(family),
    });
  }
}

/** Equipment outside the canonical list is allowed with a warning (CATALOG-DOMAIN.md): one per such value in equipment the plan wrote. */
function nonCanonicalEquipmentWarnings(initial: CatalogState, final: CatalogState, trace: PlanTrace, log: IssueLog): void {
  for (const [id, index] of trace.exerciseWriters) {
    const equipment = final.exercise(id)?.equipment;
    if (!Array.isArray(equipment) || sameValue(initial.exercise(id)?.equipment, equipment)) continue;
    for (const item of equipment) {
      if (typeof item !== "string") continue;
      const { value, canonical } = normalizeEquipment(item);
      if (canonical) continue;
      log.warn({
        code: "NON_CANONICAL_EQUIPMENT",
        operation_index: index,
        path: "equipment",
        message: `equipment "${value}" is not canonical: allowed, but not one of the catalog's standard equipment`,
        target: exerciseTarget(id),
      });
    }
  }
}
