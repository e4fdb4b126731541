/**
 * TARGETED_FIX's plan for the named exercises: rename one (its old slugs kept as aliases), patch
 * fields (a null value removes the field), archive (deprecate) or mark merged into another exercise
 * (aliases pointing at the merged ones follow it, as do the exercises merged into them earlier). What
 * the curator gives is normalised before it is validated, as EXERCISE_ADD normalises its intent: a
 * patch's values by `canonicalPatch` (the handler applies it), a new name by `canonicalNewName`. A
 * patch of equipment or status also renames where its family's naming rule then asks for another name
 * (`patchNaming`), and is refused where it leaves two exercises on one primary equipment of a
 * multi-equipment family (`patchEquipmentConflicts`) or brings an exercise back into a family merged
 * away. Exercises already in the requested state get no operation. Every named exercise (and a merge
 * target) must exist, or nothing is planned at all. The names the fix leaves that the quality scanner
 * fails are reported (`namesFailingScanner`).
 */
import { sameValue } from "../../util/document-diff";
import type { OperationInput } from "../../apply/plan";
import { type CatalogDoc } from "../../catalog/repository";
import { contributionSum, toNameSlug, writableContribution } from "../../catalog/taxonomy";
import { canonicalFieldValue } from "../../catalog/canonical-values";
import { JobFailure } from "../../jobs/errors";
import { refreshRegistry, successorExerciseMoves } from "../support/change-plan";
import type { LoadedFamily } from "../../catalog/reads";
import { assertNotMergedAway, exercisesNotFound } from "../support/failures";
import { canonicalNameIn, isMultiEquipment, nameForFamily, nameOf } from "../../catalog/family-naming";
import { type SlugOwners, renameConflict } from "../../catalog/rename-conflicts";
import { deletePath, getPath, isPlainRecord, setPath, type DocData } from "../../util/object-paths";
import { familyBaseName, isLiveExercise, normalizedPrimary } from "../../catalog/family-registry";
import { familySlugFitsName } from "../../catalog/naming-rules";
import { creationFamilyOf } from "../../catalog/slug-aliases";
import { renameAliasOps } from "./rename-aliases";
import {
  type MoveConflict,
  type NamedMember,
  namingConflicts,
  renameOperations,
  ruleChangeRenames,
  sharedPrimaryConflicts,
} from "./family-moves";
import { patchPathIssues } from "../../apply/operation-rules";
import type { ValidationIssue } from "../../apply/issues";
import { CATALOG_COLLECTIONS, documentPath } from "../../catalog/collections";
import { canonicalNameProblem } from "../../reviewer/quality-scanner";

/** What a targeted fix asks for: the fields of the TARGETED_FIX payload (whose schema is checked against it). */
export interface TargetedFixPayload {
  exercise_doc_ids: string[];
  fix_type: "rename" | "patch" | "archive" | "mark_merged";
  fix_data?: { new_name: string } | { merged_into: string } | { patch: Record<string, unknown> };
  reason?: string;
}

export interface TargetedFixInput {
  payload: TargetedFixPayload;
  /** The named exercises and the merge target, as found. */
  exercises: ReadonlyMap<string, DocData>;
  /** The families of the named exercises, with their members and registry entries. */
  families: ReadonlyMap<string, LoadedFamily>;
  /** For a rename, or the renames of `patchNaming`: who holds the new slugs, and the aliases of the old ones. */
  owners: SlugOwners;
  /** For mark_merged: aliases pointing at the exercises being merged. */
  pointingAliases: readonly CatalogDoc[];
  /** For mark_merged: exercises merged earlier into the exercises being merged. */
  mergedIntoNamed: readonly CatalogDoc[];
}

