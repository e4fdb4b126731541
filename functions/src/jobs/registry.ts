/** Every handler the engine has, by job type. Job types without a handler fail with UNSUPPORTED_JOB_TYPE. */
import type { HandlerRegistry } from "./executor";
import { catalogHandlers } from "./handlers";
import { llmHandlers } from "./handlers-llm";

export const allHandlers: HandlerRegistry = { ...catalogHandlers, ...llmHandlers };
