/**
 * Which operations of a plan wrote what, recorded while the validator simulates it, so an
 * end-of-plan finding can name the operation that caused it.
 */
import { CATALOG_COLLECTIONS } from "../catalog/collections";
import type { DocumentChange } from "./effects";
import type { Operation } from "./plan";
import { type DocData } from "../util/object-paths";
import { isLiveExercise } from "../catalog/family-registry";

export interface PlanTrace {
  /** Exercise id → last operation that wrote it. */
  exerciseWriters: Map<string, number>;
  /** Family slug → last operation that changed one of its members (in or out). */
  familyWriters: Map<string, number>;
  /** Exercise id → last operation that set its name or family (create, rename, reassign). */
  identitySetBy: Map<string, number>;
  /** Alias slug → last upsert, with the alias as it was just before it. */
  aliasUpserts: Map<string, { index: number; previous: DocData | null }>;
  /** Family slug → last update_family_registry. */
  registryUpdates: Map<string, number>;
  /** Families whose registry inputs (live members, their names and equipment) changed → last operation that changed them. */
  membershipChanges: Map<string, number>;
}

export function emptyTrace(): PlanTrace {
  return {
    exerciseWriters: new Map(),
    familyWriters: new Map(),
    identitySetBy: new Map(),
    aliasUpserts: new Map(),
    registryUpdates: new Map(),
    membershipChanges: new Map(),
  };
}

/** What a family's registry entry depends on in one exercise; null when it is not a live member. */
function registryInput(doc: DocData | null): { family: string; key: string } | null {
  if (!doc || !isLiveExercise(doc) || typeof doc.family_slug !== "string") return null;
  return { family: doc.family_slug, key: `${doc.family_slug}|${String(doc.name)}|${JSON.stringify(doc.equipment)}` };
}

export function recordTrace(trace: PlanTrace, op: Operation, index: number, changes: readonly DocumentChange[]): void {
  if (op.op === "update_family_registry") trace.registryUpdates.set(op.family_slug, index);
  for (const change of changes) {
    if (change.collection === CATALOG_COLLECTIONS.aliases) {
      if (change.after) trace.aliasUpserts.set(change.id, { index, previous: change.before });
      continue;
    }
    if (change.collection !== CATALOG_COLLECTIONS.exercises) continue;
    trace.exerciseWriters.set(change.id, index);
    for (const doc of [change.before, change.after]) {
      if (typeof doc?.family_slug === "string") trace.familyWriters.set(doc.family_slug, index);
    }
    const [before, after] = [registryInput(change.before), registryInput(change.after)];
    if (before?.key !== after?.key) {
      for (const input of [before, after]) if (input) trace.membershipChanges.set(input.family, index);
    }
    if (op.op === "create_exercise" || op.op === "rename_exercise" || op.op === "reassign_family")
      trace.identitySetBy.set(change.id, index);
  }
}
