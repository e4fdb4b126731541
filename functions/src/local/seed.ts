/** Seeds the demo catalog (exercises, aliases, family registry) for the local runtime and the CLI. */
import type { Firestore } from "firebase-admin/firestore";
import { BROKEN_ALIASES, BROKEN_EXERCISES, DEMO_ALIASES, DEMO_EXERCISES, DEMO_FAMILIES } from "../catalog/demo-catalog";
import { COLLECTIONS } from "../firestore";

export interface SeedCounts {
  exercises: number;
  aliases: number;
  families: number;
}

/** Writes the demo catalog; with `includeBroken`, also the realistic broken data the scans find. */
export async function seedDemoCatalog(db: Firestore, options: { includeBroken?: boolean } = {}): Promise<SeedCounts> {
  const writer = db.bulkWriter();
  const exercises = [...DEMO_EXERCISES.map(({ id, ...data }) => ({ id, data: data as Record<string, unknown> })), ...(options.includeBroken ? BROKEN_EXERCISES : [])];
  const aliases = [...DEMO_ALIASES.map((data) => ({ id: data.alias_slug, data: data as Record<string, unknown> })), ...(options.includeBroken ? BROKEN_ALIASES : [])];
  exercises.forEach(({ id, data }) => void writer.set(db.collection(COLLECTIONS.exercises).doc(id), data));
  aliases.forEach(({ id, data }) => void writer.set(db.collection(COLLECTIONS.aliases).doc(id), data));
  DEMO_FAMILIES.forEach((family) => void writer.set(db.collection(COLLECTIONS.families).doc(family.family_slug), family));
  await writer.close();
  return { exercises: exercises.length, aliases: aliases.length, families: DEMO_FAMILIES.length };
}
