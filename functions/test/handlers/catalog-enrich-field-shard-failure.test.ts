/**
 * What an enrichment parent counts of a shard that failed part-way: the exercises it applied before
 * the failure stopped it, whatever the failure was.
 */
import { JOB_COLLECTIONS } from "../../src/jobs/collections";
import { ENRICH_TASK } from "../../src/enrichment/enrich-exercise";
import { registry } from "../../src/handlers";
import { childJobId as shardJobId } from "../../src/jobs/flows";
import { FINAL_STATUSES, type JobStatus } from "../../src/jobs/lifecycle";
import { FakeLlmClient } from "../../src/llm/index";
import { fakeEnrichment } from "../../src/llm/fake-enrichment";
import type { LlmRequest } from "../../src/llm/types";
import { exerciseFixture, seedCatalog } from "../helpers/catalog";
import { describeWithIsolation, useFirestore } from "../helpers/firestore";
import { testConfig, useRuntime, waitFor } from "../helpers/runtime";

const db = useFirestore();
const startTestRuntime = useRuntime(db);

const SPEC = { spec_id: "content", spec_version: 1 };

const jobData = async (id: string) => (await db.collection(JOB_COLLECTIONS.jobs).doc(id).get()).data()!;

describeWithIsolation("CATALOG_ENRICH_FIELD over a shard that failed part-way", () => {
  it("counts what the shard applied before a failure that was no LLM outage stopped it", async () => {
    const exercises = Array.from({ length: 3 }, (_, i) => exerciseFixture(`Test Press ${i + 1} (Dumbbell)`, ["dumbbell"]));
    await seedCatalog(db, { exercises });
    let answered = 0;
    const llm = new FakeLlmClient({
      script: [
        {
          match: { task: ENRICH_TASK },
          // Two exercises are enriched and applied; the third call hits a bug, which fails the shard for good.
          respond: (req: LlmRequest<unknown>) => {
            if (answered++ < 2) return fakeEnrichment(req.context?.exercise as Record<string, unknown>);
            throw new TypeError("cannot read properties of undefined");
          },
        },
      ],
    });
    const { engine } = await startTestRuntime(registry, { llm, config: testConfig({ applyEnabled: true }) });
    const { jobId } = await engine.queue.createJob({
      type: "CATALOG_ENRICH_FIELD",
      payload: { mode: "apply", enrichment_spec: SPEC, exercise_doc_ids: exercises.map((exercise) => exercise.id) },
      created_by: "test",
    });

    const parent = await waitFor(
      () => jobData(jobId),
      (job) => FINAL_STATUSES.includes(job.status as JobStatus),
      90_000,
    );
    expect(parent).toMatchObject({
      status: "needs_review",
      error: { code: "SHARDS_FAILED", details: { shards: [{ shard_id: shardJobId(jobId, 1), status: "failed", code: "HANDLER_ERROR" }] } },
      result_summary: { shards_total: 1, shards_failed: 1, exercises_total: 3, exercises_succeeded: 2, exercises_failed: 1 },
    });
  });
});
