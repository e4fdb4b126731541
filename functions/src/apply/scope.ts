/**
 * The scope a repaired plan must stay in. A repair (the LLM's) may rewrite a plan freely, so before
 * it is applied each operation is checked against what the job may change: every document it
 * addresses must be one the handler's own plan addressed, or lie in families whose locks the job
 * holds; and every family it touches (its documents' families before and after, the family it moves
 * or creates an exercise in, an alias's family, a registry) must be locked, or be one the handler's
 * own operations on the same document touched. So a repair never reaches into a family another job
 * may be changing at the same moment, not even by turning a planned patch of a document into a move
 * of it into another family. Within that scope, `beyondRequest` keeps it to the fields and retirements
 * the job's plan or the validator's errors named, and `withPlannedGuards` keeps the guards the handler's
 * plan built from what it read.
 */
import { CATALOG_COLLECTIONS, documentPath } from "../catalog/collections";
import { lockedFamilies } from "../catalog/family-locks";
import { isLiveExercise } from "../catalog/family-registry";
import { type CatalogView, CatalogState } from "./catalog-state";
import { operationReadSet, operationTargets } from "./effects";
import type { ValidationIssue } from "./issues";
import { deprecatedFieldReplacement } from "../catalog/fields";
import { upToArrayIndex } from "../util/object-paths";
import type { ChangePlan, Operation } from "./plan";

export interface OutOfScope {
  operation_index: number;
  target: string;
  /** The operation's families outside the scope (none: the target is neither planned nor in a family). */
  families: string[];
}

/** The documents of `repaired` outside the job's scope (none: it may be applied). */
export function outOfScope(original: ChangePlan, repaired: ChangePlan, view: CatalogView, lockKeys: readonly string[]): OutOfScope[] {
  const catalog = new CatalogState(view);
  const locked = lockedFamilies(lockKeys);
  // By document the handler's plan addressed: the families its operations on that document touched.
  const planned = new Map<string, Set<string>>();
  for (const op of original.operations) {
    const families = operationFamilies(op, catalog);
    for (const target of operationTargets(op)) planned.set(target, new Set([...(planned.get(target) ?? []), ...families]));
  }
  const found: OutOfScope[] = [];
  repaired.operations.forEach((op, index) => {
    const families = [...operationFamilies(op, catalog)];
    for (const target of operationTargets(op)) {
      const plannedFamilies = planned.get(target);
      const outside = families.filter((family) => !locked.has(family) && !plannedFamilies?.has(family));
      // A document the handler did not address is in scope only through the locks of the families it lies in.
      if (outside.length > 0 || (!plannedFamilies && families.length === 0))
        found.push({ operation_index: index, target, families: outside });
    }
  });
  return found;
}

/** Every family `op` reads or changes: its exercises' (before and after), its aliases', its registries. */
function operationFamilies(op: Operation, catalog: CatalogState): Set<string> {
  const reads = operationReadSet(op);
  const families = new Set<string>(reads.families);
  const add = (value: unknown) => {
    if (typeof value === "string") families.add(value);
  };
  for (const id of reads.exercises) add(catalog.exercise(id)?.family_slug);
  for (const slug of reads.aliases) {
    const alias = catalog.alias(slug);
    add(alias?.family_slug);
    if (typeof alias?.exercise_id === "string") add(catalog.exercise(alias.exercise_id)?.family_slug);
  }
  if (op.op === "create_exercise") add(op.data.family_slug);
  if (op.op === "reassign_family") add(op.to_family);
  if (op.op === "upsert_alias") {
    add(op.family_slug);
    if (op.exercise_id) add(catalog.exercise(op.exercise_id)?.family_slug);
  }
  return families;
}

/**
 * The documents the handler's plan changes, when `repaired` changes none: a repair fixes what the
 * validator found, it does not drop all of the job's work to silence it (then a person decides).
 * One that drops or re-addresses some operations may be following the validator's own suggestion
 * (no alias needed, another slug, the merge target's successor), so only an empty repair is refused.
 */
export function droppedTargets(original: ChangePlan, repaired: ChangePlan): string[] {
  const changing = (plan: ChangePlan) => plan.operations.filter((op) => op.op !== "no_change");
  return changing(repaired).length > 0 ? [] : [...new Set(changing(original).flatMap(operationTargets))];
}