export interface TargetedFix {
  operations: OperationInput[];
  /** Exercises that get an operation. */
  changed: string[];
  /** Exercises already as requested. */
  unchanged: string[];
  /** What the plan normalised of what was asked: a rename's new name, as `new_name` (a patch's: `canonicalPatch`). */
  normalized: Record<string, NormalizedValue>;
  /** The renames a patch's naming rule asked for (`patchNaming`), and why. */
  renamed: Array<{ exercise_id: string; old_name: string; new_name: string; because: string }>;
  /** Exercises it renames or brings back whose names the quality scanner fails (`namesFailingScanner`). */
  namesFailingScanner: NameFailingScanner[];
}

/** An exercise with the name the fix leaves it, and what the quality scanner's name check finds wrong with it. */
interface NameFailingScanner {
  exercise_id: string;
  name: string;
  problem: string;
}

/** A value as the curator gave it, and the canonical one the fix writes in its place. */
export interface NormalizedValue {
  given: unknown;
  canonical: unknown;
}

/** Exercises whose registry entry changes when their status or equipment does. */
const REGISTRY_FIELDS = ["equipment", "status"];

/** Cleared when a patch brings a retired exercise back, as a live exercise carries neither. */
const RETIREMENT_FIELDS = ["merged_into", "deprecated_at"];

/** The exercise ids the fix reads: the named ones and a merge target. */
export function fixReadIds(payload: TargetedFixPayload): string[] {
  const mergedInto = payload.fix_data && "merged_into" in payload.fix_data ? [payload.fix_data.merged_into] : [];
  return [...new Set([...payload.exercise_doc_ids, ...mergedInto])];
}

export function planTargetedFix(input: TargetedFixInput): TargetedFix {
  if (input.payload.fix_type === "patch" && input.payload.fix_data && "patch" in input.payload.fix_data)
    assertPatchablePaths(input.payload.fix_data.patch);
  const missing = fixReadIds(input.payload).filter((id) => !input.exercises.has(id));
  if (missing.length > 0) throw exercisesNotFound(missing);
  const { payload } = input;
  const why = payload.reason ? `: ${payload.reason}` : "";
  const fix: TargetedFix = { operations: [], changed: [], unchanged: [], normalized: {}, renamed: [], namesFailingScanner: [] };
  const touchedFamilies = new Set<string>();
  // An exercise named twice is fixed once: a second operation on it would be a duplicate.
  for (const id of new Set(payload.exercise_doc_ids)) {
    const exercise = input.exercises.get(id) ?? {};
    const operations = fixOperations(id, exercise, input, why, fix.normalized);
    (operations.length > 0 ? fix.changed : fix.unchanged).push(id);
    fix.operations.push(...operations);
    if (operations.length > 0 && typeof exercise.family_slug === "string" && touchesRegistry(payload))
      touchedFamilies.add(exercise.family_slug);
  }
  const equipmentConflicts = patchEquipmentConflicts(payload, input.families);
  if (equipmentConflicts.length > 0)
    throw JobFailure.needsReview(
      "PATCH_EQUIPMENT_CONFLICT",
      `the patch leaves two exercises on one primary equipment of a multi-equipment family, where no two may share one ` +
        `(${equipmentConflicts.length}; first: ${equipmentConflicts[0].reason}); nothing was written`,
      { conflicts: equipmentConflicts },
    );
  const naming = patchNaming(payload, input.families);
  const conflicts = [...naming.conflicts, ...namingConflicts(naming.renames, naming.finalNames, input.owners)];
  if (conflicts.length > 0)
    throw JobFailure.needsReview(
      "RENAME_CONFLICT",
      `with the patch, its family's naming rule asks for names the exercises cannot all take (${conflicts.length}; first: ` +
        `${conflicts[0].exercise_id}, ${conflicts[0].reason}); nothing was written`,
      { conflicts },
    );
  for (const { member, name, because } of naming.renames) {
    fix.operations.push(...renameOperations([{ member, name }], input.owners, because));
    fix.renamed.push({ exercise_id: member.id, old_name: nameOf(member.data) ?? "", new_name: name, because });
  }
  for (const slug of touchedFamilies) {
    const family = input.families.get(slug);
    const live = (family?.members ?? []).some(({ id, data }) =>
      isLiveExercise(fix.changed.includes(id) ? statusAfter(data, payload) : data),
    );
    fix.operations.push(...refreshRegistry(slug, family?.registry ?? null, live, `${slug} changes with the fix`));
  }
  fix.namesFailingScanner = namesFailingScanner(fix.operations, input);
  return fix;
}

