/**
 * In-process task queue for the local runtime and tests: deterministic task names (a duplicate is
 * refused, as Cloud Tasks does), schedule times honoured, a concurrency limit per lane, and retries
 * with backoff when the handler throws — the parts of Cloud Tasks the engine relies on.
 */
import type { Lane } from "../jobs/model";
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
  maxAttempts?: number;
  retryDelayMs?: number;
  onError?: (err: unknown, payload: WakeupPayload, attempt: number) => void;
}

interface Pending {
  name: string;
  payload: WakeupPayload;
  attempt: number;
}

export class InProcessTaskQueue implements TaskQueuePort {
  private readonly names = new Set<string>();
  private readonly ready: Record<Lane, Pending[]> = { priority: [], maintenance: [] };
  private readonly running: Record<Lane, number> = { priority: 0, maintenance: 0 };
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly idleWaiters: Array<() => void> = [];
  private closed = false;
  private readonly inFlight = new Set<Promise<void>>();
  /** Names of every task accepted, in order (tests assert on it). */
  readonly accepted: string[] = [];

  constructor(private readonly options: InProcessOptions) {}

  enqueueWakeup(task: WakeupTask): Promise<EnqueueResult> {
    const name = wakeupTaskName(task);
    if (this.names.has(name)) return Promise.resolve("duplicate");
    this.names.add(name);
    this.accepted.push(name);
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
    this.ready.priority.length = 0;
    this.ready.maintenance.length = 0;
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
      const run: Promise<void> = this.dispatch(pending).finally(() => {
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
      if (pending.attempt < (this.options.maxAttempts ?? 5)) {
        this.schedule({ ...pending, attempt: pending.attempt + 1 }, (this.options.retryDelayMs ?? 1000) * 2 ** (pending.attempt - 1));
      }
    }
  }

  private isIdle(): boolean {
    const lanes: Lane[] = ["priority", "maintenance"];
    return this.timers.size === 0 && lanes.every((l) => this.running[l] === 0 && this.ready[l].length === 0);
  }

  private notifyIdle(): void {
    if (!this.isIdle()) return;
    this.idleWaiters.splice(0).forEach((resolve) => resolve());
  }
}
