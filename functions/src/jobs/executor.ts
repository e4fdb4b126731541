/**
 * The executor: routes a leased job to the handler registered for its type. Handlers return an
 * outcome (complete or defer) or throw a `JobFailure`; the worker turns that into the job's status.
 */
import type { Firestore } from "firebase-admin/firestore";
import type { PlanRepairer } from "../apply/run-plan";
import type { EngineConfig } from "../config";
import type { LlmClient } from "../llm/types";
import type { AttemptRecorder } from "./attempt-log";
import type { JobContext } from "./context";
import { JobFailure } from "./errors";
import type { LockManager } from "./locks";
import type { Job, JobErrorInfo, JobOf, JobType, ResultSummary } from "./model";
import type { JobQueue, Lease } from "./queue";

/** What handlers may use. One instance per process; clients inside are created lazily. */
export interface EngineDeps {
  db: Firestore;
  queue: JobQueue;
  locks: LockManager;
  config: EngineConfig;
  /** The LLM client, created on first use so jobs that don't need it never load an SDK. */
  llm(): LlmClient;
  now(): Date;
  /** Revises a plan that failed validation (the LLM repair loop); without it such a plan goes to review at once. */
  repairPlan?: PlanRepairer;
}

export interface HandlerInput<T extends JobType> {
  job: JobOf<T>;
  lease: Lease;
  /** Also available anywhere below through `currentJobContext()`. */
  ctx: JobContext;
  deps: EngineDeps;
  attempt: AttemptRecorder;
}

export type HandlerOutcome =
  | {
      kind: "completed";
      status: "succeeded" | "succeeded_dry_run" | "needs_review" | "cancelled";
      summary: ResultSummary;
      error?: JobErrorInfo;
    }
  | {
      /** Wait without using up an attempt (a parent waiting for its shards). */
      kind: "deferred";
      until: Date;
      reason: { code: string; message: string; details?: unknown };
      summary?: ResultSummary;
    };

export interface JobHandler<T extends JobType> {
  /** Lock keys (see `familyLockKey`) of every family the job touches; taken before `run`. */
  lockKeys?(job: JobOf<T>, deps: EngineDeps): string[] | Promise<string[]>;
  run(input: HandlerInput<T>): Promise<HandlerOutcome>;
}

export type HandlerRegistry = { [T in JobType]?: JobHandler<T> };

export class Executor {
  constructor(private readonly registry: HandlerRegistry) {}

  handlerFor<T extends JobType>(type: T): JobHandler<T> {
    const handler = this.registry[type] as JobHandler<T> | undefined;
    if (!handler) throw JobFailure.permanent("UNSUPPORTED_JOB_TYPE", `no handler is registered for job type ${type}`);
    return handler;
  }

  async lockKeys(job: Job, deps: EngineDeps): Promise<string[]> {
    const handler = this.handlerFor(job.type) as JobHandler<JobType>;
    return handler.lockKeys ? handler.lockKeys(job as JobOf<JobType>, deps) : [];
  }

  async execute(input: HandlerInput<JobType>): Promise<HandlerOutcome> {
    const handler = this.handlerFor(input.job.type) as JobHandler<JobType>;
    return handler.run(input);
  }
}