/**
 * `repaired` with the guards of the job's own plan put back: on an exercise the handler's plan patched,
 * renamed or moved, a repaired patch, rename or move carries what the handler read there (a patch's
 * `before`, a rename's `old_name`, a move's `from_family`), which validation and apply compare with the
 * stored document. The model never reads the catalog, so no guard it writes is better than the
 * handler's, and one it updated or left out would overwrite an edit the handler never saw; put back,
 * such an edit still fails the plan STALE_PLAN. Several operations of one kind on one exercise take the
 * plan's guards in order; any beyond the plan's keep their own, the first one's still guarding the document.
 * `handlerGuarded`: the indexes of the operations given the handler's guards; the others' guards, if any,
 * are the model's guesses, so their STALE_PLAN says the guess was wrong, not that a target changed.
 */
export function withPlannedGuards(original: ChangePlan, repaired: ChangePlan): { plan: ChangePlan; handlerGuarded: Set<number> } {
  const planned = new Map<string, Operation[]>();
  for (const op of original.operations) {
    const key = guardedKey(op);
    if (key !== null) planned.set(key, [...(planned.get(key) ?? []), op]);
  }
  const seen = new Map<string, number>();
  const handlerGuarded = new Set<number>();
  const operations = repaired.operations.map((op, index) => {
    const key = guardedKey(op);
    if (key === null) return op;
    const nth = seen.get(key) ?? 0;
    seen.set(key, nth + 1);
    const plannedOp = planned.get(key)?.[nth];
    if (!plannedOp) return op;
    handlerGuarded.add(index);
    return withGuardsOf(op, plannedOp);
  });
  return { plan: { ...repaired, operations }, handlerGuarded };
}

/** The kind and exercise of an operation that carries guards (see `operationEffects`); null for one carrying none. */
function guardedKey(op: Operation): string | null {
  switch (op.op) {
    case "patch_fields":
    case "rename_exercise":
    case "reassign_family":
      return `${op.op} ${op.exercise_id}`;
    case "create_exercise":
    case "deprecate_exercise":
    case "upsert_alias":
    case "delete_alias":
    case "update_family_registry":
    case "merge_exercises":
    case "no_change":
      return null;
  }
}

/** `op` with the guards of `planned`, an operation of the same kind on the same exercise. */
function withGuardsOf(op: Operation, planned: Operation): Operation {
  if (op.op === "patch_fields" && planned.op === "patch_fields") {
    const { before: _repaired, ...unguarded } = op;
    return planned.before === undefined ? unguarded : { ...unguarded, before: planned.before };
  }
  if (op.op === "rename_exercise" && planned.op === "rename_exercise") return { ...op, old_name: planned.old_name };
  if (op.op === "reassign_family" && planned.op === "reassign_family") return { ...op, from_family: planned.from_family };
  return op;
}

/** A document and field a validation error named: a repair may change it, as the validator asked for a fix there. */
export interface ErrorSite {
  target: string;
  path: string;
  /** The fix the validator named is removing the document (an alias holding a slug the plan gives an exercise). */
  retires?: true;
}

/** What a repair changed beyond the job's request: an exercise field, or a document it retires. */
export interface BeyondRequest {
  operation_index: number;
  target: string;
  /** The fields written that neither the handler's plan nor a validation error named; empty when it retires the document. */
  fields: string[];
  retires: boolean;
}

/** The error's field in the document's terms: an operation's field ("set.category", "new_name") where it writes one. */
const OPERATION_FIELDS: Readonly<Record<string, string>> = { new_name: "name", old_name: "name", to_family: "family_slug" };
const FIELD_PATH = /^[a-z_]+(?:\.[a-z_]+)*$/;

/**
 * Where `errors` (of `plan`, as validated) point: each error's document, or its operation's documents,
 * with its field (up to an array index: arrays are written whole), and the fields its fix writes: the
 * path a refused one suggests, the replacement a removed deprecated field needs.
 */
export function errorSites(plan: ChangePlan, errors: readonly ValidationIssue[]): ErrorSite[] {
  return errors.flatMap(({ code, target, path, suggestion, operation_index }) => {
    // A guard the model guessed wrong (on an operation it added) names what the document holds, not a fix it asks for:
    // taken for one, a wrong `old_name` would let the next round rename an exercise nobody asked to.
    if (code === "STALE_PLAN") return [];
    const field = upToArrayIndex(path.replace(/^(set|unset|target_patch)\./, ""));
    const fields = [OPERATION_FIELDS[field] ?? field];
    if (code === "PATH_NOT_ALLOWED" && suggestion && FIELD_PATH.test(suggestion)) fields.push(suggestion);
    const replacement = code === "REPLACEMENT_MISSING" ? deprecatedFieldReplacement(field) : null;
    if (replacement) fields.push(replacement);
    const op = operation_index === null ? undefined : plan.operations[operation_index];
    const targets = target ? [target] : op ? operationTargets(op) : [];
    const sites: ErrorSite[] = targets.flatMap((at) => fields.map((named) => ({ target: at, path: named })));
    if (code === "SLUG_COLLISION" && target) sites.push({ target, path: "", retires: true });
    // A merge into a retired exercise goes to its successor, bringing what it filled there.
    if (code === "MERGE_TARGET_INVALID" && suggestion && op?.op === "merge_exercises") {
      const successor = documentPath(CATALOG_COLLECTIONS.exercises, suggestion);
      sites.push(...Object.keys(op.target_patch).map((key) => ({ target: successor, path: key })));
    }
    return sites;
  });
}

