/** The collections the ApplyEngine keeps beside the catalog: idempotency records and the change journal. */
export const APPLY_COLLECTIONS = {
  idempotency: "catalog_idempotency",
  changes: "catalog_changes",
} as const;
