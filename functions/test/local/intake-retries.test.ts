/**
 * The local runtime tries a failed intake again as the deployed trigger (`retry: true`) has its event
 * redelivered: with a doubling wait up to a cap, for a bounded time, while the runtime runs; each failed try
 * is logged with what comes of the job next, and a stop ends the tries at once.
 */
import { Timestamp } from "firebase-admin/firestore";
import { JOB_COLLECTIONS } from "../../src/jobs/collections";
import type { LocalRuntime, LocalRuntimeOptions } from "../../src/local/runtime";
import { useFirestore } from "../helpers/firestore";
import { registryWith } from "../helpers/registry";
import { testRuntime, waitFor } from "../helpers/runtime";

const db = useFirestore();

const registry = registryWith({
  FAMILY_AUDIT: { run: () => Promise.resolve({ kind: "completed", status: "succeeded_dry_run", summary: {} }) },
});

describe("a failed intake", () => {
  let runtime: LocalRuntime | undefined;
  const logged: string[] = [];
  afterEach(async () => {
    await runtime?.stop();
    runtime = undefined;
    logged.length = 0;
  });

  /** A runtime whose intake fails its first `failures` tries (all of them by default), and the client's job it is given. */
  async function failingIntake(options: Partial<LocalRuntimeOptions>, failures = Infinity) {
    runtime = testRuntime(db, registry, { ...options, onError: (err, where) => logged.push(`[${where}] ${String(err)}`) });
    const intake = runtime.engine.intake.bind(runtime.engine);
    let tries = 0;
    const intakeTries = jest.spyOn(runtime.engine, "intake").mockImplementation((...args) => {
      if (++tries <= failures) return Promise.reject(new Error(`injected contention ${tries}`));
      return intake(...args);
    });
    await runtime.start();
    const job = db.collection(JOB_COLLECTIONS.jobs).doc();
    await job.set({ type: "FAMILY_AUDIT", payload: { family_slug: "row" }, status: "queued", created_at: Timestamp.now() });
    return { job, intakeTries };
  }

  it("is tried again past five tries, waiting twice as long each time up to the cap, each try logged with the next", async () => {
    const { job } = await failingIntake({ intakeRetries: { firstDelayMs: 20, maxDelayMs: 80, forMs: 60_000 } }, 7);
    const takenIn = await waitFor(
      async () => (await job.get()).get("run_after") as unknown,
      (runAfter) => runAfter !== undefined,
    );
    expect(takenIn).toBeInstanceOf(Timestamp);
    expect(logged).toEqual(
      ["0.02", "0.04", "0.08", "0.08", "0.08", "0.08", "0.08"].map(
        (wait, i) => `[intake] job ${job.id}: intake try ${i + 1} failed (Error: injected contention ${i + 1}); trying again in ${wait} s`,
      ),
    );
  });

  it("is given up once its tries would run past their time, saying what takes the job in then", async () => {
    const { job, intakeTries } = await failingIntake({ intakeRetries: { firstDelayMs: 100, maxDelayMs: 200, forMs: 650 } });
    await waitFor(
      () => Promise.resolve(logged.at(-1) ?? ""),
      (line) => line.includes("given up"),
    );
    expect(logged.at(-1)).toBe(
      `[intake] job ${job.id}: intake try ${intakeTries.mock.calls.length} failed (Error: injected contention ${intakeTries.mock.calls.length}); ` +
        'given up after 0.65 s of tries; the watchdog takes it in at its first run after it has waited WATCHDOG_STALE_QUEUED_SECONDS, if it has status "queued" and a created_at (nothing finds it without them)',
    );
    // Waits of 100, 200 and 200 ms: a fourth would end past 650 ms.
    expect(intakeTries).toHaveBeenCalledTimes(4);
  });

  it("is tried no more once the runtime stops: the stop ends the wait at once, and no other try starts", async () => {
    // The defaults: the first wait is 0.4 s.
    const { job, intakeTries } = await failingIntake({});
    await waitFor(
      () => Promise.resolve(logged.length),
      (lines) => lines > 0,
    );
    expect(logged).toEqual([`[intake] job ${job.id}: intake try 1 failed (Error: injected contention 1); trying again in 0.4 s`]);
    const stopStarted = Date.now();
    await runtime!.stop();
    expect(Date.now() - stopStarted).toBeLessThan(300);
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(intakeTries).toHaveBeenCalledTimes(1);
    expect(logged.at(-1)).toBe(
      `[intake] job ${job.id}: the runtime stopped, so it is not tried again: a start on the same data takes it in if it has status "queued"`,
    );
  });
});
