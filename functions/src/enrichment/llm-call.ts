/**
 * An LLM call of one of the engine's kinds (llm-calls.ts) whose usage always lands in the attempt
 * log: the worker sums the log into the job's `result_summary.llm` and the daily counters, so a call
 * that failed (and may still be billed) is recorded too.
 */
import type { AttemptRecorder } from "../jobs/attempt-log";
import { LlmError } from "../llm/errors";
import { EMPTY_USAGE } from "../llm/pricing";
import type { LlmClient, LlmRequest, LlmResult, LlmUsage } from "../llm/types";
import { LLM_CALL_KINDS, type LlmCallKind } from "./llm-calls";

export type UsageRecorder = Pick<AttemptRecorder, "llmCall">;

type CallInput = Pick<LlmRequest<unknown>, "prompt" | "tier" | "context" | "signal">;

export async function generateRecorded<T>(
  llm: LlmClient,
  kind: LlmCallKind<T>,
  input: CallInput,
  recorder: UsageRecorder,
): Promise<LlmResult<T>> {
  // Only listed kinds: the list is what the schema test walks, so nothing unchecked reaches a model.
  if (!LLM_CALL_KINDS.includes(kind)) throw new Error(`LLM call kind "${kind.task}" is not listed in LLM_CALL_KINDS`);
  let recorded = false;
  const record = (usage: LlmUsage) => {
    recorded = true;
    recorder.llmCall(kind.task, usage);
  };
  try {
    const result = await llm.generateJson({ ...input, ...kind, onStopped: record });
    record(result.usage);
    return result;
  } catch (err) {
    // A stop that ended the call told what it spent already.
    if (!recorded) record(err instanceof LlmError && err.usage ? err.usage : EMPTY_USAGE);
    throw err;
  }
}
