/**
 * An LLM call whose usage always lands in the attempt log: the worker sums the log into the job's
 * `result_summary.llm` and the daily counters, so a call that failed (and may still be billed) is
 * recorded too.
 */
import type { AttemptRecorder } from "../jobs/attempt-log";
import { LlmError } from "../llm/errors";
import { EMPTY_USAGE } from "../llm/pricing";
import type { LlmClient, LlmRequest, LlmResult } from "../llm/types";

export type UsageRecorder = Pick<AttemptRecorder, "llmCall">;

export async function generateRecorded<T>(llm: LlmClient, request: LlmRequest<T>, recorder: UsageRecorder): Promise<LlmResult<T>> {
  try {
    const result = await llm.generateJson(request);
    recorder.llmCall(request.task, result.usage);
    return result;
  } catch (err) {
    recorder.llmCall(request.task, err instanceof LlmError && err.usage ? err.usage : EMPTY_USAGE);
    throw err;
  }
}
