/**
 * Curator actions through the callable functions (functions/src/adapters/operator-actions.ts):
 * the browser never writes job state itself.
 */
import { type Functions, FunctionsError, httpsCallable } from "firebase/functions";
import { asError } from "./format";
import { type CancelAnswer, CURATOR_ACTION_TIMEOUT_SECONDS, type RetryAnswer, type RevertJobAnswer } from "./model";

/**
 * How long the console waits for a callable's answer: past the callables' own timeout (a retry requeues a parent's
 * children one by one) by the round trip's share, not the SDK's 70 s default.
 */
const ANSWER_TIMEOUT_MS = (CURATOR_ACTION_TIMEOUT_SECONDS + 10) * 1000;

export interface OperatorActions {
  retryJob(jobId: string): Promise<RetryAnswer>;
  cancelJob(jobId: string): Promise<CancelAnswer>;
  revertChange(changeId: string): Promise<void>;
  /** Reverts all of the job's changes, newest first, or none when one of them would be refused. */
  revertJob(jobId: string): Promise<RevertJobAnswer>;
}

export function operatorActions(functions: Functions): OperatorActions {
  const call = async <Answer>(name: string, data: Record<string, string>) =>
    (await httpsCallable<Record<string, string>, Answer>(functions, name, { timeout: ANSWER_TIMEOUT_MS })(data)).data;
  return {
    retryJob: (jobId) => call<RetryAnswer>("retryJob", { jobId }),
    cancelJob: (jobId) => call<CancelAnswer>("cancelJob", { jobId }),
    // The change's listener shows what a revert did.
    revertChange: async (changeId) => void (await call("revertChange", { changeId })),
    revertJob: (jobId) => call<RevertJobAnswer>("revertJob", { jobId }),
  };
}

/**
 * The errors the SDK raises itself when no answer came (callAtURL in @firebase/functions), each with its own bare
 * message where an answer's error carries the engine's words and HTTP status ("INTERNAL [500]", "deadline-exceeded
 * [504]"): its fetch failed (offline, or the connection dropped), as `internal` with status 0; its own timer ran out
 * (the callable's `timeout`, ANSWER_TIMEOUT_MS); or the answer's body broke off (the connection dropped part-way through it).
 */
const NO_ANSWER_ERRORS = [
  { code: "functions/internal", message: "internal [0]" },
  { code: "functions/deadline-exceeded", message: "deadline-exceeded" },
  { code: "functions/internal", message: "Response is not valid JSON object." },
];

/** Whether the console got no answer from the engine (`NO_ANSWER_ERRORS`): the action may have been done or not. */
function engineNotReached(error: Error): boolean {
  return error instanceof FunctionsError && NO_ANSWER_ERRORS.some(({ code, message }) => error.code === code && error.message === message);
}

/**
 * Whether a failed cancel is right to run again (Cancel again): the job was cancelled (or asked to stop) but not all of
 * its open children were, the callable's `unavailable` (the engine's ChildrenNotCancelledError), or its deadline passed
 * part-way through the children (`deadline-exceeded`), after which the same cancel finishes them (JobFlows.cancel); or
 * the engine could not be reached (`engineNotReached`, or an outage's `unavailable`): a cancel that went through
 * after all is harmless to run again (refused, or answered as already asked).
 */
export function cancelWorthRunningAgain(error: Error): boolean {
  return (
    engineNotReached(error) ||
    (error instanceof FunctionsError && (error.code === "functions/unavailable" || error.code === "functions/deadline-exceeded"))
  );
}

/**
 * What a failed action says: a callable's refusal in the engine's own words, without the HTTP status the SDK appends
 * to a FunctionsError's message (" [400]"); in plain words when the engine could not be reached or gave no reason,
 * saying to check what it acted on (`checked`: a job, or a change's Revert its change) before acting again.
 */
export function actionFailure(thrown: unknown, checked = "the job"): string {
  const error = asError(thrown);
  if (engineNotReached(error))
    return `the console could not reach the engine (offline, the connection dropped, or no answer came in time), so this may or may not have taken effect: check ${checked} before acting again`;
  if (!(error instanceof FunctionsError)) return error.message;
  const [, words, status] = /^(.*?)(?: \[(\d+)\])?$/s.exec(error.message) ?? [];
  const code = error.code.replace(/^functions\//, "");
  // An answer without words of its own: the SDK's message is then its error code (a 500 or 503 without a body, from
  // the platform in front of the engine), or firebase-functions' "INTERNAL", its answer to an engine error that is
  // not a refusal (the engine's log has it).
  if (status !== undefined && (words === code || words === "INTERNAL"))
    return `the engine failed without saying why (HTTP ${status}, ${code}; its logs have the cause), so this may or may not have taken effect: check ${checked} before acting again`;
  return words ?? error.message;
}