/**
 * The exercises the fix renames (as asked, or as the naming rule asks once a patch is applied) or brings
 * back whose names, as it leaves them, fail the quality scanner's name check (`canonicalNameProblem`).
 * The scanner asks every name for its "(Equipment)" suffix, the naming rules only in a multi-equipment
 * family: such a name passes validation and FAMILY_NORMALIZE leaves it, so only a rename clears the scan.
 */
function namesFailingScanner(operations: readonly OperationInput[], input: TargetedFixInput): NameFailingScanner[] {
  const patch = input.payload.fix_data && "patch" in input.payload.fix_data ? input.payload.fix_data.patch : {};
  const patchedMembers = patchedFamilies(input.payload, input.families).flatMap(({ after }) => after);
  const left = new Map([...input.exercises, ...patchedMembers.map(({ id, data }): [string, DocData] => [id, data])]);
  const newNames = new Map(operations.flatMap((op) => (op.op === "rename_exercise" ? [[op.exercise_id, op.new_name] as const] : [])));
  const broughtBack = input.payload.exercise_doc_ids.filter((id) => bringsBack(input.exercises.get(id) ?? {}, patch));
  return [...new Set([...newNames.keys(), ...broughtBack])].flatMap((id) => {
    const exercise = { ...left.get(id), ...(newNames.has(id) ? { name: newNames.get(id) } : {}) };
    const problem = canonicalNameProblem(exercise);
    return problem === null ? [] : [{ exercise_id: id, name: String(exercise.name), problem }];
  });
}

/** The exercise's status fields once the fix changed it. */
function statusAfter(exercise: Readonly<DocData>, payload: TargetedFixPayload): DocData {
  if (payload.fix_type === "archive") return { status: "deprecated" };
  if (payload.fix_type === "mark_merged") return { status: "merged" };
  const patch = payload.fix_data && "patch" in payload.fix_data ? payload.fix_data.patch : {};
  return "status" in patch ? { status: patch.status } : exercise;
}

function touchesRegistry(payload: TargetedFixPayload): boolean {
  if (payload.fix_type !== "patch") return true;
  const patch = payload.fix_data && "patch" in payload.fix_data ? payload.fix_data.patch : {};
  return Object.keys(patch).some((path) => REGISTRY_FIELDS.includes(path.split(".")[0]));
}

/** A rename the naming rule asks for once a patch is applied, and why (the operation's rationale). */
interface RuleRename extends NamedMember {
  because: string;
}

/** What `patchNaming` finds: the renames, the names that fit no variant of their family, every live member's final name. */
interface PatchNaming {
  renames: RuleRename[];
  conflicts: MoveConflict[];
  finalNames: Map<string, string>;
}

/**
 * The names a patch of equipment or status makes the naming rule ask for, as the validator judges a
 * name (`canonicalNameIn`, whose suggestion it gives): a patched exercise whose primary equipment
 * changes, or that is brought back, takes its family's canonical name ("Hip Abduction (Cable)" on a
 * resistance band becomes "Hip Abduction (Resistance Band)", an archived "Shrug" brought back into a
 * multi-equipment family "Shrug (Barbell)"), and the other members the names a change of the family's
 * make-up forces on them, as EXERCISE_ADD renames them when the exercise it adds makes the family
 * multi-equipment (`ruleChangeRenames`). A name the rule faulted the same way before the patch is an
 * older problem, FAMILY_NORMALIZE's, and is kept. One brought back whose name is no variant of its
 * family (a family rename moves a retired member under the name it had) is rebased onto it
 * (`rebasedOnto`). A required name that is no variant of the family, or one that cannot be rebased,
 * is a conflict, for a person.
 */
