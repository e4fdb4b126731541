/**
 * The local runtime and the CLI on Vertex AI take their project from the environment, as everything
 * else does; without one, LLM jobs fail at once with a reason instead of retrying the SDK's error.
 */
import { createEngine } from "../../src/create-engine";
import { JOB_COLLECTIONS } from "../../src/jobs/collections";
import { exerciseFixture, seedCatalog } from "../helpers/catalog";
import { useFirestore } from "../helpers/firestore";
import { RecordingTasks, testConfig } from "../helpers/runtime";

const db = useFirestore();

describe("an LLM job on Vertex AI without a project", () => {
  const saved = { GCLOUD_PROJECT: process.env.GCLOUD_PROJECT, GOOGLE_CLOUD_PROJECT: process.env.GOOGLE_CLOUD_PROJECT };
  afterEach(() => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });

  it("fails LLM_NOT_CONFIGURED (permanent) naming the variables to set, and is not retried", async () => {
    const exercise = exerciseFixture("Squat (Barbell)", ["barbell"], { description: undefined });
    await seedCatalog(db, { exercises: [exercise] });
    const engine = createEngine({ db, config: testConfig({ llmProvider: "vertex" }), tasks: new RecordingTasks() });
    const { jobId } = await engine.queue.createJob({
      type: "CATALOG_ENRICH_FIELD_SHARD",
      payload: {
        mode: "dry_run",
        parent_job_id: "p",
        exercise_doc_ids: [exercise.id],
        enrichment_spec: { spec_id: "s", spec_version: 1 },
      },
      created_by: "test",
    });
    // Read by the LLM's first use, after the job is written (the client's writes need the emulator's project).
    delete process.env.GCLOUD_PROJECT;
    delete process.env.GOOGLE_CLOUD_PROJECT;

    const [report] = await engine.runLane("maintenance", { maxJobs: 1, budgetMs: 10_000 });

    expect(report).toMatchObject({ status: "failed", error: { code: "LLM_NOT_CONFIGURED", transient: false } });
    expect(report.error!.message).toContain("GOOGLE_CLOUD_PROJECT");
    expect((await db.collection(JOB_COLLECTIONS.jobs).doc(jobId).get()).get("attempts")).toBe(1);
  });

  it("is known to the handlers that ask first: an EXERCISE_ADD queues no enrichment that could only fail", async () => {
    const engine = createEngine({ db, config: testConfig({ llmProvider: "vertex", applyEnabled: true }), tasks: new RecordingTasks() });
    const intent = {
      base_name: "Bulgarian Split Squat",
      equipment: ["dumbbell"],
      category: "compound",
      muscles: { primary: ["quadriceps"] },
    };
    await engine.queue.createJob({ type: "EXERCISE_ADD", payload: { mode: "apply", intent }, created_by: "test" });
    delete process.env.GCLOUD_PROJECT;
    delete process.env.GOOGLE_CLOUD_PROJECT;

    const [report] = await engine.runLane("priority", { maxJobs: 1, budgetMs: 10_000 });

    expect(report.status).toBe("succeeded");
    const job = (await db.collection(JOB_COLLECTIONS.jobs).doc(report.jobId).get()).data();
    expect(job?.result_summary).toMatchObject({ enrichment_not_requested: "LLM_NOT_CONFIGURED" });
    expect((await db.collection(JOB_COLLECTIONS.jobs).get()).size).toBe(1);
  });
});
