import type { Firestore } from "firebase-admin/firestore";
import { loadEngineConfig, type EngineConfig } from "../../src/config";
import type { CatalogDeps } from "../../src/handlers/support/catalog-handler";
import type { JobRegistry } from "../../src/jobs/registry";
import { LocalRuntime, type LocalRuntimeOptions } from "../../src/local/runtime";
import type { EnqueueResult, TaskQueuePort, WakeupTask } from "../../src/jobs/task-queue";

/** Engine config for tests: the params in `env` (else their defaults), fast heartbeats and retries, overridable. */
export function testConfig(overrides: Partial<EngineConfig> = {}, env: NodeJS.ProcessEnv = {}): EngineConfig {
  return { ...loadEngineConfig(env), heartbeatMs: 200, lockRetryMs: 200, backoffBaseMs: 100, backoffMaxMs: 1000, ...overrides };
}

/** A clock the test can move forward, on top of real time (Firestore timestamps stay sane). */
export function movableClock(): { now: () => Date; advance: (ms: number) => void } {
  let offset = 0;
  return { now: () => new Date(Date.now() + offset), advance: (ms) => (offset += ms) };
}

/**
 * The wall clock, moved on a millisecond whenever it would read the same one twice: jobs created one
 * after another on it are in age order even when two creates share a millisecond.
 */
export function steadyClock(): () => Date {
  let last = 0;
  return () => new Date((last = Math.max(Date.now(), last + 1)));
}

export function testRuntime(db: Firestore, registry: JobRegistry<CatalogDeps>, options: Partial<LocalRuntimeOptions> = {}): LocalRuntime {
  return new LocalRuntime({
    db,
    config: testConfig(),
    registry,
    watchdogIntervalMs: 0,
    onError: (err, where) => process.stderr.write(`runtime error [${where}]: ${String(err)}\n`),
    ...options,
  });
}

/**
 * Runtimes for a test file: `const startRuntime = useRuntime(db);` then
 * `const runtime = await startRuntime(registry, options)`; whatever a test started is stopped after it.
 */
export function useRuntime(
  db: Firestore,
): (registry: JobRegistry<CatalogDeps>, options?: Partial<LocalRuntimeOptions>) => Promise<LocalRuntime> {
  const started: LocalRuntime[] = [];
  afterEach(async () => {
    await Promise.all(started.splice(0).map((runtime) => runtime.stop()));
  });
  return async (registry, options) => {
    const runtime = testRuntime(db, registry, options);
    started.push(runtime);
    await runtime.start();
    return runtime;
  };
}

/** Polls `read` until `done` holds or the timeout passes; returns the last value. */
export async function waitFor<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!done(value) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    value = await read();
  }
  return value;
}

/** A task queue port that only records the wake-ups it is asked for. */
export class RecordingTasks implements TaskQueuePort {
  readonly tasks: WakeupTask[] = [];
  async enqueueWakeup(task: WakeupTask): Promise<EnqueueResult> {
    this.tasks.push(task);
    return "enqueued";
  }
}
