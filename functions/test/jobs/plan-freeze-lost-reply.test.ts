/**
 * A plan freeze (`savePlan`: the plan and the job's `plan_id` in one batch) that lands though its reply is
 * lost: the holder's next write finds the job changed and learns of the freeze there, so the job keeps its
 * locks between attempts as any job with a frozen plan does.
 */
import { Timestamp } from "firebase-admin/firestore";
import { CATALOG_COLLECTIONS } from "../../src/catalog/collections";
import { computeFamilyRegistry } from "../../src/catalog/family-registry";
import { createEngine } from "../../src/create-engine";
import { registry } from "../../src/handlers";
import { JOB_COLLECTIONS } from "../../src/jobs/collections";
import { LeaseLostError } from "../../src/jobs/errors";
import { exerciseFixture, seedCatalog } from "../helpers/catalog";
import { failingFirstBatchWriting } from "../helpers/faults";
import { describeWithIsolation, useFirestore } from "../helpers/firestore";
import { RecordingTasks, testConfig } from "../helpers/runtime";

const db = useFirestore();
const jobs = () => db.collection(JOB_COLLECTIONS.jobs);
const locks = () => db.collection(JOB_COLLECTIONS.locks);
const RENAME = { mode: "apply", rename_config: { old_family_slug: "curl", new_family_slug: "biceps_curl" } };
const ADD = { mode: "apply", intent: { base_name: "Curl", equipment: ["cable"] } };

/** An engine on `db` whose first batch writing a plan lands and then fails UNAVAILABLE, its reply lost. */
function losingPlanReply() {
  const faulty = failingFirstBatchWriting(db, `/${JOB_COLLECTIONS.plans}/`, "after");
  const engine = createEngine({ db: faulty.db, config: testConfig({ applyEnabled: true }), tasks: new RecordingTasks(), registry });
  return { engine, failures: faulty.failures };
}

async function seedCurls(): Promise<void> {
  const curls = [exerciseFixture("Curl (Barbell)", ["barbell"]), exerciseFixture("Curl (Dumbbell)", ["dumbbell"])];
  await seedCatalog(db, { exercises: curls, families: [computeFamilyRegistry("curl", curls)] });
}

describeWithIsolation("a plan freeze whose reply was lost", () => {
  it("keeps the job's locks after the attempt it failed, so no other job changes the family before the plan ends", async () => {
    await seedCurls();
    const engine = createEngine({ db, config: testConfig({ applyEnabled: true }), tasks: new RecordingTasks(), registry });
    const runNow = async (jobId: string) => {
      await jobs().doc(jobId).update({ run_after: Timestamp.now() });
      return engine.worker("w").run((await engine.queue.leaseById(jobId, "w"))!);
    };
    const { jobId: renameId } = await engine.queue.createJob({ type: "FAMILY_RENAME_SLUG", payload: RENAME, created_by: "test" });

    const lossy = losingPlanReply();
    const first = await lossy.engine.worker("w1").run((await lossy.engine.queue.leaseById(renameId, "w1"))!);
    expect(lossy.failures.count).toBe(1);
    expect(first).toMatchObject({ status: "queued" });
    expect((await jobs().doc(renameId).get()).get("plan_id")).toBe(`p${first.leaseEpoch}`);
    expect((await locks().where("job_id", "==", renameId).get()).size).toBe(2);

    // An exercise added to the family meanwhile waits for the rename.
    const { jobId: addId } = await engine.queue.createJob({ type: "EXERCISE_ADD", payload: ADD, created_by: "test" });
    expect(await runNow(addId)).toMatchObject({ status: "deferred", error: { code: "LOCK_HELD" } });

    expect(await runNow(renameId)).toMatchObject({ status: "succeeded" });
    expect((await locks().where("job_id", "==", renameId).get()).size).toBe(0);
    expect((await runNow(addId)).status).not.toBe("deferred");
    const curls = await db.collection(CATALOG_COLLECTIONS.exercises).where("family_slug", "==", "curl").get();
    expect(curls.docs.filter((doc) => !["merged", "deprecated"].includes(doc.get("status") as string))).toEqual([]);
  });

  it("is known to its holder at its next write, also when that write finds the lease lost", async () => {
    const { engine, failures } = losingPlanReply();
    const { jobId } = await engine.queue.createJob({ type: "FAMILY_RENAME_SLUG", payload: RENAME, created_by: "test" });
    const { lease } = (await engine.queue.leaseById(jobId, "w1"))!;

    await expect(engine.queue.savePlan(lease, { operations: [] })).rejects.toMatchObject({ code: 14 });
    expect(failures.count).toBe(1);
    expect(lease.frozenPlanId).toBeNull();
    // Taken over meanwhile (the watchdog's recovery and another worker's lease).
    await jobs()
      .doc(jobId)
      .update({ lease_owner: "w2", lease_epoch: lease.epoch + 1 });

    await expect(engine.queue.renewLease(lease)).rejects.toBeInstanceOf(LeaseLostError);
    expect(lease.frozenPlanId).toBe(`p${lease.epoch}`);
  });
});
