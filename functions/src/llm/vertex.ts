/**
 * Vertex AI Gemini adapter over the Google Gen AI SDK (`@google/genai`, Vertex mode). The request
 * building, response parsing and error mapping are pure functions; the client adds the lazy SDK
 * load, a per-call timeout, retries and usage accounting.
 */
import type { GenerateContentParameters } from "@google/genai";
import * as logger from "firebase-functions/logger";
import type { z } from "zod";
import { LlmError, classifyHttpStatus } from "./errors";
import { toModelJsonSchema } from "./json-schema";
import { parseJsonText, parseWithSchema, snippet } from "./output";
import { DEFAULT_PRICES, estimateCostUsd, type PriceTable } from "./pricing";
import { withRetry, withTimeout } from "./retry";
import type { LlmClient, LlmRequest, LlmResult, LlmUsage } from "./types";

/** The parts of the SDK's GenerateContentResponse the adapter reads (plain JSON fixtures satisfy it too). */
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

/** `GoogleGenAI.models`, or a stand-in injected by tests. */
export interface GenerateContentPort {
  generateContent(params: GenerateContentParameters): Promise<GenerateContentResponseLike>;
}

export interface VertexLlmOptions {
  project: string;
  location: string;
  fastModel?: string;
  strongModel?: string;
  /** Per model call (each retry gets a fresh deadline). */
  timeoutMs?: number;
  /** Retries after the first call, for transient errors (429, 5xx, timeouts, network). */
  maxRetries?: number;
  retryBaseDelayMs?: number;
  prices?: PriceTable;
  systemInstruction?: string;
  /** Stand-in for the SDK (tests); when absent the SDK is loaded and the client created on the first call. */
  models?: GenerateContentPort;
  log?: (message: string, fields: Record<string, unknown>) => void;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

export const DEFAULT_FAST_MODEL = "gemini-2.5-flash";
export const DEFAULT_STRONG_MODEL = "gemini-2.5-pro";
const DEFAULT_TIMEOUT_MS = 90_000;
const DEFAULT_MAX_RETRIES = 3;
const DEFAULT_RETRY_BASE_DELAY_MS = 1_000;
/** Output that fails JSON/schema checks is asked for once more; a second failure is reported as LLM_BAD_OUTPUT. */
const BAD_OUTPUT_RETRIES = 1;
/** Low but not zero: structured answers should be stable, yet a retry after bad output should be able to differ. */
const TEMPERATURE = 0.2;
export const DEFAULT_SYSTEM_INSTRUCTION =
  "You are a careful editor of an exercise catalog. Answer with one JSON value that matches the response schema, and nothing else.";

/** Vertex label values allow lowercase letters, digits, "_" and "-", up to 63 characters. */
function toLabelValue(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9_-]/g, "_")
    .slice(0, 63);
}

export function buildGenerateContentRequest<T>(req: LlmRequest<T>, model: string, systemInstruction?: string): GenerateContentParameters {
  return {
    model,
    contents: [{ role: "user", parts: [{ text: req.prompt }] }],
    config: {
      responseMimeType: "application/json",
      responseJsonSchema: toModelJsonSchema(req.schema),
      temperature: TEMPERATURE,
      // Labels let billing reports attribute Vertex cost per task.
      labels: { catalog_task: toLabelValue(req.task) },
      ...(systemInstruction ? { systemInstruction } : {}),
    },
  };
}

export interface TokenCounts {
  input_tokens: number;
  output_tokens: number;
}

/** Thinking tokens are billed as output, so they count as output here. */
export function readTokenCounts(response: GenerateContentResponseLike): TokenCounts {
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
 * LLM_REJECTED; everything else that yields no valid JSON (no candidates, truncated at MAX_TOKENS,
 * not JSON, schema mismatch) is LLM_BAD_OUTPUT.
 */
export function parseGenerateContentResponse<T>(
  response: GenerateContentResponseLike,
  schema: z.ZodType<T>,
): { data: T; tokens: TokenCounts } {
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
    throw new LlmError("LLM_BAD_OUTPUT", "model output was cut off at the output token limit (MAX_TOKENS)");
  }
  const text = (candidate.content?.parts ?? [])
    .filter((part) => !part.thought && typeof part.text === "string")
    .map((part) => part.text)
    .join("");
  if (text.trim() === "") throw new LlmError("LLM_BAD_OUTPUT", `model returned no text (finish reason ${finishReason || "none"})`);
  return { data: parseWithSchema(parseJsonText(text), schema), tokens: readTokenCounts(response) };
}

