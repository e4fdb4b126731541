/**
 * The composition root: the one place that joins the engine (`jobs/`) with the catalog's job
 * types (`handlers/`) and their services (LLM, plan repair). Cloud Functions, the local runtime,
 * the CLI and tests all assemble the engine here, so they run the same code; the CLI, the
 * adapters and the console's callable functions act through the use cases it returns.
 */
import type { DocumentSnapshot, Firestore } from "firebase-admin/firestore";
import { APPLY_COLLECTIONS } from "./apply/collections";
import { type JobRevertResult, type RevertResult, revertChange, revertJob } from "./apply/journal";
import { type EngineConfig, PARAMS, namedProject } from "./config";
import { llmPlanRepairer } from "./enrichment/repair";
import { registry as catalogRegistry } from "./handlers";
import type { CatalogDeps } from "./handlers/support/catalog-handler";
import { CandidatePool } from "./jobs/candidates";
import { ChildrenNotCancelledError } from "./jobs/errors";
import { JobFlows, type OperatorCancel } from "./jobs/flows";
import { type IntakeResult, type WakeupOutcome, acceptJob, sendWakeup } from "./jobs/intake";
import { LockManager } from "./jobs/locks";
import * as logs from "./jobs/logs";
import type { Lane } from "./jobs/model";
import { JobQueue, newWorkerId, retryBackoff } from "./jobs/queue";
import type { JobRegistry } from "./jobs/registry";
import { RunHistory } from "./jobs/run-history";
import {
  type ReceivedWakeup,
  type TaskQueuePort,
  WAKEUP_LIMITS,
  continuationOf,
  wakeupAfterEarlyArrival,
  wakeupFor,
} from "./jobs/task-queue";
import { Watchdog, type WatchdogReport } from "./jobs/watchdog";
import { type DrainLimits, type DrainStop, type RunReport, Worker } from "./jobs/worker";
import { LlmError, createLlmClient, resolvePriceTable, type LlmClient } from "./llm";
import { LANE_TASK_STOP_RUNS_AFTER_SECONDS } from "./tasks/lanes";

/** A lane task runs a wake-up's few jobs, and stops the last of them before the function's timeout cuts it off. */
export const LANE_TASK_LIMITS: DrainLimits = { ...WAKEUP_LIMITS, stopRunsAfterMs: LANE_TASK_STOP_RUNS_AFTER_SECONDS * 1000 };

/**
 * The drain's stops at its limits (its jobs, its time), which may leave the wake-up's job waiting. A lane task's run
 * deadline comes long after its budget, so it never stops the drain first.
 */
const STOPS_AT_WAKEUP_LIMITS: ReadonlySet<DrainStop> = new Set(["max_jobs", "budget"]);

export interface EngineOptions {
  db: Firestore;
  config: EngineConfig;
  tasks: TaskQueuePort;
  /** Google Cloud project (for the Vertex AI client). */
  project?: string;
  /** The job types; defaults to every catalog job type. */
  registry?: JobRegistry<CatalogDeps>;
  /** An LLM client to use instead of the configured one (tests, the local runtime). */
  llm?: LlmClient;
  /**
   * Running as deployed Cloud Functions (not the emulator, the local runtime, the CLI or tests):
   * there the fake LLM is refused unless LLM_ALLOW_FAKE, so a forgotten LLM_PROVIDER never writes
   * made-up content to the catalog.
   */
  deployed?: boolean;
  now?: () => Date;
  random?: () => number;
}