/**
 * The changes of `repaired` the job did not ask for: a repair fixes what the validator found, so on
 * an existing exercise it writes only fields the handler's own plan wrote there or an error named
 * or suggested (or fields inside one), and it retires (deprecates, merges away, deletes) only what the
 * handler's plan retired or the validator named for removal. Asked to fix a patch's category, it may
 * not archive the exercise or rewrite its muscles as well; a merge sent to the successor the validator
 * suggests brings the fields it filled. Documents it creates are left to the scope's other checks.
 */
export function beyondRequest(original: ChangePlan, repaired: ChangePlan, sites: readonly ErrorSite[], view: CatalogView): BeyondRequest[] {
  const catalog = new CatalogState(view);
  const allowed = new Map<string, string[]>();
  const allow = (target: string, fields: readonly string[]) => allowed.set(target, [...(allowed.get(target) ?? []), ...fields]);
  for (const op of original.operations) for (const [target, fields] of writtenFields(op)) allow(target, fields);
  for (const { target, path, retires } of sites) if (!retires && path !== "") allow(target, [path]);
  const retiredBefore = new Set(original.operations.flatMap(retiredDocuments));
  const retirable = new Set(sites.flatMap(({ target, retires }) => (retires ? [target] : [])));

  const found: BeyondRequest[] = [];
  repaired.operations.forEach((op, index) => {
    for (const target of retiredDocuments(op))
      if (!retiredBefore.has(target) && !retirable.has(target)) found.push({ operation_index: index, target, fields: [], retires: true });
    for (const [target, fields] of writtenFields(op)) {
      const id = target.slice(target.indexOf("/") + 1);
      if (!catalog.exercise(id)) continue;
      const asked = allowed.get(target) ?? [];
      const beyond = fields.filter((field) => !asked.some((named) => within(field, named)));
      if (beyond.length > 0) found.push({ operation_index: index, target, fields: beyond, retires: false });
    }
  });
  return found;
}

/** The exercise fields `op` writes, by document path (a retirement's status fields are its own rule). */
function writtenFields(op: Operation): [target: string, fields: string[]][] {
  const exercise = (id: string) => documentPath(CATALOG_COLLECTIONS.exercises, id);
  switch (op.op) {
    case "patch_fields":
      return [[exercise(op.exercise_id), [...Object.keys(op.set), ...op.unset]]];
    case "rename_exercise":
      return [[exercise(op.exercise_id), ["name"]]];
    case "reassign_family":
      return [[exercise(op.exercise_id), ["family_slug", ...(op.new_name ? ["name"] : [])]]];
    case "merge_exercises":
      return [[exercise(op.target_id), Object.keys(op.target_patch)]];
    // Creations are new documents, retirements have their own rule, the rest writes no exercise field.
    case "create_exercise":
    case "deprecate_exercise":
    case "upsert_alias":
    case "delete_alias":
    case "update_family_registry":
    case "no_change":
      return [];
  }
}

/** The documents `op` takes out of the catalog. */
function retiredDocuments(op: Operation): string[] {
  if (op.op === "deprecate_exercise") return [documentPath(CATALOG_COLLECTIONS.exercises, op.exercise_id)];
  // A patch may retire an exercise as deprecate_exercise does (its status deprecated or merged).
  if (op.op === "patch_fields" && "status" in op.set && !isLiveExercise({ status: op.set.status }))
    return [documentPath(CATALOG_COLLECTIONS.exercises, op.exercise_id)];
  if (op.op === "merge_exercises") return [documentPath(CATALOG_COLLECTIONS.exercises, op.source_id)];
  if (op.op === "delete_alias") return [documentPath(CATALOG_COLLECTIONS.aliases, op.alias_slug)];
  return [];
}

/** `field` is `named` or lies inside it. */
function within(field: string, named: string): boolean {
  return field === named || field.startsWith(`${named}.`);
}
