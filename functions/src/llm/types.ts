/**
 * The LLM port: one small interface the engine talks to, implemented by the Vertex AI Gemini adapter
 * (`vertex.ts`) and by a deterministic fake (`fake.ts`) used for local runs and tests.
 */
import type { z } from "zod";
import type { LlmCallUsage } from "../jobs/attempt-log";

export type ModelTier = "fast" | "strong";

/** How much a call may produce; one per call kind (src/enrichment/llm-calls.ts). */
export interface OutputBudget {
  /** Output tokens of one answer, thinking included on models that think. */
  maxOutputTokens: number;
  /** The limit of the one retry after an answer was cut off at `maxOutputTokens`. */
  retryMaxOutputTokens: number;
  /** Thinking tokens, on models that take a thinking budget (Gemini 2.5). */
  thinkingBudget: number;
}

export interface LlmRequest<T> {
  /** e.g. "enrich_exercise", "repair_plan"; used by the fake for routing and in logs. */
  task: string;
  prompt: string;
  /** Output is parsed and checked against this; the JSON schema sent to the model is derived from it. */
  schema: z.ZodType<T>;
  /**
   * A stricter shape to ask the model for, when `schema` is more tolerant than the model should be
   * told (the model's answer is checked against `schema` all the same).
   */
  modelSchema?: z.ZodType;
  output: OutputBudget;
  /** Default "fast". */
  tier?: ModelTier;
  /** A fixed timeout of each try, outranking the client's (which grows with the output a try allows). */
  timeoutMs?: number;
  /**
   * A stop that outranks the call (the job's lost lease, its run's deadline): once it fires no try or
   * backoff starts, a try under way is abandoned, and the call rejects with the signal's reason.
   */
  signal?: AbortSignal;
  /**
   * Told what the call spent when the stop ends it (its reason carries no usage): the tries before it
   * that may have been billed, the one it cut short included.
   */
  onStopped?: (usage: LlmUsage) => void;
  /** Structured inputs (e.g. `{exercise}`) that the fake uses; the Vertex adapter ignores it. */
  context?: Record<string, unknown>;
}

/** What one request cost: the attempt log records it as the client reports it, so the engine's type is the port's. */
export type LlmUsage = LlmCallUsage;

export interface LlmResult<T> {
  data: T;
  usage: LlmUsage;
}

export interface LlmClient {
  readonly provider: "fake" | "vertex";
  generateJson<T>(req: LlmRequest<T>): Promise<LlmResult<T>>;
}
