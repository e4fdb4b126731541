/**
 * Vertex AI Gemini adapter over the Google Gen AI SDK (`@google/genai`, Vertex mode), as the
 * service behaves: a response schema inside the documented structured-output subset, an output
 * budget per call kind (and a thinking budget on models that take one), one retry with a higher
 * limit for an answer cut off at MAX_TOKENS, retries with backoff for 429/5xx/timeouts, and
 * credential failures reported as such. Request building, response parsing and error mapping are
 * pure functions; the client adds the lazy SDK load, the per-try timeout (longer for a try allowed a longer
 * answer), retries and usage.
 */
import type { GenerateContentParameters } from "@google/genai";
import { PARAMS } from "../config";
import * as logs from "../jobs/logs";
import type { Logger } from "../util/log";
import { isNonEmptyString } from "../util/object-paths";
import { LlmError, answeredStatus, classifyHttpStatus, credentialFailure, failureMayBeBilled, messageOf } from "./errors";
import { toModelSchema } from "./json-schema";
import { parseJsonText, parseWithSchema, snippet } from "./output";
import { DEFAULT_PRICES, estimateCostUsd, hasPrice, type PriceTable } from "./pricing";
import { withRetry, withTimeout } from "./retry";
import type { LlmClient, LlmRequest, LlmResult, LlmUsage } from "./types";

/** The parts of the SDK's GenerateContentResponse the adapter reads. */
export interface GenerateContentResponseLike {
  candidates?: Array<{
    content?: { parts?: Array<{ text?: string; thought?: boolean }> };
    finishReason?: string;
    finishMessage?: string;
  }>;
  promptFeedback?: { blockReason?: string; blockReasonMessage?: string };
  usageMetadata?: {
    promptTokenCount?: number;
    candidatesTokenCount?: number;
    thoughtsTokenCount?: number;
    totalTokenCount?: number;
  };
}

/** `GoogleGenAI.models`: the one method the adapter calls. */
interface GenerateContentPort {
  generateContent(params: GenerateContentParameters): Promise<GenerateContentResponseLike>;
}

export interface VertexLlmOptions {
  project: string;
  location: string;
  fastModel?: string;
  strongModel?: string;
  /** A try's timeout per OUTPUT_TOKENS_PER_TIMEOUT output tokens it allows (`tryTimeoutMs`; each retry gets a fresh deadline). */
  timeoutMs?: number;
  /** Retries after the first call, for transient errors (429, 5xx, timeouts, network). */
  maxRetries?: number;
  retryBaseDelayMs?: number;
  prices?: PriceTable;
  systemInstruction?: string;
  /** Another endpoint than Vertex AI's regional one (tests: a local fake of the service). */
  baseUrl?: string;
  /** Where the client's warnings go instead of the engine's logger, which adds the running job's fields (tests). */
  log?: (message: string, fields: Record<string, unknown>) => void;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

// The engine passes its configuration; a client built without it gets the same defaults.
const DEFAULT_FAST_MODEL = PARAMS.llmFastModel.defaultValue;
const DEFAULT_STRONG_MODEL = PARAMS.llmStrongModel.defaultValue;
const DEFAULT_TIMEOUT_MS = PARAMS.llmTimeoutMs.defaultValue;
/** The output limit the configured timeout is for: the model writes at its own pace, so a try allowed more gets longer. */
const OUTPUT_TOKENS_PER_TIMEOUT = 4_096;
const DEFAULT_MAX_RETRIES = 3;
const DEFAULT_RETRY_BASE_DELAY_MS = 1_000;
/** Output that fails JSON/schema checks is asked for once more; a second failure is reported as LLM_BAD_OUTPUT. */
const BAD_OUTPUT_RETRIES = 1;
/** Low but not zero: structured answers should be stable, yet a retry after bad output should be able to differ. */
const TEMPERATURE = 0.2;
const DEFAULT_SYSTEM_INSTRUCTION =
  "You are a careful editor of an exercise catalog. Answer with one JSON value that matches the response schema, and nothing else.";

/**
 * The timeout of a try allowed `maxOutputTokens`: `baseMs` per OUTPUT_TOKENS_PER_TIMEOUT tokens, never less than
 * `baseMs`, so a long answer (a repair plan, the retry after a cut-off one) can reach its limit before its deadline.
 */
export function tryTimeoutMs(baseMs: number, maxOutputTokens: number): number {
  return Math.ceil(baseMs * Math.max(1, maxOutputTokens / OUTPUT_TOKENS_PER_TIMEOUT));
}

/** Where undici, Node's fetch, keeps its global dispatcher. */
const UNDICI_GLOBAL_DISPATCHER = Symbol.for("undici.globalDispatcher.1");

interface DispatcherPort {
  dispatch(options: object, handler: unknown): boolean;
}

/**
 * The global dispatcher without undici's own header and body timeouts (300 s), which would cut short a try allowed
 * longer (`tryTimeoutMs`): the try's deadline ends it instead. The SDK sends so when it fetches itself, not through a
 * fetch it is given.
 */
const untimedDispatcher: DispatcherPort = {
  dispatch: (options, handler) =>
    (globalThis as unknown as Record<symbol, DispatcherPort>)[UNDICI_GLOBAL_DISPATCHER].dispatch(
      { ...options, headersTimeout: 0, bodyTimeout: 0 },
      handler,
    ),
};

/** Vertex label values allow lowercase letters, digits, "_" and "-", up to 63 characters. */
function toLabelValue(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9_-]/g, "_")
    .slice(0, 63);
}

