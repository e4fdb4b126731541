/**
 * Curator actions through the callable functions (functions/src/adapters/operator-actions.ts):
 * the browser never writes job state itself.
 */
import { type Functions, FunctionsError, httpsCallable } from "firebase/functions";
import { asError } from "./format";
import type { CancelAnswer, RetryAnswer } from "./model";

export interface OperatorActions {
  retryJob(jobId: string): Promise<RetryAnswer>;
  cancelJob(jobId: string): Promise<CancelAnswer>;
  revertChange(changeId: string): Promise<void>;
}

export function operatorActions(functions: Functions): OperatorActions {
  const call = async <Answer>(name: string, data: Record<string, string>) =>
    // Past the callables' own 540 s (CURATOR_ACTION_TIMEOUT_SECONDS in functions/src/config.ts: a retry requeues a
    // parent's children one by one), not the SDK's 70 s default.
    (await httpsCallable<Record<string, string>, Answer>(functions, name, { timeout: 550_000 })(data)).data;
  return {
    retryJob: (jobId) => call<RetryAnswer>("retryJob", { jobId }),
    cancelJob: (jobId) => call<CancelAnswer>("cancelJob", { jobId }),
    // The change's listener shows what a revert did.
    revertChange: async (changeId) => void (await call("revertChange", { changeId })),
  };
}

/**
 * Whether a cancel's error says the job was cancelled (or asked to stop) but not all of its open children were:
 * the callable's `unavailable` (the engine's ChildrenNotCancelledError), or its deadline passed part-way through
 * the children (`deadline-exceeded`), after which the same cancel finishes them (JobFlows.cancel). An outage answers
 * `unavailable` too, and there running the cancel again is as right.
 */
export function cancelLeftChildrenOpen(error: Error): boolean {
  return error instanceof FunctionsError && (error.code === "functions/unavailable" || error.code === "functions/deadline-exceeded");
}

/**
 * What a failed action says: a callable's refusal in the engine's own words, without the HTTP status the SDK appends
 * to a FunctionsError's message (" [400]").
 */
export function actionFailure(thrown: unknown): string {
  const error = asError(thrown);
  return error instanceof FunctionsError ? error.message.replace(/ \[\d+\]$/, "") : error.message;
}