/** The SDK's ApiError message is the JSON error body; its inner `error.message` is the readable part. */
function apiErrorMessage(message: string): string {
  try {
    const body: unknown = JSON.parse(message);
    const inner = (body as { error?: { message?: unknown } })?.error?.message;
    if (typeof inner === "string" && inner !== "") return inner;
  } catch {
    // not JSON: use as is
  }
  return message;
}

/**
 * Maps whatever the SDK threw to an LlmError: ApiError by HTTP status, aborts as timeouts, anything
 * else (network failures, auth hiccups) as a transient outage — bounded retries, then deadletter.
 */
export function errorFromSdk(err: unknown): LlmError {
  if (err instanceof LlmError) return err;
  const message = err instanceof Error ? err.message : String(err);
  const status = (err as { status?: unknown } | null)?.status;
  if (typeof status === "number") {
    const { code, transient } = classifyHttpStatus(status);
    return new LlmError(code, `Vertex AI returned HTTP ${status}: ${snippet(apiErrorMessage(message), 300)}`, { transient, cause: err });
  }
  // Duck-typed: fetch's DOMException may come from another realm, where `instanceof Error` fails.
  const name = typeof err === "object" && err !== null && "name" in err ? String(err.name) : "";
  if (name === "AbortError" || name === "TimeoutError") {
    return new LlmError("LLM_TIMEOUT", `Vertex AI call aborted: ${message}`, { cause: err });
  }
  return new LlmError("LLM_UNAVAILABLE", `Vertex AI call failed: ${message}`, { cause: err });
}

export class VertexLlmClient implements LlmClient {
  readonly provider = "vertex";
  private modelsPromise?: Promise<GenerateContentPort>;

  constructor(private readonly options: VertexLlmOptions) {}

  async generateJson<T>(req: LlmRequest<T>): Promise<LlmResult<T>> {
    const model =
      req.tier === "strong" ? (this.options.strongModel ?? DEFAULT_STRONG_MODEL) : (this.options.fastModel ?? DEFAULT_FAST_MODEL);
    const request = buildGenerateContentRequest(req, model, this.options.systemInstruction ?? DEFAULT_SYSTEM_INSTRUCTION);
    const timeoutMs = req.timeoutMs ?? this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const startedAt = Date.now();
    const spent: TokenCounts & { calls: number } = { input_tokens: 0, output_tokens: 0, calls: 0 };
    const usage = (): LlmUsage => ({
      model,
      ...spent,
      latency_ms: Date.now() - startedAt,
      estimated_cost_usd: estimateCostUsd(model, spent.input_tokens, spent.output_tokens, this.options.prices ?? DEFAULT_PRICES),
    });
    let badOutputs = 0;
    try {
      const data = await withRetry(
        async () => {
          const models = await this.models();
          spent.calls++;
          const response = await withTimeout(
            (signal) => models.generateContent({ ...request, config: { ...request.config, abortSignal: signal } }),
            timeoutMs,
          ).catch((err: unknown) => {
            throw errorFromSdk(err);
          });
          // Counted before parsing: tokens of an answer that fails the schema are billed all the same.
          const tokens = readTokenCounts(response);
          spent.input_tokens += tokens.input_tokens;
          spent.output_tokens += tokens.output_tokens;
          return parseGenerateContentResponse(response, req.schema).data;
        },
        {
          maxAttempts: (this.options.maxRetries ?? DEFAULT_MAX_RETRIES) + 1,
          baseDelayMs: this.options.retryBaseDelayMs ?? DEFAULT_RETRY_BASE_DELAY_MS,
          shouldRetry: (err) => err.transient || (err.code === "LLM_BAD_OUTPUT" && ++badOutputs <= BAD_OUTPUT_RETRIES),
          onRetry: (err, attempt, delayMs) =>
            (this.options.log ?? logger.warn)("llm call retry", {
              task: req.task,
              model,
              attempt,
              code: err.code,
              delay_ms: delayMs,
              message: err.message,
            }),
          sleep: this.options.sleep,
          random: this.options.random,
        },
      );
      return { data, usage: usage() };
    } catch (err) {
      const failure = errorFromSdk(err);
      failure.usage = usage();
      throw failure;
    }
  }

  /** The SDK is loaded on first use, so processes that run the fake never load it at cold start. */
  private models(): Promise<GenerateContentPort> {
    if (this.options.models) return Promise.resolve(this.options.models);
    this.modelsPromise ??= import("@google/genai")
      .then(({ GoogleGenAI }) => new GoogleGenAI({ vertexai: true, project: this.options.project, location: this.options.location }).models)
      .catch((err: unknown) => {
        this.modelsPromise = undefined; // let the next call try again
        throw err;
      });
    return this.modelsPromise;
  }
}
