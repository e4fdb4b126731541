/** The catalog's collections, and how journal entries, issues and previews name one of their documents. */
export const CATALOG_COLLECTIONS = {
  exercises: "exercises",
  aliases: "exercise_aliases",
  families: "exercise_families",
} as const;

export type CatalogCollection = (typeof CATALOG_COLLECTIONS)[keyof typeof CATALOG_COLLECTIONS];

/** "exercises/bench_press__bench-press-barbell". */
export function documentPath(collection: CatalogCollection, id: string): string {
  return `${collection}/${id}`;
}
