/**
 * In-process task queue for the local runtime and tests: deterministic task names (a duplicate is
 * refused, as Cloud Tasks does: while the task waits or runs, and for an hour after it ran),
 * schedule times honoured, a concurrency limit per lane, and retries with backoff when the handler
 * throws — the parts of Cloud Tasks the engine relies on. What it remembers is bounded, so a
 * long `npm start` does not grow with every task it ran.
 */
import { PARAMS } from "../config";
import { LANES, type Lane } from "../jobs/model";
import { withoutLogFields } from "../util/log";
import {
  type EnqueueResult,
  type TaskQueuePort,
  type WakeupPayload,
  type WakeupTask,
  wakeupPayload,
  wakeupTaskName,
} from "../jobs/task-queue";

export interface InProcessOptions {
  handler: (payload: WakeupPayload) => Promise<void>;
  maxConcurrent: Record<Lane, number>;
  /** Attempts of one task, the first included; by default, the default of the lane task queues' `TASK_MAX_ATTEMPTS`. */
  maxAttempts?: number;
  /** The wait before a task's second attempt, doubling with each attempt after it, up to `maxRetryDelayMs`. */
  retryDelayMs?: number;
  maxRetryDelayMs?: number;
  onError?: (err: unknown, payload: WakeupPayload, attempt: number) => void;
}

/** How long the name of a task that ran is refused, as Cloud Tasks refuses it for about an hour after the task ran or was deleted. */
export const TASK_NAME_RETENTION_MS = 3_600_000;
/** How many names `accepted` keeps, the latest. */
export const ACCEPTED_KEPT = 1000;

interface Pending {
  name: string;
  payload: WakeupPayload;
  attempt: number;
}

export class InProcessTaskQueue implements TaskQueuePort {
  /** The names refused as duplicates: the tasks waiting or running, and those that ran within TASK_NAME_RETENTION_MS. */
  private readonly names = new Set<string>();
  /** The tasks that ran, oldest first, with when: their names are forgotten once TASK_NAME_RETENTION_MS has passed. */
  private readonly ran: Array<{ name: string; at: number }> = [];
  private readonly ready: Record<Lane, Pending[]> = { priority: [], maintenance: [] };
  private readonly running: Record<Lane, number> = { priority: 0, maintenance: 0 };
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly idleWaiters: Array<() => void> = [];
  private closed = false;
  private readonly inFlight = new Set<Promise<void>>();
  /** Names of the tasks accepted, in order: the latest ACCEPTED_KEPT (tests assert on it). */
  readonly accepted: string[] = [];

  constructor(private readonly options: InProcessOptions) {}

  enqueueWakeup(task: WakeupTask): Promise<EnqueueResult> {
    const name = wakeupTaskName(task);
    this.forgetRan(Date.now());
    if (this.names.has(name)) return Promise.resolve("duplicate");
    this.names.add(name);
    this.accepted.push(name);
    if (this.accepted.length > ACCEPTED_KEPT) this.accepted.splice(0, this.accepted.length - ACCEPTED_KEPT);
    this.schedule({ name, payload: wakeupPayload(task), attempt: 1 }, task.runAfter.getTime() - Date.now());
    return Promise.resolve("enqueued");
  }

  /** Resolves when no task is waiting, scheduled or running. */
  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Number of tasks scheduled for later. */
  get scheduledCount(): number {
    return this.timers.size;
  }

  /** Drops tasks not yet started and waits for the running ones to finish. */
  async close(): Promise<void> {
    this.closed = true;
    this.timers.forEach(clearTimeout);
    this.timers.clear();
    for (const lane of LANES) this.ready[lane].length = 0;
    await Promise.all([...this.inFlight]);
  }

  private schedule(pending: Pending, delayMs: number): void {
    if (this.closed) return;
    if (delayMs <= 0) {
      this.ready[pending.payload.lane].push(pending);
      this.pump(pending.payload.lane);
      return;
    }
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.schedule(pending, 0);
    }, delayMs);
    this.timers.add(timer);
  }

  private pump(lane: Lane): void {
    while (!this.closed && this.running[lane] < this.options.maxConcurrent[lane] && this.ready[lane].length > 0) {
      const pending = this.ready[lane].shift()!;
      this.running[lane]++;
      // Dispatched as Cloud Tasks would, in a request of its own: not in the log scope of the job that enqueued it.
      const run: Promise<void> = withoutLogFields(() => this.dispatch(pending)).finally(() => {
        this.inFlight.delete(run);
        this.running[lane]--;
        this.pump(lane);
        this.notifyIdle();
      });
      this.inFlight.add(run);
    }
  }

  private async dispatch(pending: Pending): Promise<void> {
    try {
      await this.options.handler(pending.payload);
    } catch (err) {
      this.options.onError?.(err, pending.payload, pending.attempt);
      if (pending.attempt < (this.options.maxAttempts ?? PARAMS.taskMaxAttempts.defaultValue)) {
        const delayMs = (this.options.retryDelayMs ?? 1000) * 2 ** (pending.attempt - 1);
        this.schedule({ ...pending, attempt: pending.attempt + 1 }, Math.min(delayMs, this.options.maxRetryDelayMs ?? Infinity));
        return;
      }
    }
    // Done (run, or out of attempts): its name is refused a while longer, then forgotten.
    const now = Date.now();
    this.ran.push({ name: pending.name, at: now });
    this.forgetRan(now);
  }

  /** Forgets the names of the tasks that ran more than TASK_NAME_RETENTION_MS before `now`. */
  private forgetRan(now: number): void {
    let expired = 0;
    while (expired < this.ran.length && now - this.ran[expired].at >= TASK_NAME_RETENTION_MS) this.names.delete(this.ran[expired++].name);
    if (expired > 0) this.ran.splice(0, expired);
  }

  private isIdle(): boolean {
    return this.timers.size === 0 && LANES.every((lane) => this.running[lane] === 0 && this.ready[lane].length === 0);
  }

  private notifyIdle(): void {
    if (!this.isIdle()) return;
    this.idleWaiters.splice(0).forEach((resolve) => resolve());
  }
}