export function patchNaming(payload: TargetedFixPayload, families: ReadonlyMap<string, LoadedFamily>): PatchNaming {
  const naming: PatchNaming = { renames: [], conflicts: [], finalNames: new Map() };
  const named = new Set(payload.exercise_doc_ids);
  for (const { family, after } of patchedFamilies(payload, families)) {
    const rule = { multiBefore: isMultiEquipment(family.members), multiAfter: isMultiEquipment(after) };
    const others = ruleChangeRenames(
      family.slug,
      family.members.filter(({ id }) => !named.has(id)),
      rule,
    );
    const makeUp = `canonical name once the patch makes ${family.slug} ${rule.multiAfter ? "multi" : "single"}-equipment`;
    naming.renames.push(...others.renames.map((rename) => ({ ...rename, because: makeUp })));
    naming.conflicts.push(...others.conflicts);
    others.finalNames.forEach((name, id) => naming.finalNames.set(id, name));
    family.members.forEach((member, index) => {
      const data = after[index].data;
      if (!named.has(member.id) || !isLiveExercise(data)) return;
      const name = nameOf(member.data);
      const misfiled = !isLiveExercise(member.data) && name !== null && !familySlugFitsName(name, family.slug);
      const required = misfiled ? rebasedOnto(family, member.id, data, rule.multiAfter) : canonicalNameIn(data, rule.multiAfter);
      const before = isLiveExercise(member.data) ? canonicalNameIn(member.data, rule.multiBefore) : null;
      const renamed = required !== null && required !== before ? required : null;
      if (misfiled && renamed === null) {
        naming.conflicts.push({
          exercise_id: member.id,
          kind: "name",
          reason: `the patch brings back "${name}", which is no variant of ${family.slug} and cannot be rebased onto it`,
        });
      } else if (renamed !== null && !familySlugFitsName(renamed, family.slug)) {
        naming.conflicts.push({
          exercise_id: member.id,
          kind: "name",
          reason: `the patch makes the naming rule ask for "${renamed}", which is no variant of ${family.slug}`,
        });
      } else if (renamed !== null) {
        const because = misfiled
          ? `no variant of ${family.slug}, rebased onto it as the patch brings it back`
          : !isLiveExercise(member.data)
            ? `canonical name in ${family.slug} once the patch brings it back`
            : normalizedPrimary(data) !== normalizedPrimary(member.data)
              ? `canonical name once the patch makes its primary equipment "${String(normalizedPrimary(data))}"`
              : makeUp;
        naming.renames.push({ member, name: renamed, because });
      }
      naming.finalNames.set(member.id, renamed ?? nameOf(member.data) ?? "");
    });
  }
  return naming;
}

/**
 * The name of exercise `id`, brought back into `family` under a name that is no variant of it, rebased
 * onto the family as a family rename rebases its live members (`nameForFamily`): from the family its id
 * says it was created in, whose base its name still carries, as a retired exercise keeps its name. Null
 * when its name cannot be made to fit.
 */
function rebasedOnto(family: LoadedFamily, id: string, exercise: Readonly<DocData>, multiEquipment: boolean): string | null {
  const from = creationFamilyOf(id);
  if (from === null) return null;
  const toBase = familyBaseName(
    family.slug,
    family.members.map(({ data }) => data),
    family.registry,
  );
  return nameForFamily(exercise, { from, to: family.slug, toBase, multiEquipment });
}

/** Whether a patch brings a retired exercise back: it sets a live status. */
function bringsBack(exercise: Readonly<DocData>, patch: Readonly<Record<string, unknown>>): boolean {
  return "status" in patch && !isLiveExercise(exercise) && isLiveExercise({ status: patch.status });
}