export interface Engine {
  db: Firestore;
  config: EngineConfig;
  queue: JobQueue;
  registry: JobRegistry<CatalogDeps>;
  history: RunHistory;
  tasks: TaskQueuePort;
  now: () => Date;
  /** A worker with its own id (one per concurrent task invocation is fine; they share clients). */
  worker(workerId?: string): Worker<CatalogDeps>;
  /** The onDocumentCreated step for a new job document: the snapshot the trigger delivered, or its id. */
  intake(delivered: DocumentSnapshot | string, createdBy: string): Promise<IntakeResult>;
  /** Whether this process already leased the job since its epoch was `epoch` (a wake-up asked for then is served). */
  served(jobId: string, epoch: number): boolean;
  /** Runs ready jobs of the lane, within `limits` (by default a wake-up's). */
  runLane(lane: Lane, limits?: DrainLimits): Promise<RunReport[]>;
  /**
   * A lane task's step: runs the lane's ready jobs (poll → lease → execute) in lane order until the
   * wake-up's job is accounted for: leased here, or no longer waiting (see `Worker.drain`). The named
   * job need not be the one that runs: the lease decides, so a duplicated or early task runs nothing
   * twice. Two wake-ups run nothing and read nothing: one that arrived before the `run_after` it was
   * scheduled for (its payload says which) asks for a wake-up at the right time; one whose job this
   * process already leased since the wake-up was asked for is served (an earlier task ran it along
   * with its own). A drain that stopped at its limits before its job was accounted for asks for a
   * continuation, which stands in for the wake-up.
   */
  handleWakeup(lane: Lane, wakeup: ReceivedWakeup, limits?: DrainLimits): Promise<RunReport[]>;
  /**
   * An operator re-runs a finished job: it is queued again and its lane woken (a wake-up not sent
   * is returned, not thrown: the job is queued). A parent's unsuccessful children are re-run with
   * it and its succeeded ones kept (`JobFlows.requeueChildren`). `resumesPlan`: the frozen plan the
   * job resumes (`JobQueue.requeueIn` keeps it), or null when it plans again.
   */
  retry(jobId: string): Promise<WakeupOutcome & { childrenRequeued: number; resumesPlan: string | null }>;
  /**
   * An operator cancels a job: a waiting one at once, a running one at its next safe point, and
   * its open children with it.
   */
  cancel(jobId: string): Promise<OperatorCancel>;
  /** An operator reverts a change from the journal. */
  revert(changeId: string, revertedBy?: string): Promise<RevertResult>;
  /** An operator reverts all of a job's changes, newest first, once none is refused (`revertJob`). */
  revertJob(jobId: string, revertedBy?: string): Promise<JobRevertResult>;
  /** One watchdog sweep; `runId` names its report (a re-delivered schedule event passes the same one). */
  runWatchdog(runId?: string): Promise<WatchdogReport>;
}

/**
 * Why LLM jobs may not run here, if they may not: deployed functions left on the fake LLM (the
 * default) without LLM_ALLOW_FAKE. Reads the params, so an invalid one fails the asking job with
 * CONFIG_INVALID.
 */
function refusedFakeLlm(config: EngineConfig, deployed: boolean): LlmError | undefined {
  if (!deployed || config.llmProvider !== "fake" || config.llmAllowFake) return undefined;
  return new LlmError(
    "LLM_NOT_CONFIGURED",
    `no LLM is configured for the deployed functions: set ${PARAMS.llmProvider.param.name}=vertex, ` +
      `or ${PARAMS.llmAllowFake.param.name}=true to run LLM jobs on the deterministic fake`,
  );
}

