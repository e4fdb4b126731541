/**
 * What `retry`'s warning (`LOCAL_ENGINE_RUNS_IT`) says of `npm start` on an external emulator: the CLI sends
 * no wake-up there, and the runtime's listener on queued jobs, which stands in for the create trigger, takes
 * in a job queued again as it does a created one, at once, with no watchdog sweep.
 */
import { LocalEngineWakeups } from "../../src/cli/local-engine";
import { createEngine } from "../../src/create-engine";
import { JOB_COLLECTIONS } from "../../src/jobs/collections";
import { JobFailure } from "../../src/jobs/errors";
import { useFirestore } from "../helpers/firestore";
import { registryWith } from "../helpers/registry";
import { testConfig, useRuntime, waitFor } from "../helpers/runtime";

const db = useFirestore();
const startRuntime = useRuntime(db);

it("a runtime without the emulator's trigger runs a job the CLI queued again, its wake-up unsent, at once", async () => {
  const runs: string[] = [];
  const registry = registryWith({
    FAMILY_AUDIT: {
      async run({ job }) {
        runs.push(job.id);
        // Failed the first time, so that it can be retried.
        if (runs.length === 1) throw JobFailure.permanent("BROKEN", "broken");
        return { kind: "completed", status: "succeeded_dry_run", summary: { findings: 0 } };
      },
    },
  });
  // No triggers: the listener stands in for them, as under `npm start` on an external emulator. No watchdog timer.
  await startRuntime(registry, { watchdogIntervalMs: 0 });
  const cli = createEngine({ db, config: testConfig(), tasks: new LocalEngineWakeups(), registry });
  const { jobId } = await cli.queue.createJob({ type: "FAMILY_AUDIT", payload: { family_slug: "squat" }, created_by: "test" });
  const statusOf = async () => (await db.collection(JOB_COLLECTIONS.jobs).doc(jobId).get()).get("status") as string;
  expect(await waitFor(statusOf, (status) => status === "failed")).toBe("failed");

  const retried = await cli.retry(jobId);
  expect(retried.wakeupError).toBeDefined();
  expect(await waitFor(statusOf, (status) => status === "succeeded_dry_run")).toBe("succeeded_dry_run");
  expect(runs).toEqual([jobId, jobId]);
});
