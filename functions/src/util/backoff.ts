/** Retry delays: exponential growth with "equal jitter" (half fixed, half random) and a cap. Pure. */
export interface BackoffPolicy {
  baseMs: number;
  factor: number;
  maxMs: number;
}

/**
 * Delay before the next try after `attempt` executions (1-based). The fixed half keeps the delay
 * growing; the random half spreads retries of many jobs that failed together (e.g. an LLM outage).
 */
export function backoffDelayMs(attempt: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  const exponent = Math.max(0, attempt - 1);
  const ceiling = Math.min(policy.maxMs, policy.baseMs * Math.pow(policy.factor, exponent));
  const half = ceiling / 2;
  return Math.round(half + random() * half);
}
