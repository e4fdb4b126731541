/**
 * Transactions run again when the Firestore emulator closed them under contention. It reports that
 * as INVALID_ARGUMENT "Transaction is invalid or closed" on the transaction's next read, which the
 * client does not retry, where production Firestore answers ABORTED, which it does: a transaction
 * that reads after its first reads (a query for who holds a slug) meets it when racing another.
 * Production reports a transaction that outlived its deadline as INVALID_ARGUMENT "transaction has
 * expired": run again too.
 */
import { type Firestore, Timestamp, type Transaction } from "firebase-admin/firestore";
import { GrpcStatus, grpcCode } from "./grpc-status";

const CLOSED_TRIES = 5;

/**
 * A transaction Firestore closed or let expire (INVALID_ARGUMENT, though nothing in the request is
 * wrong): the same work in a new transaction may pass, as after a conflict.
 */
export function isClosedTransaction(err: unknown): boolean {
  return (
    grpcCode(err) === GrpcStatus.INVALID_ARGUMENT &&
    /Transaction is invalid or closed|transaction has expired/i.test((err as Error).message)
  );
}

/** `db.runTransaction(fn)`, run again (up to CLOSED_TRIES times in all) when Firestore closed the transaction or let it expire (`isClosedTransaction`). */
export async function runTransaction<T>(db: Firestore, fn: (tx: Transaction) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.runTransaction(fn);
    } catch (err) {
      if (attempt >= CLOSED_TRIES || !isClosedTransaction(err)) throw err;
    }
  }
}

/**
 * `runTransaction(db, update)`, `update` told what its last run answered. The Firestore client runs the function
 * again when a commit fails with a retryable code (UNAVAILABLE, DEADLINE_EXCEEDED), though that commit may have
 * landed with its reply lost: the next run then reads what it wrote, and by something fixed before the first run (the
 * moment it wrote, an id it chose) knows it for its own and answers as that run did, instead of as a later caller
 * meeting someone else's work. The last answer may be of a run whose commit did not land (a conflict): it is a
 * claim to check against what the run reads, never proof.
 */
export async function runRecallingLastAnswer<T>(
  db: Firestore,
  update: (tx: Transaction, lastAnswer: T | undefined) => Promise<T>,
): Promise<T> {
  let lastAnswer: T | undefined;
  return runTransaction(db, async (tx) => (lastAnswer = await update(tx, lastAnswer)));
}

/** Whether a stored time `value` is `at`, the moment a write fixed before its first run (the engine writes its times to the millisecond). */
export function isStoredTime(value: unknown, at: Date): boolean {
  return value instanceof Timestamp && value.toMillis() === at.getTime();
}
