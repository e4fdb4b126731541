import { readFileSync } from "node:fs";
import { join } from "node:path";
import { type DocumentReference, type Firestore, Timestamp } from "firebase-admin/firestore";
import { createEngine } from "../../src/create-engine";
import { CATALOG_COLLECTIONS } from "../../src/catalog/collections";
import { APPLY_COLLECTIONS } from "../../src/apply/collections";
import { JOB_COLLECTIONS } from "../../src/jobs/collections";
import { CHILD_RESULTS } from "../../src/jobs/queue";
import { FINAL_STATUSES, type JobStatus } from "../../src/jobs/lifecycle";
import { FakeLlmClient } from "../../src/llm/index";
import { describeWithIsolation, useFirestore } from "../helpers/firestore";
import { RecordingTasks, testConfig } from "../helpers/runtime";
import { seedDemo } from "../handlers/support";

const db = useFirestore();

interface FieldOverride {
  collectionGroup: string;
  fieldPath: string;
  ttl?: boolean;
}
const overrides = (
  JSON.parse(readFileSync(join(__dirname, "../../../firestore.indexes.json"), "utf8")) as { fieldOverrides: FieldOverride[] }
).fieldOverrides;
/** Collection group → the field its TTL policy watches. */
const ttlField = new Map(overrides.filter((o) => o.ttl).map((o) => [o.collectionGroup, o.fieldPath]));

/** Every collection under `parent` (the database root when absent), with every document, recursively. */
async function everyDocument(database: Firestore, parent?: DocumentReference): Promise<Array<{ group: string; ref: DocumentReference }>> {
  const collections = parent ? await parent.listCollections() : await database.listCollections();
  const found: Array<{ group: string; ref: DocumentReference }> = [];
  for (const collection of collections) {
    for (const ref of await collection.listDocuments()) {
      found.push({ group: collection.id, ref });
      found.push(...(await everyDocument(database, ref)));
    }
  }
  return found;
}

const CATALOG = new Set<string>(Object.values(CATALOG_COLLECTIONS));

describeWithIsolation("retention: everything the engine writes can expire", () => {
  it("gives every engine document an expire date its collection's TTL policy watches, and clears it when a job is retried", async () => {
    await seedDemo(db);
    const engine = createEngine({
      db,
      config: testConfig({ applyEnabled: true, shardSize: 1 }),
      tasks: new RecordingTasks(),
      llm: new FakeLlmClient(),
    });
    const create = (input: Parameters<typeof engine.queue.createJob>[0]) => engine.queue.createJob(input);
    // A plan that changes the catalog (plan, journal, idempotency) and queues an enrichment with children.
    await create({
      type: "EXERCISE_ADD",
      payload: {
        mode: "apply",
        intent: { base_name: "bulgarian split squat", equipment: ["Dumbbells"], category: "Compound", muscles: { primary: ["Quads"] } },
      },
      created_by: "test",
    });
    await create({ type: "FAMILY_AUDIT", payload: { family_slug: "squat" }, dedup_key: "audit-squat", created_by: "test" });
    const cancelled = await create({ type: "FAMILY_AUDIT", payload: { family_slug: "row" }, created_by: "test" });
    await engine.cancel(cancelled.jobId);
    const rejected = await db.collection(JOB_COLLECTIONS.jobs).add({ type: "NO_SUCH_TYPE", payload: {} });
    await engine.intake(rejected.id, "client");

    for (let round = 0; round < 20; round++) {
      await engine.runLane("priority", { maxJobs: 20, budgetMs: 30_000 });
      await engine.runLane("maintenance", { maxJobs: 20, budgetMs: 30_000 });
      const open = await db.collection(JOB_COLLECTIONS.jobs).where("status", "not-in", FINAL_STATUSES).get();
      if (open.empty) break;
      // A parent waits for its children's next check: make it due.
      await Promise.all(open.docs.map((doc) => doc.ref.update({ run_after: Timestamp.now() })));
    }
    await engine.runWatchdog("retention-test");

    const documents = await everyDocument(db);
    const engineDocuments = documents.filter(({ group }) => !CATALOG.has(group));
    const groups = new Set(engineDocuments.map(({ group }) => group));
    expect([...groups].sort()).toEqual(
      expect.arrayContaining([
        APPLY_COLLECTIONS.changes,
        APPLY_COLLECTIONS.idempotency,
        JOB_COLLECTIONS.attempts,
        JOB_COLLECTIONS.dedup,
        JOB_COLLECTIONS.jobs,
        JOB_COLLECTIONS.plans,
        JOB_COLLECTIONS.runSummaries,
        JOB_COLLECTIONS.watchdogRuns,
        CHILD_RESULTS,
      ]),
    );
    const withoutPolicy = [...groups].filter((group) => !ttlField.has(group) && group !== JOB_COLLECTIONS.dailySummaries);
    expect(withoutPolicy).toEqual([]);

    const unexpiring: string[] = [];
    for (const { group, ref } of engineDocuments) {
      const field = ttlField.get(group);
      if (!field) continue;
      const snap = await ref.get();
      // A daily summary's parent document is only a path to its shards.
      if (!snap.exists) continue;
      if (!(snap.get(field) instanceof Timestamp)) unexpiring.push(`${ref.path} (${field})`);
    }
    expect(unexpiring).toEqual([]);

    // An operation's idempotency record lasts as long as the job that wrote it (and its frozen plan), so a
    // retry that resumes the plan, however late, still skips what was applied.
    const idempotency = await db.collection(APPLY_COLLECTIONS.idempotency).get();
    const kept = new Set(
      idempotency.docs.map((doc) => (doc.get("expires_at") as Timestamp).toMillis() - (doc.get("created_at") as Timestamp).toMillis()),
    );
    expect(idempotency.size).toBeGreaterThan(1);
    expect([...kept]).toEqual([engine.config.retainJobsMs]);

    const jobs = await db.collection(JOB_COLLECTIONS.jobs).get();
    expect(jobs.docs.every((doc) => FINAL_STATUSES.includes(doc.get("status") as JobStatus))).toBe(true);
    await engine.retry(cancelled.jobId);
    expect((await db.collection(JOB_COLLECTIONS.jobs).doc(cancelled.jobId).get()).get("expire_at")).toBeNull();
  });
});
