/**
 * The scope a repaired plan must stay in. A repair (the LLM's) may rewrite a plan freely, so before
 * it is applied each document it addresses must be one the handler's own plan addressed, or lie in
 * a family whose lock the job holds: a repair never reaches into a family another job may be
 * changing at the same moment.
 */
import { lockedFamilies } from "../catalog/family-locks";
import { type CatalogView, CatalogState } from "./catalog-state";
import { operationReadSet, operationTargets } from "./effects";
import type { ChangePlan, Operation } from "./plan";

export interface OutOfScope {
  operation_index: number;
  target: string;
  families: string[];
}

/** The documents of `repaired` outside the job's scope (none: it may be applied). */
export function outOfScope(original: ChangePlan, repaired: ChangePlan, view: CatalogView, lockKeys: readonly string[]): OutOfScope[] {
  const planned = new Set(original.operations.flatMap(operationTargets));
  const locked = lockedFamilies(lockKeys);
  const catalog = new CatalogState(view);
  const found: OutOfScope[] = [];
  repaired.operations.forEach((op, index) => {
    const families = [...operationFamilies(op, catalog)];
    const inLockedFamilies = families.length > 0 && families.every((family) => locked.has(family));
    for (const target of operationTargets(op)) {
      if (!planned.has(target) && !inLockedFamilies) found.push({ operation_index: index, target, families });
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
