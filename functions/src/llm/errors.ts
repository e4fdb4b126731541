import type { LlmUsage } from "./types";

/**
 * Whether each code is worth retrying when nothing more specific is known; the one list of codes.
 * - LLM_TRUNCATED: the answer hit the output token limit even after the one retry with a higher
 *   limit; the same request would be cut off again, so retrying the job cannot help.
 * - LLM_AUTH: no usable credentials or no permission (ADC, the metadata server, IAM): a configuration
 *   problem, permanent unless the credential service itself was briefly unavailable.
 * - LLM_NOT_CONFIGURED: deployed functions with no real LLM selected (LLM_PROVIDER=fake without
 *   LLM_ALLOW_FAKE), or Vertex AI with no project named; nothing changes until someone sets them.
 * - LLM_MODEL_NOT_FOUND: Vertex AI answered 404: the model (LLM_FAST_MODEL, LLM_STRONG_MODEL), a
 *   retired one or a typo, or LLM_LOCATION does not exist; a configuration problem too.
 */
const TRANSIENT_BY_CODE = {
  LLM_TIMEOUT: true,
  LLM_RATE_LIMITED: true,
  LLM_UNAVAILABLE: true,
  LLM_BAD_OUTPUT: false,
  LLM_REJECTED: false,
  LLM_TRUNCATED: false,
  LLM_AUTH: false,
  LLM_NOT_CONFIGURED: false,
  LLM_MODEL_NOT_FOUND: false,
} as const satisfies Record<string, boolean>;

export type LlmErrorCode = keyof typeof TRANSIENT_BY_CODE;

/**
 * Every failure of an LLM call. `code` and `transient` are what the job runner reads (duck-typed in
 * `toJobFailure`): transient → retry with backoff / deadletter, otherwise the job fails.
 */
export class LlmError extends Error {
  readonly code: LlmErrorCode;
  readonly transient: boolean;
  /** Tokens already spent before the failure (e.g. on outputs that failed the schema); they are billed too. */
  usage?: LlmUsage;

  constructor(code: LlmErrorCode, message: string, options: { transient?: boolean; usage?: LlmUsage; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "LlmError";
    this.code = code;
    this.transient = options.transient ?? TRANSIENT_BY_CODE[code];
    if (options.usage) this.usage = options.usage;
  }
}

/**
 * A failure that no call can get past until someone changes the configuration: it stops the job
 * (and fails it with its code) rather than counting against one exercise or one repair round.
 */
export function isLlmConfigurationError(err: unknown): boolean {
  return err instanceof LlmError && (err.code === "LLM_AUTH" || err.code === "LLM_NOT_CONFIGURED" || err.code === "LLM_MODEL_NOT_FOUND");
}

/**
 * Timeouts (408), 429 and 5xx are transient; 401/403 are credentials or permissions; 404 is a model or
 * location that does not exist (a request body cannot cause it); any other 4xx is a permanent rejection.
 */
export function classifyHttpStatus(status: number): { code: LlmErrorCode; transient: boolean } {
  if (status === 408) return { code: "LLM_TIMEOUT", transient: true };
  if (status === 429) return { code: "LLM_RATE_LIMITED", transient: true };
  if (status === 401 || status === 403) return { code: "LLM_AUTH", transient: false };
  if (status === 404) return { code: "LLM_MODEL_NOT_FOUND", transient: false };
  if (status >= 400 && status < 500) return { code: "LLM_REJECTED", transient: false };
  return { code: "LLM_UNAVAILABLE", transient: true };
}
