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

/** An error's own text. */
export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** google-auth-library's own failures, e.g. "Could not load the default credentials", "Could not refresh access token". */
const CREDENTIAL_MESSAGE = /credential|access token/i;
/** How gaxios marks its errors across copies of the library: requests to the metadata server or token endpoints. */
const GAXIOS_ERROR = Symbol.for("gaxios-gaxios-error");

/**
 * A failure to get credentials, before Vertex AI was called: an error of google-auth-library or of
 * the metadata server it asked (gaxios), with whether a retry may help; null for any other. Never the
 * SDK's ApiError, which only Vertex AI's answers produce, nor an LlmError already classified (a timeout;
 * an LLM_AUTH answer, whose hint names credentials).
 */
export function credentialFailure(err: unknown): { transient: boolean } | null {
  if (typeof err !== "object" || err === null || err instanceof LlmError || (err as { name?: unknown }).name === "ApiError") return null;
  const fromGaxios = GAXIOS_ERROR in err;
  if (!fromGaxios && !CREDENTIAL_MESSAGE.test(messageOf(err))) return null;
  // The credential service briefly failing (5xx, 429, no answer) is worth a retry; anything else is configuration.
  const status = (err as { status?: unknown }).status;
  return { transient: typeof status === "number" ? status === 429 || status >= 500 : fromGaxios };
}

/**
 * How a connection that was never made fails: the socket's error code, at the end of the chain of
 * causes (the SDK wraps undici's "fetch failed", whose cause it is): refused, a host name that does not
 * resolve, no route to the network or host, or undici's connect timeout (no answer to the connection attempt).
 */
const NEVER_CONNECTED = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "ENETUNREACH", "EHOSTUNREACH", "UND_ERR_CONNECT_TIMEOUT"]);

/** Whether a failed try made no connection, so it sent nothing to Vertex AI. */
function neverConnected(err: unknown): boolean {
  for (let cause = err, depth = 0; typeof cause === "object" && cause !== null && depth < 5; depth++) {
    const { code } = cause as { code?: unknown };
    if (typeof code === "string" && NEVER_CONNECTED.has(code)) return true;
    cause = (cause as { cause?: unknown }).cause;
  }
  return false;
}

/** The HTTP status of Vertex AI's error answer (the SDK's ApiError), if it answered at all. */
export function answeredStatus(err: unknown): number | undefined {
  const status = (err as { status?: unknown } | null)?.status;
  return typeof status === "number" ? status : undefined;
}

/**
 * Whether the try that failed with `failure` (as the Vertex adapter classified it) may be billed: one sent that
 * got no answer, cut short by the timeout or a dropped connection, as Vertex AI goes on with a request its
 * client gave up on (the SDK's abortSignal does not cancel it there). Its `cause` is what the try got
 * instead of an answer: an error answer (429, 5xx, 400, 401/403, 404) is not billed, a try that got no
 * credentials (the SDK gets them before it sends) or made no connection sent nothing. One without a cause failed on an answer it read, or is
 * the adapter's own timeout of a try it sent: billed either way.
 */
export function failureMayBeBilled(failure: LlmError): boolean {
  const got = failure.cause;
  return got === undefined || (credentialFailure(got) === null && answeredStatus(got) === undefined && !neverConnected(got));
}