/**
 * Exercises a patch of equipment or status leaves on one primary equipment of a multi-equipment family,
 * judged as EXERCISE_ADD and the family moves judge them (`sharedPrimaryConflicts`): one it moves or
 * brings back onto another's, or members that shared one before it made the family multi-equipment.
 */
function patchEquipmentConflicts(payload: TargetedFixPayload, families: ReadonlyMap<string, LoadedFamily>): MoveConflict[] {
  return patchedFamilies(payload, families).flatMap(({ family, after }) =>
    sharedPrimaryConflicts(family.slug, family.members, after, isMultiEquipment(after)),
  );
}

/** The families of the exercises a patch of equipment or status names, each with its members as the patch leaves them. */
function patchedFamilies(
  payload: TargetedFixPayload,
  families: ReadonlyMap<string, LoadedFamily>,
): Array<{ family: LoadedFamily; after: CatalogDoc[] }> {
  if (payload.fix_type !== "patch" || !touchesRegistry(payload)) return [];
  const patch = payload.fix_data && "patch" in payload.fix_data ? payload.fix_data.patch : {};
  // Before it is simulated: the handler asks for its renames (`patchNaming`) before it plans it.
  assertPatchablePaths(patch);
  const named = new Set(payload.exercise_doc_ids);
  return [...families.values()]
    .filter((family) => family.members.some(({ id }) => named.has(id)))
    .map((family) => ({
      family,
      after: family.members.map((member) => (named.has(member.id) ? { ...member, data: patched(member, patch) } : member)),
    }));
}

/**
 * The exercise as the patch leaves it (a null value removes the field). A path its stored fields cannot
 * take (one under a legacy list, `muscles: [...]`) is refused as validation refuses it, INVALID_PATH.
 */
function patched({ id, data: exercise }: CatalogDoc, patch: Readonly<Record<string, unknown>>): DocData {
  return Object.entries(patch).reduce<DocData>((data, [path, value]) => {
    try {
      return value === null ? deletePath(data, path) : setPath(data, path, value);
    } catch (err) {
      throw invalidPatch([
        { code: "INVALID_PATH", path, message: (err as Error).message, target: documentPath(CATALOG_COLLECTIONS.exercises, id) },
      ]);
    }
  }, exercise);
}

function fixOperations(
  id: string,
  exercise: Readonly<DocData>,
  input: TargetedFixInput,
  why: string,
  normalized: Record<string, NormalizedValue>,
): OperationInput[] {
  const { payload } = input;
  const data = payload.fix_data;
  if (payload.fix_type === "rename" && data && "new_name" in data) {
    const given = data.new_name.trim();
    const newName = canonicalNewName(given, exercise, input.families.get(String(exercise.family_slug)));
    if (newName !== given) normalized.new_name = { given, canonical: newName };
    return renameFix(id, exercise, newName, input.owners, why);
  }
  if (payload.fix_type === "patch" && data && "patch" in data) {
    const family = input.families.get(String(exercise.family_slug));
    // As EXERCISE_ADD refuses to add to it: brought back, the exercise would be live in a family retired into another.
    if (family && bringsBack(exercise, data.patch))
      assertNotMergedAway(family, (successor) => `add it to ${successor} anew with EXERCISE_ADD instead, under a base name of that family`);
    return patchFix(id, exercise, data.patch, why);
  }
  if (payload.fix_type === "mark_merged" && data && "merged_into" in data) return mergeFix(id, exercise, data.merged_into, input, why);
  if (payload.fix_type === "archive") {
    return isLiveExercise(exercise)
      ? [{ op: "deprecate_exercise", exercise_id: id, status: "deprecated", rationale: `archived${why}` }]
      : [];
  }
  return [];
}

/**
 * Refuses a patch the validator would refuse on any exercise (identity fields, unknown or indexed paths) with
 * the validator's own path rules: repaired, it could become a rename or a move the job did not ask for.
 */
