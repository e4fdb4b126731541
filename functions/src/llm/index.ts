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

export type { LlmClient, LlmUsage } from "./types";
export { LlmError } from "./errors";
export { estimateCostUsd, resolvePriceTable } from "./pricing";
export { FakeLlmClient, type FakeScriptStep } from "./fake";
export { VertexLlmClient } from "./vertex";