/** Gemini 2.5 models take `thinkingConfig.thinkingBudget`; later ones choose a thinking level instead. */
function takesThinkingBudget(model: string): boolean {
  return /^gemini-2\.5-/.test(model);
}

function buildGenerateContentRequest<T>(
  req: LlmRequest<T>,
  model: string,
  maxOutputTokens: number,
  systemInstruction?: string,
): GenerateContentParameters {
  return {
    model,
    contents: [{ role: "user", parts: [{ text: req.prompt }] }],
    config: {
      responseMimeType: "application/json",
      responseJsonSchema: toModelSchema(req.modelSchema ?? req.schema).jsonSchema,
      temperature: TEMPERATURE,
      maxOutputTokens,
      ...(takesThinkingBudget(model) ? { thinkingConfig: { thinkingBudget: req.output.thinkingBudget } } : {}),
      // Labels let billing reports attribute Vertex cost per task.
      labels: { catalog_task: toLabelValue(req.task) },
      ...(systemInstruction ? { systemInstruction } : {}),
    },
  };
}

interface TokenCounts {
  input_tokens: number;
  output_tokens: number;
}

/** Tokens and calls of one generateJson, summed over its retries: the tries that may be billed, answered or cut short (`failureMayBeBilled`). */
type Spent = TokenCounts & { calls: number };

/** Thinking tokens are billed as output, so they count as output here. */
function readTokenCounts(response: GenerateContentResponseLike): TokenCounts {
  const meta = response.usageMetadata ?? {};
  return {
    input_tokens: meta.promptTokenCount ?? 0,
    output_tokens: (meta.candidatesTokenCount ?? 0) + (meta.thoughtsTokenCount ?? 0),
  };
}

