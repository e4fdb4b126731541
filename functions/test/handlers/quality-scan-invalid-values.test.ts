import { Timestamp } from "firebase-admin/firestore";
import { CATALOG_COLLECTIONS } from "../../src/catalog/collections";
import { DEMO_EXERCISES } from "../../src/catalog/demo-catalog";
import { createEngine } from "../../src/create-engine";
import { ENRICH_CALL } from "../../src/enrichment/llm-calls";
import { registry } from "../../src/handlers";
import { JOB_COLLECTIONS } from "../../src/jobs/collections";
import { childJobId as shardJobId } from "../../src/jobs/flows";
import { FakeLlmClient } from "../../src/llm/index";
import type { LlmRequest } from "../../src/llm/types";
import { HEURISTIC_PASS_SCORE, SOFT_ISSUE_SCORE, heuristicScoreExercise } from "../../src/reviewer/quality-scanner";
import { getPath, isPlainRecord } from "../../src/util/object-paths";
import { type ExerciseFixture, seedCatalog } from "../helpers/catalog";
import { describeWithIsolation, useFirestore } from "../helpers/firestore";
import { RecordingTasks, testConfig } from "../helpers/runtime";

const db = useFirestore();

const { id: squatId, ...squat } = DEMO_EXERCISES.find((exercise) => exercise.id === "squat__squat-barbell")!;
/** The demo squat with values of enrichable fields the exercise schema refuses, each one the enrichment normaliser makes canonical. */
const NON_CANONICAL: ExerciseFixture = {
  id: squatId,
  ...squat,
  metadata: { level: "Expert", plane_of_motion: "coronal", unilateral: false },
  muscles: {
    primary: ["quadriceps", "glutes"],
    secondary: ["hams", "lower back"],
    category: ["Legs"],
    contribution: { quadriceps: 1, glutes: 1 },
  },
};
const REFUSED_PATHS = ["muscles.secondary", "muscles.category", "muscles.contribution", "metadata.level", "metadata.plane_of_motion"];

const jobs = () => db.collection(JOB_COLLECTIONS.jobs);
const jobData = async (id: string) => (await jobs().doc(id).get()).data()!;
const storedSquat = async () => (await db.collection(CATALOG_COLLECTIONS.exercises).doc(squatId).get()).data()!;

/**
 * A model that answers the enrichment prompt with the stored values of the fields its quality scanner findings
 * name, as they are: what the normaliser makes of them is what gets written.
 */
function echoingModel(): FakeLlmClient {
  return new FakeLlmClient({
    script: [
      {
        match: { task: ENRICH_CALL.task },
        respond: (req: LlmRequest<unknown>) => {
          const exercise = req.context?.exercise;
          if (!isPlainRecord(exercise)) throw new Error("the enrichment request carries no exercise");
          const fields = heuristicScoreExercise(exercise).soft_issues.flatMap((issue) => issue.fields);
          return {
            changes: Object.fromEntries(fields.map((path) => [path, getPath(exercise, path)])),
            reasoning: "Restated the flagged fields.",
            confidence: "high",
          };
        },
      },
    ],
  });
}

describeWithIsolation("QUALITY_SCAN of stored values the exercise schema refuses", () => {
  beforeEach(async () => {
    await seedCatalog(db, { exercises: [NON_CANONICAL] });
  });

  it("marks them for enrichment, which makes them canonical, after which the exercise scans ok", async () => {
    expect(heuristicScoreExercise(NON_CANONICAL).soft_issues.map(({ check, fields }) => ({ check, fields }))).toEqual([
      { check: "invalid_value", fields: REFUSED_PATHS },
    ]);
    const llm = echoingModel();
    const engine = createEngine({
      db,
      config: testConfig({ applyEnabled: true, shardSize: 1 }),
      tasks: new RecordingTasks(),
      registry,
      llm,
    });
    /** Runs a job once, leased as a worker leases it. */
    const runJob = async (jobId: string) => {
      await jobs().doc(jobId).update({ run_after: Timestamp.now() });
      await engine.worker("test-worker").run((await engine.queue.leaseById(jobId, "test-worker"))!);
      return jobData(jobId);
    };
    const scan = async () => {
      const { jobId } = await engine.queue.createJob({
        type: "QUALITY_SCAN",
        payload: { mode: "apply", exercise_doc_ids: [squatId] },
        created_by: "test",
      });
      return runJob(jobId);
    };

    expect(await scan()).toMatchObject({
      status: "succeeded",
      result_summary: { scanned: 1, passed: 0, needs_enrichment: 1, jobs_created: 1 },
    });
    expect((await storedSquat()).review_metadata).toMatchObject({
      quality_score: SOFT_ISSUE_SCORE,
      issue_type: "needs_enrichment",
      needs_enrichment_only: true,
    });
    const [enrichment] = (await jobs().where("type", "==", "CATALOG_ENRICH_FIELD").get()).docs;
    expect(enrichment.get("payload.exercise_doc_ids")).toEqual([squatId]);

    // The enrichment: its parent makes one shard, the shard enriches the squat, the parent finishes over it.
    expect(await runJob(enrichment.id)).toMatchObject({ status: "deferred" });
    expect(await runJob(shardJobId(enrichment.id, 1))).toMatchObject({ status: "succeeded" });
    expect(await runJob(enrichment.id)).toMatchObject({ status: "succeeded" });
    const [call] = llm.calls;
    const findingLine = call.prompt.split("\n").find((line) => line.startsWith("- should fix (invalid_value): "));
    for (const path of REFUSED_PATHS) expect(findingLine).toContain(path);

    const enriched = await storedSquat();
    expect(enriched.metadata).toEqual({ level: "advanced", plane_of_motion: "frontal", unilateral: false });
    expect(enriched.muscles).toEqual({
      primary: ["quadriceps", "glutes"],
      secondary: ["hamstrings", "erector spinae"],
      category: ["legs"],
      contribution: { quadriceps: 0.5, glutes: 0.5 },
    });

    expect(await scan()).toMatchObject({ status: "succeeded", result_summary: { scanned: 1, passed: 1, jobs_created: 0 } });
    expect((await storedSquat()).review_metadata).toMatchObject({ quality_score: HEURISTIC_PASS_SCORE, issue_type: "ok" });
  });
});
