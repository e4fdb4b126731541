/**
 * The scope a repaired plan must stay in. A repair (the LLM's) may rewrite a plan freely, so before
 * it is applied each operation is checked against what the job may change: every document it
 * addresses must be one the handler's own plan addressed, or lie in families whose locks the job
 * holds; and every family it touches (its documents' families before and after, the family it moves
 * or creates an exercise in, an alias's family, a registry) must be locked, or be one the handler's
 * own operations on the same document touched. So a repair never reaches into a family another job
 * may be changing at the same moment, not even by turning a planned patch of a document into a move
 * of it into another family.
 */
import { lockedFamilies } from "../catalog/family-locks";
import { type CatalogView, CatalogState } from "./catalog-state";
import { operationReadSet, operationTargets } from "./effects";
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