/** Finish reasons that mean the model refused; asking again with the same prompt will not help. */
const REFUSAL_FINISH_REASONS = new Set(["SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "LANGUAGE"]);

function withDetail(message: string, detail?: string): string {
  return detail ? `${message}: ${detail}` : message;
}

/**
 * The schema-checked data of a response. Refusals (blocked prompt, safety-like finish reasons) are
 * LLM_REJECTED; an answer cut off at the output limit is LLM_TRUNCATED; everything else that yields
 * no valid JSON (no candidates, not JSON, schema mismatch, an answer the decoder cannot take) is LLM_BAD_OUTPUT.
 */
function parseGenerateContentResponse<T>(response: GenerateContentResponseLike, req: Pick<LlmRequest<T>, "schema" | "modelSchema">): T {
  const feedback = response.promptFeedback;
  if (feedback?.blockReason) {
    throw new LlmError("LLM_REJECTED", withDetail(`prompt blocked (${feedback.blockReason})`, feedback.blockReasonMessage));
  }
  const candidate = response.candidates?.[0];
  if (!candidate) throw new LlmError("LLM_BAD_OUTPUT", "model response has no candidates");
  const finishReason = candidate.finishReason ?? "";
  if (REFUSAL_FINISH_REASONS.has(finishReason)) {
    throw new LlmError("LLM_REJECTED", withDetail(`model stopped (${finishReason})`, candidate.finishMessage));
  }
  if (finishReason === "MAX_TOKENS") {
    const spent = readTokenCounts(response).output_tokens;
    throw new LlmError("LLM_TRUNCATED", `model output was cut off at the output token limit (MAX_TOKENS after ${spent} output tokens)`);
  }
  const text = (candidate.content?.parts ?? [])
    .filter((part) => !part.thought && typeof part.text === "string")
    .map((part) => part.text)
    .join("");
  if (text.trim() === "") throw new LlmError("LLM_BAD_OUTPUT", `model returned no text (finish reason ${finishReason || "none"})`);
  return checkedAnswer(parseJsonText(text), req);
}

/**
 * The model's JSON answer decoded and checked against the request's schema. Anything else that reading it throws is
 * this answer meeting a defect of the reader: bad output too, asked for once more, never taken for an outage retried
 * to the job's deadletter.
 */
function checkedAnswer<T>(answer: unknown, req: Pick<LlmRequest<T>, "schema" | "modelSchema">): T {
  try {
    return parseWithSchema(toModelSchema(req.modelSchema ?? req.schema).decode(answer), req.schema);
  } catch (err) {
    if (err instanceof LlmError) throw err;
    throw new LlmError("LLM_BAD_OUTPUT", `model output could not be read: ${messageOf(err)}`, { cause: err });
  }
}

/** The SDK's ApiError message is the JSON error body; its inner `error.message` is the readable part. */
function apiErrorMessage(message: string): string {
  try {
    const body: unknown = JSON.parse(message);
    const inner = (body as { error?: { message?: unknown } })?.error?.message;
    if (isNonEmptyString(inner)) return inner;
  } catch {
    // not JSON: use as is
  }
  return message;
}

const CREDENTIALS_HINT =
  "Vertex AI uses Application Default Credentials: on Cloud Functions the runtime service account (from the metadata server), " +
  "which needs roles/aiplatform.user; locally `gcloud auth application-default login`";
const MODEL_HINT = `check ${PARAMS.llmFastModel.param.name}, ${PARAMS.llmStrongModel.param.name} and ${PARAMS.llmLocation.param.name}: a retired or misspelled model, or a location without it`;

/** A failure to get credentials (`credentialFailure`) as the adapter reports it: LLM_AUTH, with how it gets them. */
function credentialError(err: unknown): LlmError | null {
  const failure = credentialFailure(err);
  if (failure === null) return null;
  return new LlmError("LLM_AUTH", `Vertex AI credentials unavailable: ${snippet(messageOf(err), 300)} (${CREDENTIALS_HINT})`, {
    transient: failure.transient,
    cause: err,
  });
}

/**
 * A try that failed before its request left, while the SDK got the access token: a deadline passed then is the
 * credential service not answering, an outage worth a retry, reported as credentials; anything else as the SDK's.
 */
function unsentTryFailure(err: unknown, timeoutMs: number): LlmError {
  if (err instanceof LlmError && err.code === "LLM_TIMEOUT") {
    return new LlmError("LLM_AUTH", `Vertex AI credentials unavailable: no access token within ${timeoutMs} ms (${CREDENTIALS_HINT})`, {
      transient: true,
      cause: err,
    });
  }
  return errorFromSdk(err);
}

/** Whether `err` is the request's stop (`LlmRequest.signal`), which ends the call as it is, not as an LLM failure. */
function stoppedBy(req: LlmRequest<unknown>, err: unknown): boolean {
  return req.signal?.aborted === true && err === req.signal.reason;
}

/**
 * Maps whatever the SDK threw to an LlmError: credential failures as LLM_AUTH, Vertex AI's answers
 * (ApiError) by HTTP status, aborts as timeouts, anything else (network failures) as a transient outage.
 */
function errorFromSdk(err: unknown): LlmError {
  return credentialError(err) ?? callFailure(err);
}

/** A failure of the call itself (credentials were had): Vertex AI's answer, a timeout, or the network. */
function callFailure(err: unknown): LlmError {
  if (err instanceof LlmError) return err;
  const message = messageOf(err);
  const status = answeredStatus(err);
  if (status !== undefined) {
    const { code, transient } = classifyHttpStatus(status);
    const hint = code === "LLM_AUTH" ? ` (${CREDENTIALS_HINT})` : code === "LLM_MODEL_NOT_FOUND" ? ` (${MODEL_HINT})` : "";
    return new LlmError(code, `Vertex AI returned HTTP ${status}: ${snippet(apiErrorMessage(message), 300)}${hint}`, {
      transient,
      cause: err,
    });
  }
  // Duck-typed: fetch's DOMException may come from another realm, where `instanceof Error` fails.
  const name = typeof err === "object" && err !== null && "name" in err ? String(err.name) : "";
  if (name === "AbortError" || name === "TimeoutError") {
    return new LlmError("LLM_TIMEOUT", `Vertex AI call aborted: ${message}`, { cause: err });
  }
  return new LlmError("LLM_UNAVAILABLE", `Vertex AI call failed: ${message}`, { cause: err });
}

/** Models already warned about having no price: the warning comes once per model per process. */
const unpricedModelsWarned = new Set<string>();

export class VertexLlmClient implements LlmClient {
  readonly provider = "vertex";
  private modelsPromise?: Promise<GenerateContentPort>;
  /** The options' sink for the client's warnings; without one, the log events write to the engine's logger. */
  private readonly warnings: Pick<Logger, "warn"> | undefined;

  constructor(private readonly options: VertexLlmOptions) {
    this.warnings = options.log && { warn: options.log };
  }

  async generateJson<T>(req: LlmRequest<T>): Promise<LlmResult<T>> {
    const model =
      req.tier === "strong" ? (this.options.strongModel ?? DEFAULT_STRONG_MODEL) : (this.options.fastModel ?? DEFAULT_FAST_MODEL);
    const prices = this.options.prices ?? DEFAULT_PRICES;
    this.warnIfUnpriced(model, prices);
    const startedAt = Date.now();
    const spent: Spent = { input_tokens: 0, output_tokens: 0, calls: 0 };
    const usage = (): LlmUsage => ({
      model,
      ...spent,
      latency_ms: Date.now() - startedAt,
      estimated_cost_usd: estimateCostUsd(model, spent.input_tokens, spent.output_tokens, prices),
    });
    try {
      return { data: await this.answerWithinBudget(req, model, spent), usage: usage() };
    } catch (err) {
      if (stoppedBy(req, err)) {
        req.onStopped?.(usage());
        throw err;
      }
      const failure = errorFromSdk(err);
      failure.usage = usage();
      throw failure;
    }
  }

  /** An answer cut off at the limit would be cut off again: it is asked for once more, with the call kind's higher limit. */
  private async answerWithinBudget<T>(req: LlmRequest<T>, model: string, spent: Spent): Promise<T> {
    try {
      return await this.answer(req, model, req.output.maxOutputTokens, spent);
    } catch (err) {
      if (!(err instanceof LlmError) || err.code !== "LLM_TRUNCATED") throw err;
      logs.llmOutputTruncated(req.task, model, req.output.retryMaxOutputTokens, this.warnings);
      return this.answer(req, model, req.output.retryMaxOutputTokens, spent);
    }
  }

  /** One answer under one output limit, with retries for outages and one for bad output. */
  private answer<T>(req: LlmRequest<T>, model: string, maxOutputTokens: number, spent: Spent): Promise<T> {
    const request = buildGenerateContentRequest(req, model, maxOutputTokens, this.options.systemInstruction ?? DEFAULT_SYSTEM_INSTRUCTION);
    // A request's own timeout is fixed; the configured one grows with the output the try allows.
    const timeoutMs = req.timeoutMs ?? tryTimeoutMs(this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS, maxOutputTokens);
    let badOutputs = 0;
    return withRetry(
      async () => {
        const models = await this.models();
        // Only a try whose HTTP request left may be billed: the SDK gets the access token first, then fetches.
        let sent = false;
        const send = (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
          sent = true;
          return fetch(input, { ...init, dispatcher: untimedDispatcher as RequestInit["dispatcher"] });
        };
        const response = await withTimeout(
          (signal) =>
            models.generateContent({ ...request, config: { ...request.config, abortSignal: signal, httpOptions: { fetch: send } } }),
          timeoutMs,
          req.signal,
        ).catch((err: unknown) => {
          if (stoppedBy(req, err)) {
            // A try the stop cut short may have been billed; one it came before was never sent.
            if (sent) spent.calls++;
            throw err;
          }
          const failure = sent ? errorFromSdk(err) : unsentTryFailure(err, timeoutMs);
          if (sent && failureMayBeBilled(failure)) spent.calls++;
          throw failure;
        });
        spent.calls++;
        // Counted before parsing: tokens of an answer that fails the schema are billed all the same.
        const tokens = readTokenCounts(response);
        spent.input_tokens += tokens.input_tokens;
        spent.output_tokens += tokens.output_tokens;
        return parseGenerateContentResponse(response, req);
      },
      {
        maxAttempts: (this.options.maxRetries ?? DEFAULT_MAX_RETRIES) + 1,
        baseDelayMs: this.options.retryBaseDelayMs ?? DEFAULT_RETRY_BASE_DELAY_MS,
        shouldRetry: (err) => err.transient || (err.code === "LLM_BAD_OUTPUT" && ++badOutputs <= BAD_OUTPUT_RETRIES),
        onRetry: (err, llmTry, delayMs) => logs.llmCallRetried(req.task, model, llmTry, err, delayMs, this.warnings),
        sleep: this.options.sleep,
        random: this.options.random,
        stop: req.signal,
      },
    );
  }

  /** A model without a price would cost 0 in every usage figure: said once, not failed, as the calls themselves work. */
  private warnIfUnpriced(model: string, prices: PriceTable): void {
    if (unpricedModelsWarned.has(model) || hasPrice(model, prices)) return;
    unpricedModelsWarned.add(model);
    logs.llmModelUnpriced(model, this.warnings);
  }

  /** The SDK is loaded on first use, so processes that run the fake never load it at cold start. */
  private models(): Promise<GenerateContentPort> {
    const { project, location, baseUrl } = this.options;
    this.modelsPromise ??= import("@google/genai")
      .then(
        ({ GoogleGenAI }) =>
          new GoogleGenAI({ vertexai: true, project, location, ...(baseUrl ? { httpOptions: { baseUrl } } : {}) }).models,
      )
      .catch((err: unknown) => {
        this.modelsPromise = undefined; // let the next call try again
        throw err;
      });
    return this.modelsPromise;
  }
}
