/**
 * The composition root: builds the engine (queue, locks, executor, worker, run history, watchdog
 * hooks) from a Firestore client, a task queue port and configuration. Cloud Functions, the local
 * runtime, the CLI and tests all assemble the engine here, so they run the same code.
 */
import type { Firestore } from "firebase-admin/firestore";
import type { EngineConfig } from "./config";
import { ShardFanIn } from "./jobs/flows";
import { llmPlanRepairer } from "./enrichment/repair";
import { createLlmClient, resolvePriceTable, type LlmClient } from "./llm/index";
import { Executor, type EngineDeps, type HandlerRegistry } from "./jobs/executor";
import { allHandlers } from "./handlers";
import { acceptJob, type IntakeResult } from "./jobs/intake";
import { LockManager } from "./jobs/locks";
import type { Lane } from "./jobs/model";
import { JobQueue, newWorkerId } from "./jobs/queue";
import { RunHistory } from "./jobs/run-history";
import { Worker } from "./jobs/worker";
import type { TaskQueuePort } from "./jobs/task-queue";

export interface EngineOptions {
  db: Firestore;
  config: EngineConfig;
  tasks: TaskQueuePort;
  /** Google Cloud project (for the Vertex AI client). */
  project?: string;
  /** Handlers by job type; defaults to every handler the engine has. */
  registry?: HandlerRegistry;
  /** An LLM client to use instead of the configured one (tests, the local runtime). */
  llm?: LlmClient;
  now?: () => Date;
  random?: () => number;
}

export interface Engine {
  deps: EngineDeps;
  executor: Executor;
  history: RunHistory;
  tasks: TaskQueuePort;
  /** A worker with its own id (one per concurrent task invocation is fine; they share clients). */
  worker(workerId?: string): Worker;
  /** The onDocumentCreated step for a new job document. */
  intake(jobId: string, createdBy: string): Promise<IntakeResult>;
  /**
   * The enrichment fan-in for the watchdog: wakes a waiting parent whose shards all finished, so a
   * worker leases it and completes it; true when it was woken.
   */
  completeParent: (parentJobId: string) => Promise<boolean>;
  /** The task handler's step: run ready jobs of the lane. */
  runLane(lane: Lane, limits?: { maxJobs: number; budgetMs: number }): Promise<Awaited<ReturnType<Worker["drain"]>>>;
}

/** Limits of one wake-up: a few jobs at most, well inside a task's dispatch deadline. */
export const DEFAULT_WAKEUP_LIMITS = { maxJobs: 5, budgetMs: 120_000 };

export function createEngine(options: EngineOptions): Engine {
  const { db, config } = options;
  const now = options.now ?? (() => new Date());
  const queue = new JobQueue(db, {
    now,
    random: options.random,
    leaseMs: config.leaseMs,
    backoff: { baseMs: config.backoffBaseMs, factor: 2, maxMs: config.backoffMaxMs },
  });
  const locks = new LockManager(db, now, config.leaseMs);
  let llm = options.llm;
  const deps: EngineDeps = {
    db,
    queue,
    locks,
    config,
    now,
    llm() {
      llm ??= createLlmClient(
        config.llm.provider === "vertex"
          ? {
              provider: "vertex",
              project: options.project ?? process.env.GCLOUD_PROJECT ?? "",
              location: config.llm.location,
              fastModel: config.llm.fastModel,
              strongModel: config.llm.strongModel,
              timeoutMs: config.llm.timeoutMs,
              prices: resolvePriceTable(config.llm.pricesJson),
            }
          : { provider: "fake" },
      );
      return llm;
    },
    repairPlan: llmPlanRepairer(),
  };
  const executor = new Executor(options.registry ?? allHandlers);
  const history = new RunHistory(db, options.random);
  const fanIn = new ShardFanIn({ queue, tasks: options.tasks, now });
  const worker = (workerId = newWorkerId()) =>
    new Worker(deps, executor, history, options.tasks, {
      workerId,
      heartbeatMs: config.heartbeatMs,
      lockRetryMs: config.lockRetryMs,
      onJobFinished: (job, status) => fanIn.onJobFinished(job, status),
    });
  return {
    deps,
    executor,
    history,
    tasks: options.tasks,
    worker,
    intake: (jobId, createdBy) => acceptJob(queue, options.tasks, jobId, createdBy),
    completeParent: (parentJobId) => fanIn.wakeParent(parentJobId),
    runLane: (lane, limits = DEFAULT_WAKEUP_LIMITS) => worker().drain([lane], limits),
  };
}