function assertPatchablePaths(patch: Readonly<Record<string, unknown>>): void {
  const unset = Object.keys(patch).filter((path) => patch[path] === null);
  const set = Object.fromEntries(Object.entries(patch).filter(([, value]) => value !== null));
  const refused = patchPathIssues(set, unset).map(({ code, path, message }) => ({
    code,
    path: path.replace(/^(set|unset)\./, ""),
    message,
  }));
  if (refused.length > 0) throw invalidPatch(refused);
}

/** The patch refused before anything is planned: each path with the validator's code and wording for it. */
function invalidPatch(refused: Array<Pick<ValidationIssue, "code" | "path" | "message" | "target">>): JobFailure {
  return JobFailure.permanent(
    "INVALID_PATCH",
    `the patch cannot write ${[...new Set(refused.map(({ path }) => path))].join(", ")}: ${refused.map(({ message }) => message).join("; ")}; nothing was written`,
    { refused },
  );
}

/**
 * The new name as the naming rule spells it when that only respells it (letter case, spacing: the
 * same name slug), "back squat (barbell)" → "Back Squat (Barbell)"; as given otherwise. A suggestion
 * that adds, drops or moves a word names another exercise than the curator did: the name is left to
 * validation. A respelling keeps the slug, so the slug owners read for the name as given still hold.
 */
function canonicalNewName(newName: string, exercise: Readonly<DocData>, family: LoadedFamily | undefined): string {
  const suggestion = canonicalNameIn({ ...exercise, name: newName }, isMultiEquipment(family?.members ?? []));
  return suggestion !== null && toNameSlug(suggestion) === toNameSlug(newName) ? suggestion : newName;
}

/** A muscle contribution renormalised to sum to 1: the sum it was given with, and the shares written. */
interface ContributionChange {
  given_sum: number;
  shares: Record<string, number>;
}

/**
 * The patch's values in canonical form, and what was normalised, by dotted path: each field made canonical
 * as enrichment makes it (`canonicalFieldValue`), enum synonyms ("Compound", "multi-joint" → "compound"),
 * muscle aliases ("Quads" → "quadriceps", also as contribution keys), equipment aliases ("Dumbbells" →
 * "dumbbell"), boolean words ("yes" → true), a status in any letter case ("Draft" → "draft"); and, as
 * enrichment does, a muscle contribution whose shares do not sum to about 1, or has one above 1,
 * renormalised under its canonical muscle names (`contribution`). A value that cannot be made canonical
 * is written as given, for validation to refuse.
 */
export function canonicalPatch(patch: Readonly<Record<string, unknown>>): {
  patch: Record<string, unknown>;
  normalized: Record<string, NormalizedValue>;
  contribution: ContributionChange | null;
} {
  const normalized: Record<string, NormalizedValue> = {};
  let contribution: ContributionChange | null = null;
  const canonical = (path: string, value: unknown): unknown => {
    const result = canonicalFieldValue(path, value);
    // A map set whole ("muscles") holds the fields that are normalised.
    if (!result)
      return isPlainRecord(value)
        ? Object.fromEntries(Object.entries(value).map(([key, child]) => [key, canonical(`${path}.${key}`, child)]))
        : value;
    if ("reason" in result) return value;
    if (!sameValue(result.value, value)) normalized[path] = { given: value, canonical: result.value };
    if (path !== CONTRIBUTION_PATH) return result.value;
    contribution = renormalized(result.value);
    return contribution?.shares ?? result.value;
  };
  return {
    patch: Object.fromEntries(Object.entries(patch).map(([path, value]) => [path, canonical(path, value)])),
    normalized,
    contribution,
  };
}

const CONTRIBUTION_PATH = "muscles.contribution";

