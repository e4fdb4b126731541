/**
 * The changes an attempt applied before something cut it short (a stop, an outage) are counted in that
 * attempt's run summary and the day's totals: the attempt that resumes the plan finds them done (skipped)
 * and counts only its own. A param the resumed plan reads that does not parse leaves it to be resumed, not
 * failed with half a change and no plan.
 */
import type { Firestore } from "firebase-admin/firestore";
import { APPLY_COLLECTIONS } from "../../src/apply/collections";
import { computeFamilyRegistry } from "../../src/catalog/family-registry";
import { type EngineConfig, loadEngineConfig } from "../../src/config";
import { createEngine } from "../../src/create-engine";
import { JOB_COLLECTIONS } from "../../src/jobs/collections";
import { submitJob } from "../../src/jobs/intake";
import { RunHistory } from "../../src/jobs/run-history";
import { exerciseFixture, seedCatalog } from "../helpers/catalog";
import { useFirestore } from "../helpers/firestore";
import { runSummaryDoc } from "../helpers/runs";
import { RecordingTasks, testConfig } from "../helpers/runtime";

const db = useFirestore();

const benchBarbell = exerciseFixture("Bench Press (Barbell)", ["barbell"]);
const benchDumbbell = exerciseFixture("Bench Press (Dumbbell)", ["dumbbell"]);
const squat = exerciseFixture("Squat (Barbell)", ["barbell"]);

/** The database, with `after()` awaited once each transaction has committed, before its caller goes on. */
function afterTransaction(target: Firestore, after: () => Promise<void>): Firestore {
  return new Proxy(target, {
    get(db, prop) {
      if (prop !== "runTransaction") {
        const value = Reflect.get(db, prop) as unknown;
        return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(db) : value;
      }
      return async (...args: Parameters<Firestore["runTransaction"]>) => {
        const result = await db.runTransaction(...args);
        await after();
        return result;
      };
    },
  });
}

async function changesOf(jobId: string): Promise<number> {
  return (await db.collection(APPLY_COLLECTIONS.changes).where("job_id", "==", jobId).count().get()).data().count;
}

/** A TARGETED_FIX of three exercises in apply mode, its process stopped (Ctrl-C) once its first change is journaled. */
async function stoppedAfterOneChange(): Promise<string> {
  await seedCatalog(db, {
    exercises: [benchBarbell, benchDumbbell, squat],
    families: [computeFamilyRegistry("bench_press", [benchBarbell, benchDumbbell]), computeFamilyRegistry("squat", [squat])],
  });
  const stop = new AbortController();
  const engine = createEngine({
    db: afterTransaction(db, async () => {
      if ((await db.collection(APPLY_COLLECTIONS.changes).count().get()).data().count >= 1) stop.abort();
    }),
    config: testConfig({ applyEnabled: true }),
    tasks: new RecordingTasks(),
  });
  const { jobId } = await submitJob(engine.queue, engine.tasks, {
    type: "TARGETED_FIX",
    payload: {
      mode: "apply",
      exercise_doc_ids: [benchBarbell.id, benchDumbbell.id, squat.id],
      fix_type: "patch",
      fix_data: { patch: { "metadata.level": "advanced" } },
    },
    created_by: "system:test",
  });
  const [stopped] = (await engine.worker().drain(["priority"], { maxJobs: 1, budgetMs: 60_000, stopping: stop.signal })).reports;
  expect(stopped).toMatchObject({ status: "queued", error: { code: "PROCESS_STOPPING", details: { partial: { applied: 1 } } } });
  return jobId;
}

/** The settings of a deployment with apply enabled and the params `env` sets. */
const deployedWith = (env: Record<string, string>) => loadEngineConfig({ CATALOG_APPLY_ENABLED: "true", ...env });

const engineOf = (config: EngineConfig) => createEngine({ db, config, tasks: new RecordingTasks() });
const runOnce = async (config: EngineConfig) =>
  (await engineOf(config).worker().drain(["priority"], { maxJobs: 1, budgetMs: 60_000 })).reports;
const jobOf = async (jobId: string) => (await db.collection(JOB_COLLECTIONS.jobs).doc(jobId).get()).data()!;

describe("a plan cut short part-way", () => {
  it("counts what each attempt applied in its own run summary and the day's totals", async () => {
    const jobId = await stoppedAfterOneChange();
    const [resumed] = await runOnce(testConfig({ applyEnabled: true }));
    expect(resumed).toMatchObject({ status: "succeeded" });

    expect(await changesOf(jobId)).toBe(3);
    expect((await runSummaryDoc(db, jobId, 1)).get("changes_count")).toBe(1);
    expect((await runSummaryDoc(db, jobId, 2)).get("changes_count")).toBe(2);
    const today = new Date().toISOString().slice(0, 10);
    expect(await new RunHistory(db).getDailySummary(today)).toMatchObject({ changes: 3 });
  });

  it("is not resumed by an engine whose RETAIN_JOURNAL_DAYS does not parse: none is built, and the job waits with its plan", async () => {
    const jobId = await stoppedAfterOneChange();
    expect(() => engineOf(deployedWith({ RETAIN_JOURNAL_DAYS: "a year" }))).toThrow(/param RETAIN_JOURNAL_DAYS must be an integer/);
    expect(await jobOf(jobId)).toMatchObject({ status: "queued", plan_id: "p1" });

    expect(await runOnce(testConfig({ applyEnabled: true }))).toEqual([expect.objectContaining({ status: "succeeded" })]);
    expect(await changesOf(jobId)).toBe(3);
  });

  it("resumed while CATALOG_APPLY_ENABLED does not parse, ends APPLY_DISABLED naming it, and the operator's retry finishes the plan", async () => {
    const jobId = await stoppedAfterOneChange();
    const [resumed] = await runOnce(deployedWith({ CATALOG_APPLY_ENABLED: "yes" }));
    expect(resumed).toMatchObject({
      status: "needs_review",
      error: { code: "APPLY_DISABLED", details: { param: "CATALOG_APPLY_ENABLED" } },
    });
    expect(resumed.error?.message).toMatch(
      /param CATALOG_APPLY_ENABLED must be true or false, not "yes".*fix the param, then retry the job to resume it/,
    );
    expect(await changesOf(jobId)).toBe(1);

    const fixed = engineOf(testConfig({ applyEnabled: true }));
    expect(await fixed.retry(jobId)).toMatchObject({ resumesPlan: "p1" });
    expect(await fixed.runLane("priority")).toEqual([expect.objectContaining({ status: "succeeded" })]);
    expect(await changesOf(jobId)).toBe(3);
  });
});
