/** Transactions as the Firestore client runs them when a commit's reply is lost. */
import { Firestore, type Transaction, WriteBatch } from "firebase-admin/firestore";
import { GrpcStatus } from "../../src/util/grpc-status";

type Update = (tx: Transaction) => Promise<unknown>;
type Options = { readOnly?: boolean } | undefined;
type RunTransaction = (this: Firestore, update: Update, options?: Options) => Promise<unknown>;

const { runTransaction } = Firestore.prototype as unknown as { runTransaction: RunTransaction };

/**
 * Every read-write transaction commits, then has its function run again in a new transaction, whose answer is
 * returned: what the Firestore client does when a commit fails with a retryable code (UNAVAILABLE,
 * DEADLINE_EXCEEDED) though it landed, its reply lost. `reruns` counts them. Undone by `jest.restoreAllMocks()`.
 */
export function losingTransactionReplies(): { reruns: number } {
  const lost = { reruns: 0 };
  jest.spyOn(Firestore.prototype, "runTransaction").mockImplementation(async function (this: Firestore, update: Update, options: Options) {
    const answer = await runTransaction.call(this, update, options);
    if (options?.readOnly) return answer;
    lost.reruns++;
    return runTransaction.call(this, update, options);
  });
  return lost;
}

/**
 * The next transaction's first run commits nothing (ABORTED, as when another write landed first); `meanwhile`
 * runs before its next run reads anything. Undone by `jest.restoreAllMocks()`.
 */
export function abortingNextTransaction(meanwhile: () => Promise<unknown>): void {
  let runs = 0;
  jest.spyOn(Firestore.prototype, "runTransaction").mockImplementationOnce(async function (
    this: Firestore,
    update: Update,
    options: Options,
  ) {
    return runTransaction.call(
      this,
      async (tx) => {
        if (++runs > 1) await meanwhile();
        const answer = await update(tx);
        if (runs === 1)
          throw Object.assign(new Error("10 ABORTED: injected: another transaction landed first"), { code: GrpcStatus.ABORTED });
        return answer;
      },
      options,
    );
  });
}

const { commit } = WriteBatch.prototype as unknown as { commit: (this: WriteBatch) => Promise<unknown> };

/**
 * The next batch commits, then is sent again, as the Firestore client resends a commit whose reply it lost: the
 * resend meets what the first one wrote, and its refusal is what the caller gets. `resent` says it happened.
 * Undone by `jest.restoreAllMocks()` (or the spy's `mockRestore`).
 */
export function resendingNextBatch(): { resent: boolean } {
  const seen = { resent: false };
  jest.spyOn(WriteBatch.prototype, "commit").mockImplementation(async function (this: WriteBatch) {
    const landed = await commit.call(this);
    if (seen.resent) return landed;
    seen.resent = true;
    return commit.call(this);
  } as never);
  return seen;
}
