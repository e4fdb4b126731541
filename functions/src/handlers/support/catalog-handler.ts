/**
 * What every catalog handler is built from: the services the composition root gives them, and
 * `catalogHandler`, which types a handler's input by its payload schema.
 */
import type { Firestore } from "firebase-admin/firestore";
import type { z } from "zod";
import type { PlanDeps, PlanRepairer } from "../../apply/run-plan";
import type { EngineConfig } from "../../config";
import type { HandlerInput, JobHandler, PayloadSchema } from "../../jobs/handler";
import type { LlmError } from "../../llm/errors";
import type { LlmClient } from "../../llm/types";

export interface CatalogDeps extends PlanDeps {
  db: Firestore;
  config: EngineConfig;
  now: () => Date;
  /** The LLM client, created on first use so jobs that don't need it never load an SDK. */
  llm(): LlmClient;
  /**
   * LLM_NOT_CONFIGURED when this deployment has no LLM to use (see create-engine), else undefined.
   * LLM jobs ask before any work that would be wasted without one.
   */
  llmNotConfigured(): LlmError | undefined;
  repairPlan?: PlanRepairer;
}

export type CatalogHandler<S extends PayloadSchema = PayloadSchema> = JobHandler<S, CatalogDeps>;

/** The input of the catalog handler whose payload schema is `S`. */
export type CatalogInput<S extends PayloadSchema> = HandlerInput<z.output<S>, CatalogDeps>;

/** Declares a handler; its `run` sees the payload its schema parses to. */
export function catalogHandler<S extends PayloadSchema>(handler: CatalogHandler<S>): CatalogHandler<S> {
  return handler;
}

/** The lock key of a family: jobs that change a family take it before they run. */
export function familyLockKey(familySlug: string): string {
  return `family:${familySlug}`;
}
