/**
 * The LLM port's entry point: `createLlmClient` picks the provider from configuration. Importing this
 * module never loads `@google/genai`; the Vertex adapter loads it on its first call.
 */
import { FakeLlmClient, type FakeLlmOptions } from "./fake";
import type { LlmClient } from "./types";
import { VertexLlmClient, type VertexLlmOptions } from "./vertex";

export type LlmClientConfig = ({ provider: "fake" } & FakeLlmOptions) | ({ provider: "vertex" } & VertexLlmOptions);

export function createLlmClient(config: LlmClientConfig): LlmClient {
  switch (config.provider) {
    case "fake":
      return new FakeLlmClient(config);
    case "vertex":
      return new VertexLlmClient(config);
  }
}

export type { LlmClient, LlmRequest, LlmResult, LlmUsage, ModelTier } from "./types";
export { LlmError, classifyHttpStatus, type LlmErrorCode } from "./errors";
export { DEFAULT_PRICES, EMPTY_USAGE, addUsage, estimateCostUsd, resolvePriceTable, type ModelPrice, type PriceTable } from "./pricing";
export { FakeLlmClient, type FakeError, type FakeLlmCall, type FakeLlmOptions, type FakeScriptStep } from "./fake";
export { DEFAULT_FAST_MODEL, DEFAULT_STRONG_MODEL, VertexLlmClient, type VertexLlmOptions } from "./vertex";