export function createEngine(options: EngineOptions): Engine {
  const { db, config, tasks } = options;
  const now = options.now ?? (() => new Date());
  const registry = options.registry ?? catalogRegistry;
  // Read now, as the lease settings are: every attempt's end needs them, outside any handler, where a
  // param that does not parse could only leave the job running.
  const retention = { jobsMs: config.retainJobsMs, historyMs: config.retainHistoryMs, watchdogReportsMs: config.retainWatchdogReportsMs };
  // And the journal's, though only applying reads it: a job resuming its half-applied plan would fail on it, half its
  // change written, and its retry would plan afresh from that half-changed catalog.
  void config.retainJournalMs;
  // And the worker's: a param every job's run needs fails every function alike, not the lane tasks alone.
  const { heartbeatMs, lockRetryMs } = config;
  const queue = new JobQueue(db, {
    types: registry,
    now,
    random: options.random,
    leaseMs: config.leaseMs,
    backoff: retryBackoff(config.backoffBaseMs, config.backoffMaxMs),
    retention,
  });
  const locks = new LockManager(db, now, config.leaseMs, retention.jobsMs);
  const flows = new JobFlows(db, queue, tasks);
  const history = new RunHistory(db);
  const candidates = new CandidatePool(queue, options.random ? { random: options.random } : {});
  let llm = options.llm;
  const vertexProject = () => options.project ?? namedProject() ?? "";
  // Without a project the SDK fails every call with an error like an outage's, retried to deadletter.
  const vertexWithoutProject = () =>
    llm === undefined && config.llmProvider === "vertex" && vertexProject() === ""
      ? new LlmError(
          "LLM_NOT_CONFIGURED",
          "Vertex AI needs a project: set GCLOUD_PROJECT (or GOOGLE_CLOUD_PROJECT) to one with Vertex AI enabled",
        )
      : undefined;
  // What the handlers ask before they queue work that only an LLM can do (and what the repair loop asks).
  const llmNotConfigured = () => refusedFakeLlm(config, options.deployed ?? false) ?? vertexWithoutProject();
  const lazyLlm = (): LlmClient => {
    const notConfigured = llmNotConfigured();
    if (notConfigured) throw notConfigured;
    llm ??= createLlmClient(
      config.llmProvider === "vertex"
        ? {
            provider: "vertex",
            project: vertexProject(),
            location: config.llmLocation,
            fastModel: config.llmFastModel,
            strongModel: config.llmStrongModel,
            timeoutMs: config.llmTimeoutMs,
            prices: resolvePriceTable(config.llmPricesJson),
          }
        : { provider: "fake" },
    );
    return llm;
  };
  const repairPlan = llmPlanRepairer(lazyLlm);
  const deps: CatalogDeps = {
    db,
    config,
    now,
    llm: lazyLlm,
    llmNotConfigured,
    // Read when a plan fails validation: without an LLM it goes to review with its errors, unrepaired.
    get repairPlan() {
      return llmNotConfigured() ? undefined : repairPlan;
    },
  };
  const worker = (workerId = newWorkerId()) =>
    new Worker(
      { queue, candidates, locks, registry, flows, tasks, deps, now, random: options.random },
      { workerId, heartbeatMs, lockRetryMs },
    );
  const watchdog = new Watchdog(
    { db, queue, locks, flows, tasks, now },
    {
      budgetMs: config.watchdogBudgetMs,
      staleQueuedMs: config.staleQueuedMs,
      // Read by the step that uses them: a value that does not parse fails that step (in the sweep's
      // failed_steps), not every function that builds the engine.
      staleWakeupsPerLane: {
        get priority() {
          return config.priorityMaxConcurrent;
        },
        get maintenance() {
          return config.maintenanceMaxConcurrent;
        },
      },
      expiringCollections: [APPLY_COLLECTIONS.idempotency],
    },
  );
  return {
    db,
    config,
    queue,
    registry,
    history,
    tasks,
    now,
    worker,
    intake: (delivered, createdBy) => acceptJob(queue, tasks, delivered, createdBy),
    served: (jobId, epoch) => candidates.served(jobId, epoch),
    runLane: async (lane, limits = WAKEUP_LIMITS) => (await worker().drain([lane], limits)).reports,
    async handleWakeup(lane, wakeup, limits = LANE_TASK_LIMITS) {
      if (wakeup.run_after !== undefined && wakeup.run_after > now().getTime()) {
        await tasks.enqueueWakeup(wakeupAfterEarlyArrival({ ...wakeup, run_after: wakeup.run_after }));
        return [];
      }
      if (candidates.served(wakeup.job_id, wakeup.epoch)) {
        logs.wakeupServed(lane, wakeup.job_id);
        return [];
      }
      const { reports, stoppedBy } = await worker().drain([lane], limits, { jobId: wakeup.job_id, epoch: wakeup.epoch });
      const lastRun = reports.at(-1);
      if (STOPS_AT_WAKEUP_LIMITS.has(stoppedBy) && lastRun && !candidates.served(wakeup.job_id, wakeup.epoch))
        await tasks.enqueueWakeup(continuationOf(lane, wakeup, lastRun, now()));
      logs.laneTaskDone(lane, wakeup.job_id, reports);
      return reports;
    },
    async retry(jobId) {
      // Children first: a crash before the parent is queued leaves it finished, and retrying it again completes the retry.
      // So does a refusal of the parent here, which requeueChildren checked before any child: its dedup key taken meanwhile.
      const children = await flows.requeueChildren(jobId);
      const job = await queue.retryJob(jobId).catch((err: unknown) => {
        if (children.length > 0) logs.retryCutShort(jobId, children.length, err);
        throw err;
      });
      const wakeups = await Promise.all([job, ...children].map((queued) => sendWakeup(tasks, wakeupFor(queued, "retry"))));
      const retried = { ...wakeups.find((outcome) => outcome.wakeupError), childrenRequeued: children.length, resumesPlan: job.plan_id };
      logs.jobRetried(jobId, retried);
      return retried;
    },
    async cancel(jobId) {
      const cancelled = await flows.cancel(jobId).catch((err: unknown) => {
        if (err instanceof ChildrenNotCancelledError) logs.cancelCutShort(jobId, err);
        throw err;
      });
      logs.jobCancelled(jobId, cancelled);
      return cancelled;
    },
    async revert(changeId, revertedBy) {
      const reverted = await revertChange(db, changeId, { now, revertedBy });
      logs.changeReverted(reverted, revertedBy);
      return reverted;
    },
    revertJob: (jobId, revertedBy) =>
      revertJob(db, jobId, { now, revertedBy, onReverted: (reverted) => logs.changeReverted(reverted, revertedBy) }),
    runWatchdog: (runId) => watchdog.run(runId),
  };
}
