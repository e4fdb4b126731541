/**
 * Seeds the demo catalog (exercises, aliases, family registry) for the local runtime and the CLI.
 * Seeding writes past the change journal, so `npm start` and `catalog-jobs seed` both seed only a
 * catalog that holds nothing (`catalogHoldsDocuments`) unless told otherwise.
 */
import type { Firestore } from "firebase-admin/firestore";
import { BROKEN_ALIASES, BROKEN_EXERCISES, DEMO_ALIASES, DEMO_EXERCISES, DEMO_FAMILIES } from "../catalog/demo-catalog";
import { CATALOG_COLLECTIONS } from "../catalog/collections";

export interface SeedCounts {
  exercises: number;
  aliases: number;
  families: number;
}

/**
 * Whether any of the catalog's collections holds a document: seeding over it would undo the changes
 * applied since, with no journal entry to show it.
 */
export async function catalogHoldsDocuments(db: Firestore): Promise<boolean> {
  const found = await Promise.all(
    Object.values(CATALOG_COLLECTIONS).map(async (collection) => !(await db.collection(collection).limit(1).get()).empty),
  );
  return found.includes(true);
}

/** Writes the demo catalog; with `includeBroken`, also the realistic broken data the scans find. */
export async function seedDemoCatalog(db: Firestore, options: { includeBroken?: boolean } = {}): Promise<SeedCounts> {
  const exercises = [...DEMO_EXERCISES.map(({ id, ...data }) => ({ id, data: data })), ...(options.includeBroken ? BROKEN_EXERCISES : [])];
  const aliases = [...DEMO_ALIASES.map((data) => ({ id: data.alias_slug, data: data })), ...(options.includeBroken ? BROKEN_ALIASES : [])];
  const writes = [
    ...exercises.map(({ id, data }) => ({ ref: db.collection(CATALOG_COLLECTIONS.exercises).doc(id), data })),
    ...aliases.map(({ id, data }) => ({ ref: db.collection(CATALOG_COLLECTIONS.aliases).doc(id), data })),
    ...DEMO_FAMILIES.map((family) => ({
      ref: db.collection(CATALOG_COLLECTIONS.families).doc(family.family_slug),
      data: family,
    })),
  ];
  // Plain batches (at most 500 writes each) rather than BulkWriter, which not every emulator implements.
  for (let i = 0; i < writes.length; i += 400) {
    const batch = db.batch();
    writes.slice(i, i + 400).forEach(({ ref, data }) => batch.set(ref, data));
    await batch.commit();
  }
  return { exercises: exercises.length, aliases: aliases.length, families: DEMO_FAMILIES.length };
}