/** `shares` renormalised when they need it (`writableContribution`); null when they need none or cannot be. */
function renormalized(shares: unknown): ContributionChange | null {
  const written = writableContribution(shares);
  if (!written || sameValue(written, shares)) return null;
  return { given_sum: Math.round(contributionSum(shares as Record<string, number>) * 1000) / 1000, shares: written };
}

function renameFix(id: string, exercise: Readonly<DocData>, newName: string, owners: SlugOwners, why: string): OperationInput[] {
  const oldName = nameOf(exercise) ?? "";
  if (newName === oldName && exercise.name_slug === toNameSlug(newName)) return [];
  // Its old slug could keep no alias (none may lead to a retired exercise), and a rename without one is refused.
  if (!isLiveExercise(exercise))
    throw JobFailure.permanent(
      "EXERCISE_RETIRED",
      `${id} is ${String(exercise.status)}: restore it first with a patch of its status (which also gives it the name its family's naming rule asks for), then rename it; nothing was written`,
      { exercise_id: id, status: exercise.status },
    );
  const family = String(exercise.family_slug);
  // Judged here rather than by validation (FAMILY_SLUG_MISMATCH), whose repair could only name it otherwise than asked.
  const conflict = familySlugFitsName(newName, family)
    ? renameConflict(id, newName, new Map([[id, newName]]), owners)
    : `it is no variant of family ${family}`;
  if (conflict)
    throw JobFailure.needsReview("RENAME_CONFLICT", `${id} cannot be renamed to "${newName}": ${conflict}; nothing was written`, {
      exercise_id: id,
      new_name: newName,
      family_slug: family,
    });
  return [
    { op: "rename_exercise", exercise_id: id, old_name: oldName, new_name: newName, rationale: `renamed${why}` },
    ...renameAliasOps(id, exercise, newName, owners),
  ];
}

function patchFix(id: string, exercise: Readonly<DocData>, asked: Readonly<Record<string, unknown>>, why: string): OperationInput[] {
  const patch = bringsBack(exercise, asked) ? { ...asked, ...Object.fromEntries(RETIREMENT_FIELDS.map((field) => [field, null])) } : asked;
  const changes = Object.entries(patch).filter(([path, value]) => !sameValue(getPath(exercise, path), value === null ? undefined : value));
  if (changes.length === 0) return [];
  const set = Object.fromEntries(changes.filter(([, value]) => value !== null));
  const unset = changes.filter(([, value]) => value === null).map(([path]) => path);
  const before = Object.fromEntries(changes.map(([path]) => [path, getPath(exercise, path) ?? null]));
  return [{ op: "patch_fields", exercise_id: id, set, unset, before, rationale: `patched${why}` }];
}

function mergeFix(id: string, exercise: Readonly<DocData>, target: string, input: TargetedFixInput, why: string): OperationInput[] {
  const targetDoc = input.exercises.get(target) ?? {};
  if (input.payload.exercise_doc_ids.includes(target) || !isLiveExercise(targetDoc)) {
    throw JobFailure.permanent(
      "MERGE_TARGET_INVALID",
      `${target} cannot take merged exercises: it is ${input.payload.exercise_doc_ids.includes(target) ? "one of them" : String(targetDoc.status)}`,
      {
        merged_into: target,
      },
    );
  }
  if (exercise.status === "merged" && exercise.merged_into === target) return [];
  const following = input.pointingAliases
    .filter((alias) => alias.data.exercise_id === id)
    .map(({ id: slug }) => ({
      op: "upsert_alias" as const,
      alias_slug: slug,
      exercise_id: target,
      rationale: `${id} is merged into ${target}`,
    }));
  // One it names itself has its own merge.
  const mergedEarlier = input.mergedIntoNamed.filter((merged) => !input.payload.exercise_doc_ids.includes(merged.id));
  return [
    { op: "deprecate_exercise", exercise_id: id, status: "merged", merged_into: target, rationale: `merged into ${target}${why}` },
    ...following,
    ...successorExerciseMoves(mergedEarlier, id, target),
  ];
}
