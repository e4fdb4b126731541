/**
 * The changes an attempt applied before something cut it short (a stop, an outage) are counted in that
 * attempt's run summary and the day's totals: the attempt that resumes the plan finds them done (skipped)
 * and counts only its own.
 */
import type { Firestore } from "firebase-admin/firestore";
import { APPLY_COLLECTIONS } from "../../src/apply/collections";
import { computeFamilyRegistry } from "../../src/catalog/family-registry";
import { createEngine } from "../../src/create-engine";
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

describe("a plan cut short part-way", () => {
  it("counts what each attempt applied in its own run summary and the day's totals", async () => {
    await seedCatalog(db, {
      exercises: [benchBarbell, benchDumbbell, squat],
      families: [computeFamilyRegistry("bench_press", [benchBarbell, benchDumbbell]), computeFamilyRegistry("squat", [squat])],
    });
    // The process is stopped (Ctrl-C) once the plan's first operation is journaled.
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
    const [resumed] = (await engine.worker().drain(["priority"], { maxJobs: 1, budgetMs: 60_000 })).reports;
    expect(resumed).toMatchObject({ status: "succeeded" });

    expect(await changesOf(jobId)).toBe(3);
    expect((await runSummaryDoc(db, jobId, 1)).get("changes_count")).toBe(1);
    expect((await runSummaryDoc(db, jobId, 2)).get("changes_count")).toBe(2);
    const today = new Date().toISOString().slice(0, 10);
    expect(await new RunHistory(db).getDailySummary(today)).toMatchObject({ changes: 3 });
  });
});
