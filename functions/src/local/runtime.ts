/**
 * The whole engine in one process, wired like the deployed functions: the emulator's trigger
 * callback (`emulator-triggers.ts`; a Firestore listener where the emulator has none) plays the
 * onDocumentCreated trigger, an in-process task queue plays Cloud Tasks (dispatching to the same
 * lane handler), a timer plays the scheduled watchdog, and when asked timers play the scheduled
 * scans (`schedule-timers.ts`). Used by `npm start`, the tests and the benchmark.
 */
import type { DocumentSnapshot, Firestore, Query, QuerySnapshot } from "firebase-admin/firestore";
import type { EmulatorOutages } from "./emulator";
import type { EmulatorTriggers } from "./emulator-triggers";
import { type EngineConfig, PARAMS } from "../config";
import { LANE_TASK_LIMITS, createEngine, type Engine, type EngineOptions } from "../create-engine";
import { JOB_COLLECTIONS } from "../jobs/collections";
import { handleJobCreated } from "../adapters/job-created";
import { rulesCheckedCreator } from "../jobs/job-document";
import { setMaxListeners } from "node:events";
import { setTimeout as sleep } from "node:timers/promises";
import { LANE_TASK_MAX_BACKOFF_SECONDS } from "../tasks/lanes";
import { handleLaneTask } from "../adapters/lane-task";
import type { Lane } from "../jobs/model";
import { wakeupFor, wakeupSubjectOf } from "../jobs/task-queue";
import type { WatchdogReport } from "../jobs/watchdog";
import { InProcessTaskQueue } from "../tasks/in-process";
import { ScheduleTimers } from "./schedule-timers";

/** The creator of a client's job that names none, under the local runtime. */
const LOCAL_CLIENT = "local-client";

/**
 * How a failed intake is tried again while the runtime runs, as the deployed trigger (`retry: true`) has its
 * event redelivered: after 400 ms, doubling up to 30 s, for 24 hours from the first try, as Eventarc does.
 */
const INTAKE_RETRIES = { firstDelayMs: 400, maxDelayMs: 30_000, forMs: 24 * 3_600_000 };

/** Waits before opening a listener again after it failed: 1 s, doubling to 30 s while it keeps failing. */
const RELISTEN_DELAY_MS = { first: 1000, max: 30_000 };

/**
 * Listens to `query` until the function it returns is called. A listener that fails (the client
 * retries what it can itself, so that one is over) is reported to `onError` and opened again after a
 * wait: 1 s, or, while it fails before its first snapshot, twice the last wait up to 30 s. The first
 * snapshot of a listener opened again has every document of the query, as added.
 */
export function listenWithRetries(query: Query, onNext: (snap: QuerySnapshot) => void, onError: (err: unknown) => void): () => void {
  let stopped = false;
  let unsubscribe: () => void = () => undefined;
  let relistenTimer: NodeJS.Timeout | undefined;
  const open = (retryMs: number) => {
    let healthy = false;
    unsubscribe = query.onSnapshot(
      (snap) => {
        healthy = true;
        onNext(snap);
      },
      (err) => {
        onError(err);
        if (stopped) return;
        // A listener that had delivered starts over at the first delay; one that never did waits longer each time.
        const delay = healthy ? RELISTEN_DELAY_MS.first : retryMs;
        relistenTimer = setTimeout(() => open(Math.min(delay * 2, RELISTEN_DELAY_MS.max)), delay);
      },
    );
  };
  open(RELISTEN_DELAY_MS.first);
  return () => {
    stopped = true;
    clearTimeout(relistenTimer);
    unsubscribe();
  };
}

/** What comes of a job whose intake is tried no more: what the deployed engine does with one whose trigger gave up. */
const UNTAKEN_JOB =
  `the watchdog takes it in at its first run after it has waited ${PARAMS.staleQueuedMs.param.name}, if it has status "queued" ` +
  "and a created_at (nothing finds it without them)";

/** What comes of a job whose intake a stop cut short. */
const STOPPED_INTAKE = `the runtime stopped, so it is not tried again: a start on the same data takes it in if it has status "queued"`;

export interface LocalRuntimeOptions extends Omit<EngineOptions, "tasks" | "db" | "config"> {
  db: Firestore;
  config: EngineConfig;
  /** Lane tasks run at once, per lane; by default the deployed task queues' own limits (the *_LANE_MAX_CONCURRENT params). */
  maxConcurrent?: Record<Lane, number>;
  /** 0 disables the watchdog timer. */
  watchdogIntervalMs?: number;
  /**
   * The emulator's trigger callback, when the emulator delivers to this process: job documents then
   * arrive as the deployed trigger gets them. Without it a listener on the queued jobs stands in.
   */
  triggers?: EmulatorTriggers;
  /** Run the scheduled scans on timers; off by default, so a demo or a test stays quiet. */
  schedules?: boolean;
  /** How a failed intake is tried again; by default INTAKE_RETRIES. */
  intakeRetries?: typeof INTAKE_RETRIES;
  onError?: (err: unknown, where: string) => void;
  /** Tells an outage of the emulator once, in place of the failures of its listener it explains (`npm start`); without it each goes to `onError`. */
  outages?: EmulatorOutages;
}

