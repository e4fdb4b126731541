/**
 * The progress of a family-walking scan stopped at its run's deadline: it went through part of what it had to, so its
 * last progress says so (done below total), unlike a maintenance scan stopped at its `family_limit`.
 */
import { useFirestore, describeWithFullEmulator } from "../helpers/firestore";
import { seedCatalog } from "../helpers/catalog";
import { depsFor, numberedFamilies, seedDemo } from "./support";
import { type TestHandlerInput, leaseForTest, withSlowFollowUps } from "../helpers/engine";
import { registry } from "../../src/handlers";
import { runDeadlineFailure } from "../../src/jobs/errors";
import type { Progress } from "../../src/jobs/progress";

const db = useFirestore();

/** `input` whose run's deadline comes with the first progress it reports; what it reports is recorded. */
function deadlineAtFirstReport(input: TestHandlerInput): { input: TestHandlerInput; reported: Progress[] } {
  const reported: Progress[] = [];
  const reportProgress: TestHandlerInput["engine"]["reportProgress"] = async (progress) => {
    reported.push(progress);
    input.abort.abort(runDeadlineFailure(input.job.id, 480_000));
    return input.engine.reportProgress(progress);
  };
  return { input: { ...input, engine: { ...input.engine, reportProgress } }, reported };
}

/** The SDK's funnel every query goes through (as `recordQueries` finds it): its first query `ms` late while `run` runs. */
async function withFirstQueryLate<T>(ms: number, run: () => Promise<T>): Promise<T> {
  const layer = db as unknown as { requestStream: (...args: unknown[]) => Promise<unknown> };
  const requestStream = layer.requestStream;
  let late = true;
  layer.requestStream = async (...args) => {
    if (late) {
      late = false;
      await new Promise((resolve) => setTimeout(resolve, ms));
    }
    return requestStream.apply(layer, args);
  };
  try {
    return await run();
  } finally {
    layer.requestStream = requestStream;
  }
}

describeWithFullEmulator("a scan stopped at its run's deadline (apply)", () => {
  it("MAINTENANCE_SCAN ends its progress below its total", async () => {
    await seedDemo(db);
    const leased = await leaseForTest(depsFor(db, "apply"), { type: "MAINTENANCE_SCAN", payload: { mode: "apply" } });
    // Each follow-up slowed: the scan runs past its quiet first second, and its first report brings the deadline.
    const { input, reported } = deadlineAtFirstReport(leased);
    const outcome = await registry.handlerFor("MAINTENANCE_SCAN").run({ ...input, engine: withSlowFollowUps(input.engine, 400) });

    expect(outcome).toMatchObject({ kind: "completed", status: "succeeded", summary: { complete: false, stopped_at_run_deadline: true } });
    const last = reported.at(-1)!;
    expect(last.done).toBeLessThan(last.total);
    expect((await leased.deps.queue.getJob(leased.job.id))?.progress).toEqual(last);
  });

  it("DUPLICATE_DETECTION_SCAN ends its progress below its total", async () => {
    await seedCatalog(db, { exercises: numberedFamilies(5, 2) });
    const leased = await leaseForTest(depsFor(db, "apply"), { type: "DUPLICATE_DETECTION_SCAN", payload: { mode: "apply" } });
    const { input, reported } = deadlineAtFirstReport(leased);
    // Its first page read late: the scan runs past its quiet first second, and its first report brings the deadline.
    const outcome = await withFirstQueryLate(1_100, () => registry.handlerFor("DUPLICATE_DETECTION_SCAN").run(input));

    expect(outcome).toMatchObject({ kind: "completed", status: "succeeded", summary: { complete: false, families_scanned: 1 } });
    expect(reported.at(-1)).toEqual({ done: 2, total: 10 });
    expect((await leased.deps.queue.getJob(leased.job.id))?.progress).toEqual({ done: 2, total: 10 });
  });
});
