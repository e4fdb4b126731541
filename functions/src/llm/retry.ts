/** Retry and timeout wrappers shared by the LLM adapters. */
import { setTimeout as sleep } from "node:timers/promises";
import { backoffDelayMs } from "../util/backoff";
import { LlmError } from "./errors";

export interface RetryOptions {
  /** Total attempts including the first one. */
  maxAttempts: number;
  baseDelayMs: number;
  /** Default 30 s: an LLM call waits inside a leased job, so backoff stays short; longer outages go back to the queue. */
  maxDelayMs?: number;
  /** Which LlmErrors earn another attempt; default: transient ones. */
  shouldRetry?: (err: LlmError) => boolean;
  onRetry?: (err: LlmError, attempt: number, delayMs: number) => void;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  /** Fires to end the calls at once (see `LlmRequest.signal`): the default sleep between attempts ends with it. */
  stop?: AbortSignal;
}

/**
 * Runs `operation` (given the 1-based attempt number) until it succeeds, throws something not worth
 * retrying, or runs out of attempts; waits with exponential backoff and jitter in between. Only
 * LlmErrors are retried: the operation is expected to have mapped everything else.
 */
export async function withRetry<T>(operation: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const shouldRetry = options.shouldRetry ?? ((err: LlmError) => err.transient);
  const policy = { baseMs: options.baseDelayMs, factor: 2, maxMs: options.maxDelayMs ?? 30_000 };
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation(attempt);
    } catch (err) {
      if (!(err instanceof LlmError) || !shouldRetry(err) || attempt >= options.maxAttempts) throw err;
      const delayMs = backoffDelayMs(attempt, policy, options.random);
      options.onRetry?.(err, attempt, delayMs);
      await (options.sleep ?? ((ms: number) => sleepUnlessStopped(ms, options.stop)))(delayMs);
    }
  }
}

/** Waits `ms`, or rejects with the stop's reason as soon as it fires. */
export async function sleepUnlessStopped(ms: number, stop: AbortSignal | undefined): Promise<void> {
  try {
    await sleep(ms, undefined, stop ? { signal: stop } : {});
  } catch (err) {
    if (stop?.aborted) throw stop.reason;
    throw err;
  }
}

/**
 * Runs `operation` with a deadline: after `timeoutMs` its signal is aborted (so the HTTP request is
 * cancelled) and the call rejects with a transient LLM_TIMEOUT, whatever the operation does next.
 * A `stop` that fires first (or fired before) ends it the same way, rejecting with the stop's reason.
 */
export async function withTimeout<T>(operation: (signal: AbortSignal) => Promise<T>, timeoutMs: number, stop?: AbortSignal): Promise<T> {
  stop?.throwIfAborted();
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let onStop: (() => void) | undefined;
  const ended = new Promise<never>((_, reject) => {
    // Reject before aborting, so the race settles with the timeout (or the stop) and not the operation's AbortError.
    timer = setTimeout(() => {
      reject(new LlmError("LLM_TIMEOUT", `LLM call did not answer within ${timeoutMs} ms`));
      controller.abort();
    }, timeoutMs);
    onStop = () => {
      const reason: unknown = stop!.reason;
      reject(reason instanceof Error ? reason : new Error(String(reason)));
      controller.abort();
    };
    stop?.addEventListener("abort", onStop, { once: true });
  });
  try {
    return await Promise.race([operation(controller.signal), ended]);
  } finally {
    clearTimeout(timer);
    if (onStop) stop?.removeEventListener("abort", onStop);
  }
}