/** What a start took up that was there before it: the queued jobs it took in, and the deferred ones it woke. */
export interface TakenUpAtStart {
  queued: number;
  deferred: number;
}

export class LocalRuntime {
  readonly engine: Engine;
  readonly tasks: InProcessTaskQueue;
  readonly maxConcurrent: Readonly<Record<Lane, number>>;
  private unsubscribe: (() => void) | undefined;
  private watchdogTimer: NodeJS.Timeout | undefined;
  private scheduleTimers: ScheduleTimers | undefined;
  private readonly pendingIntakes = new Set<Promise<unknown>>();
  private stopped = false;
  /** Fired by `stop`: lane tasks lease nothing more, and their running jobs stop at their next safe point. */
  private readonly stopping = new AbortController();
  private readonly onError: (err: unknown, where: string) => void;

  constructor(private readonly options: LocalRuntimeOptions) {
    const onError = (this.onError = options.onError ?? ((err, where) => console.error(`[${where}]`, err)));
    const { config } = options;
    this.maxConcurrent = options.maxConcurrent ?? { priority: config.priorityMaxConcurrent, maintenance: config.maintenanceMaxConcurrent };
    this.tasks = new InProcessTaskQueue({
      handler: async (payload) => {
        await handleLaneTask(this.engine, payload.lane, payload, { ...LANE_TASK_LIMITS, stopping: this.stopping.signal });
      },
      maxConcurrent: this.maxConcurrent,
      // As many attempts as Cloud Tasks makes; shorter waits between them (from a second, not its 10 or 30 s), as long at most.
      maxAttempts: config.taskMaxAttempts,
      retryDelayMs: 1000,
      maxRetryDelayMs: LANE_TASK_MAX_BACKOFF_SECONDS * 1000,
      onError: (err) => onError(err, "task"),
    });
    this.engine = createEngine({ ...options, tasks: this.tasks });
    // Every running job listens to it (the lanes' concurrency, 14 by default): no leak, so no warning past 10.
    setMaxListeners(0, this.stopping.signal);
  }

  /**
   * Starts taking in job documents, the watchdog timer and (if asked) the schedule timers; resolves
   * once documents written afterwards will be seen, with what it took up that was there before.
   *
   * With the emulator's trigger callback, each created document is delivered once, as the deployed
   * trigger delivers it, whatever its fields; the jobs that were written while no runtime ran are
   * read once at start, and again if the trigger's receiver had to be started again. Without it, a
   * listener over the queued jobs plays the trigger: a job leaves the query when it is leased, so a
   * burst costs a few messages per job (added, taken in, leased), never the whole collection and its
   * history; a restart, or a listener opened again after it failed, takes in what still waits.
   * Either way a waiting job gets a wake-up and nothing else is touched.
   *
   * A `stop` while it starts ends it there: it arms no timer, and closes what it opened after.
   */
  async start(): Promise<TakenUpAtStart> {
    const takenUp: TakenUpAtStart = { queued: 0, deferred: 0 };
    if (this.stopped) return takenUp;
    const { triggers, db } = this.options;
    const waiting = db.collection(JOB_COLLECTIONS.jobs).where("status", "==", "queued");
    if (triggers) {
      const takeInWaiting = async () => {
        const { docs } = await waiting.get();
        docs.forEach((doc) => this.takeIn(doc));
        return docs.length;
      };
      const unsubscribe = await triggers.onCreate(
        db,
        JOB_COLLECTIONS.jobs,
        (doc) => this.takeIn(doc),
        () => void takeInWaiting().catch((err) => this.onError(err, "intake")),
      );
      // Stopped while it was being opened: `stop` had nothing to close yet.
      if (this.stopped) {
        unsubscribe();
        return takenUp;
      }
      this.unsubscribe = unsubscribe;
      takenUp.queued = await takeInWaiting();
    } else {
      takenUp.queued = await this.listen(waiting);
    }
    if (this.stopped) return takenUp;
    takenUp.deferred = await this.wakeDeferred();
    if (this.stopped) return takenUp;
    const interval = this.options.watchdogIntervalMs ?? 60_000;
    if (interval > 0) {
      this.watchdogTimer = setInterval(() => {
        this.runWatchdog().catch((err) => this.onError(err, "watchdog"));
      }, interval);
    }
    if (this.options.schedules) {
      this.scheduleTimers = new ScheduleTimers(this.engine, this.onError);
      this.scheduleTimers.start();
    }
    return takenUp;
  }

