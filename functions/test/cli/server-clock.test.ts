/**
 * The CLI run from a machine whose clock is off (`src/cli/main.ts` as a process, its Date moved
 * before anything loads): the commands that compare leases with the engine's clock or date what
 * they write run on Firestore's time, and say how far off the machine is; a read command does not
 * ask.
 */
import type { Timestamp } from "firebase-admin/firestore";
import { createEngine } from "../../src/create-engine";
import { loadEngineConfig } from "../../src/config";
import { JOB_COLLECTIONS } from "../../src/jobs/collections";
import { useFirestore } from "../helpers/firestore";
import { type ProcessOutcome, runEntry } from "../helpers/processes";
import { RecordingTasks } from "../helpers/runtime";

const db = useFirestore();
// The deployed lease (300 s, renewed every 60 s): a clock 10 minutes ahead sees any live one expired.
const engine = createEngine({ db, config: loadEngineConfig({}), tasks: new RecordingTasks() });

const TEN_MINUTES_MS = 10 * 60_000;

/** A module loaded before the CLI that moves `Date` (and `Date.now`) by `skewMs`, as a machine's clock that is off. */
function skewedClock(skewMs: number): string {
  const source = `const RealDate = Date;
globalThis.Date = class extends RealDate {
  constructor(...args) { super(...(args.length === 0 ? [RealDate.now() + ${skewMs}] : args)); }
  static now() { return RealDate.now() + ${skewMs}; }
};`;
  return `data:text/javascript,${encodeURIComponent(source)}`;
}

/** The CLI as a process on a machine whose clock is `skewMs` off (the test's environment, without a tasks emulator). */
function cliWithClockOff(skewMs: number, argv: readonly string[]): Promise<ProcessOutcome> {
  const { CLOUD_TASKS_EMULATOR_HOST: _tasksEmulator, ...env } = process.env;
  return runEntry("cli/main.ts", argv, env, { imports: [skewedClock(skewMs)] });
}

const warning = (direction: "ahead of" | "behind") =>
  `warning: this machine's clock is 600 s ${direction} Firestore's; the CLI uses Firestore's`;

const jobDoc = async (jobId: string) => (await db.collection(JOB_COLLECTIONS.jobs).doc(jobId).get()).data()!;
const millis = (value: unknown) => (value as Timestamp).toMillis();

/** Runs the CLI between two readings of the true clock: what it dates must fall between them (a second's leeway). */
async function between(run: () => Promise<ProcessOutcome>) {
  const before = Date.now() - 1000;
  const outcome = await run();
  const after = Date.now() + 1000;
  return { outcome, inRun: (value: unknown) => millis(value) >= before && millis(value) <= after };
}

describe("the CLI on a machine whose clock is off", () => {
  it("watchdog, 10 minutes ahead, leaves a live lease alone and says the clock is off", async () => {
    const { jobId } = await engine.queue.createJob({ type: "FAMILY_AUDIT", payload: { family_slug: "squat" }, created_by: "test" });
    const leased = await engine.queue.leaseById(jobId, "live-worker");
    expect(leased).not.toBeNull();
    const { code, stderr } = await cliWithClockOff(TEN_MINUTES_MS, ["watchdog", "--json"]);
    expect(await jobDoc(jobId)).toMatchObject({ status: "running", lease_owner: "live-worker", lease_epoch: 1, attempts: 1 });
    expect({ code, stderr }).toEqual({ code: 0, stderr: `${warning("ahead of")}\n` });
  });

  it("submit, 10 minutes ahead, dates the job by Firestore's time", async () => {
    const { outcome, inRun } = await between(() => cliWithClockOff(TEN_MINUTES_MS, ["submit", "FAMILY_AUDIT", '{"family_slug":"squat"}']));
    expect(outcome.code).toBe(0);
    const jobId = /^created (\S+)$/.exec(outcome.stdout.trim())?.[1];
    const job = await jobDoc(jobId!);
    expect({ created_at: inRun(job.created_at), run_after: inRun(job.run_after) }).toEqual({ created_at: true, run_after: true });
    expect(outcome.stderr.split("\n")[0]).toBe(warning("ahead of"));
  });

  it("retry, 10 minutes behind, requeues the job at Firestore's time, not before it was cancelled", async () => {
    const { jobId } = await engine.queue.createJob({ type: "FAMILY_AUDIT", payload: { family_slug: "squat" }, created_by: "test" });
    await engine.cancel(jobId);
    const { outcome, inRun } = await between(() => cliWithClockOff(-TEN_MINUTES_MS, ["retry", jobId]));
    expect(outcome.code).toBe(0);
    const job = await jobDoc(jobId);
    expect({ status: job.status, requeued_at: inRun(job.requeued_at), run_after: inRun(job.run_after) }).toEqual({
      status: "queued",
      requeued_at: true,
      run_after: true,
    });
    expect(outcome.stderr.split("\n")[0]).toBe(warning("behind"));
  });

  it("a read command (list) does not ask Firestore's time: no warning", async () => {
    expect(await cliWithClockOff(TEN_MINUTES_MS, ["list"])).toEqual({ code: 0, stdout: "no jobs\n", stderr: "" });
  });
});
