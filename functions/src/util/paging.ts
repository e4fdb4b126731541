/** Paging through Firestore queries by document id, directly or inside a transaction. */
import { FieldPath, type Query, type QueryDocumentSnapshot, type QuerySnapshot, type Transaction } from "firebase-admin/firestore";

const DEFAULT_PAGE_SIZE = 200;

/** Runs a query: directly, or inside a transaction (`transactionQueryReader`). */
export type QueryReader = (query: Query) => Promise<QuerySnapshot>;

const directQueryReader: QueryReader = (query) => query.get();
export const transactionQueryReader =
  (tx: Transaction): QueryReader =>
  (query) =>
    tx.get(query);

/**
 * Pages through `query` ordered by document id, one page of at most `pageSize` documents at a
 * time, until the end. The query must not have a limit or an order of its own.
 */
export async function* pageCollection(
  query: Query,
  pageSize = DEFAULT_PAGE_SIZE,
  read: QueryReader = directQueryReader,
): AsyncGenerator<QueryDocumentSnapshot[]> {
  const ordered = query.orderBy(FieldPath.documentId()).limit(pageSize);
  let cursor: QueryDocumentSnapshot | undefined;
  for (;;) {
    const snap = await read(cursor ? ordered.startAfter(cursor) : ordered);
    if (snap.empty) return;
    yield snap.docs;
    if (snap.size < pageSize) return;
    cursor = snap.docs[snap.docs.length - 1];
  }
}
