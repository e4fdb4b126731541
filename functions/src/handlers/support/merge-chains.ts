/** Reading the exercises a plan follows through merges to a live one, beyond the ones it read already. */
import type { Firestore } from "firebase-admin/firestore";
import { AliasFacts, decideEach, resolveWithFacts } from "../../catalog/alias-facts";
import { liveExerciseOf } from "../../catalog/alias-resolution";
import { readAliasFacts } from "../../catalog/reads";
import type { CatalogDoc } from "../../catalog/repository";

/**
 * The exercises `ids` are, and those they were merged into on the way to a live one, as `liveExerciseOf`
 * follows them: read where `known` does not hold them (those it holds are left out, as are ids no exercise
 * has). A chain longer than `resolveWithFacts`' rounds is cut: its unread end is missing to `liveExerciseOf`.
 */
export async function readMergeChains(db: Firestore, ids: readonly string[], known: readonly CatalogDoc[]): Promise<CatalogDoc[]> {
  const facts = new AliasFacts();
  for (const { id, data } of known) facts.exercises.set(id, data);
  await resolveWithFacts(
    () => decideEach(ids, (id) => liveExerciseOf(id, (next) => facts.exercise(next))),
    (request) => readAliasFacts(db, facts, request),
  );
  const knownIds = new Set(known.map(({ id }) => id));
  return [...facts.exercises].flatMap(([id, data]) => (data === null || knownIds.has(id) ? [] : [{ id, data }]));
}