  /**
   * Plays the trigger with a listener over `waiting`; resolves once it is live (its first snapshot
   * arrived: with the number of jobs it took in), failed, or the runtime stopped (with none). A listener that
   * fails is opened again (`listenWithRetries`), and its first snapshot takes in every waiting job.
   */
  private listen(waiting: Query): Promise<number> {
    return new Promise<number>((live) => {
      const report = (err: unknown) => this.onError(err, "listener");
      this.unsubscribe = listenWithRetries(
        waiting,
        (snap) => {
          const added = snap.docChanges().filter((change) => change.type === "added");
          for (const change of added) this.takeIn(change.doc);
          live(added.length);
        },
        (err) => {
          if (this.options.outages) this.options.outages.listenerFailed(err, report);
          else report(err);
          live(0);
        },
      );
      // Closed by `stop` before its first snapshot, it would deliver none.
      this.stopping.signal.addEventListener("abort", () => live(0), { once: true });
    });
  }

  /**
   * A deferred job's wake-up (a held lock's retry, a parent waiting for its children) was a timer of
   * the process that deferred it, gone with it; Cloud Tasks keeps such a task across restarts, so the
   * job runs at its `run_after` there, and here too. Resolves with the number of jobs woken.
   */
  private async wakeDeferred(): Promise<number> {
    const deferred = await this.options.db.collection(JOB_COLLECTIONS.jobs).where("status", "==", "deferred").get();
    let woken = 0;
    for (const doc of deferred.docs) {
      if (this.stopped) break;
      try {
        await this.tasks.enqueueWakeup(wakeupFor(wakeupSubjectOf(doc)));
        woken++;
      } catch (err) {
        this.onError(err, "intake");
      }
    }
    return woken;
  }

  private takeIn(doc: DocumentSnapshot): void {
    // After `stop`, which waited for the intakes it found: a read still in flight then delivers nothing.
    if (this.stopped) return;
    const intake = this.intakeWithRetries(doc).finally(() => this.pendingIntakes.delete(intake));
    this.pendingIntakes.add(intake);
  }

  /**
   * Like a trigger deployed with `retry: true`: a failed intake (e.g. contention) is delivered again
   * (`intakeRetries`) until the runtime stops; each failed try is logged with what comes of the job next.
   */
  private async intakeWithRetries(doc: DocumentSnapshot): Promise<void> {
    const { firstDelayMs, maxDelayMs, forMs } = this.options.intakeRetries ?? INTAKE_RETRIES;
    const giveUpAt = Date.now() + forMs;
    const failed = (attempt: number, err: unknown, next: string) =>
      this.onError(`job ${doc.id}: intake try ${attempt} failed (${String(err)}); ${next}`, "intake");
    let delayMs = firstDelayMs;
    for (let attempt = 1; ; attempt++) {
      try {
        // The first delivery carries the snapshot (no read); a retry reads the document as it is now.
        const data = attempt === 1 ? doc : undefined;
        // No auth context here: the creator is the rules-checked `created_by`, as under the Functions emulator.
        const authId = rulesCheckedCreator(doc.data() ?? {}, LOCAL_CLIENT);
        await handleJobCreated(this.engine, { params: { jobId: doc.id }, data, authType: "unknown", authId });
        return;
      } catch (err) {
        if (this.stopped) return failed(attempt, err, STOPPED_INTAKE);
        if (Date.now() + delayMs > giveUpAt) return failed(attempt, err, `given up after ${forMs / 1000} s of tries; ${UNTAKEN_JOB}`);
        failed(attempt, err, `trying again in ${delayMs / 1000} s`);
      }
      // `stop` ends the wait, and no other try starts.
      await sleep(delayMs, undefined, { signal: this.stopping.signal }).catch(() => undefined);
      if (this.stopped) return this.onError(`job ${doc.id}: ${STOPPED_INTAKE}`, "intake");
      delayMs = Math.min(delayMs * 2, maxDelayMs);
    }
  }

  runWatchdog(): Promise<WatchdogReport> {
    return this.engine.runWatchdog();
  }

  /** Resolves when intakes and tasks have all finished (tasks scheduled for later count as pending). */
  async idle(): Promise<void> {
    while (this.pendingIntakes.size > 0) await Promise.all([...this.pendingIntakes]);
    await this.tasks.idle();
  }

  /**
   * Stops taking in jobs and leasing them; a running job stops at its next safe point and is queued
   * again (PROCESS_STOPPING, its attempt written and given back, its locks released) for the next start.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    this.stopping.abort();
    this.unsubscribe?.();
    if (this.watchdogTimer) clearInterval(this.watchdogTimer);
    this.scheduleTimers?.stop();
    await Promise.all([...this.pendingIntakes]);
    await this.tasks.close();
  }
}
