/**
 * A job that froze a plan keeps its locks until the plan ends: between two of its attempts the catalog
 * is half-changed, and another job planning from it (an exercise added to a family being renamed away)
 * would leave what no plan meant (a live exercise in a merged family).
 */
import { type Firestore, Timestamp } from "firebase-admin/firestore";
import { APPLY_COLLECTIONS } from "../../src/apply/collections";
import { CATALOG_COLLECTIONS } from "../../src/catalog/collections";
import { computeFamilyRegistry } from "../../src/catalog/family-registry";
import { createEngine } from "../../src/create-engine";
import { registry } from "../../src/handlers";
import { JOB_COLLECTIONS } from "../../src/jobs/collections";
import { LockManager } from "../../src/jobs/locks";
import { exerciseFixture, seedCatalog } from "../helpers/catalog";
import { describeWithIsolation, useFirestore } from "../helpers/firestore";
import { RecordingTasks, testConfig } from "../helpers/runtime";

const db = useFirestore();
const jobs = () => db.collection(JOB_COLLECTIONS.jobs);
const locks = () => db.collection(JOB_COLLECTIONS.locks);
const RENAME = { mode: "apply", rename_config: { old_family_slug: "curl", new_family_slug: "biceps_curl" } };
const ADD = { mode: "apply", intent: { base_name: "Curl", equipment: ["cable"] } };

/** The database, but the first transaction after `changes` catalog changes fails as an outage would (once). */
function outageAfterChanges(changes: number): Firestore {
  let armed = true;
  return new Proxy(db, {
    get(target, prop) {
      if (prop !== "runTransaction") return Reflect.get(target, prop) as unknown;
      return async (...args: Parameters<Firestore["runTransaction"]>) => {
        if (armed && (await db.collection(APPLY_COLLECTIONS.changes).count().get()).data().count >= changes) {
          armed = false;
          throw Object.assign(new Error("14 UNAVAILABLE: connection reset"), { code: 14 });
        }
        return target.runTransaction(...args);
      };
    },
  });
}

const engineOn = (database: Firestore) =>
  createEngine({ db: database, config: testConfig({ applyEnabled: true }), tasks: new RecordingTasks(), registry });

async function seedCurls(): Promise<void> {
  const curls = [exerciseFixture("Curl (Barbell)", ["barbell"]), exerciseFixture("Curl (Dumbbell)", ["dumbbell"])];
  await seedCatalog(db, { exercises: curls, families: [computeFamilyRegistry("curl", curls)] });
}

async function runNow(engine: ReturnType<typeof engineOn>, jobId: string) {
  await jobs().doc(jobId).update({ run_after: Timestamp.now() });
  return engine.worker("w").run((await engine.queue.leaseById(jobId, "w"))!);
}

/** Live exercises left in family `slug`. */
async function liveIn(slug: string): Promise<string[]> {
  const members = await db.collection(CATALOG_COLLECTIONS.exercises).where("family_slug", "==", slug).get();
  return members.docs.filter((doc) => !["merged", "deprecated"].includes(doc.get("status") as string)).map((doc) => doc.id);
}

describeWithIsolation("locks of a job whose plan is frozen and not finished", () => {
  it("are kept when an attempt ends part-way, past their expiry too, and given up when the plan ends", async () => {
    await seedCurls();
    const engine = engineOn(db);
    const { jobId: renameId } = await engine.queue.createJob({ type: "FAMILY_RENAME_SLUG", payload: RENAME, created_by: "test" });
    const first = await engineOn(outageAfterChanges(2))
      .worker("w1")
      .run((await engine.queue.leaseById(renameId, "w1"))!);
    expect(first).toMatchObject({ status: "queued" });
    expect((await jobs().doc(renameId).get()).get("plan_id")).toEqual(expect.any(String));

    // An exercise added to the family meanwhile waits for the rename, also once its locks ran out.
    const { jobId: addId } = await engine.queue.createJob({ type: "EXERCISE_ADD", payload: ADD, created_by: "test" });
    expect(await runNow(engine, addId)).toMatchObject({ status: "deferred", error: { code: "LOCK_HELD" } });
    // A dry run (a user's preview) writes nothing: it does not wait for the family's lock.
    const preview = await engine.queue.createJob({ type: "EXERCISE_ADD", payload: { ...ADD, mode: "dry_run" }, created_by: "test" });
    expect(await runNow(engine, preview.jobId)).toMatchObject({ status: "succeeded_dry_run" });
    const kept = await locks().where("job_id", "==", renameId).get();
    expect(kept.size).toBe(2);
    // Firestore's TTL deletes a lock only as late as a finished job (`expire_at`), not at `expires_at`.
    for (const lock of kept.docs)
      expect((lock.get("expire_at") as Timestamp).toMillis() - (lock.get("acquired_at") as Timestamp).toMillis()).toBe(
        testConfig().retainJobsMs,
      );
    await Promise.all(kept.docs.map((lock) => lock.ref.update({ expires_at: Timestamp.fromMillis(Date.now() - 1000) })));
    expect(await runNow(engine, addId)).toMatchObject({ status: "deferred", error: { code: "LOCK_HELD" } });
    // Nor does the watchdog delete them.
    expect(await engine.runWatchdog()).toMatchObject({ locks_deleted: 0 });
    expect((await locks().where("job_id", "==", renameId).get()).size).toBe(2);

    expect(await runNow(engine, renameId)).toMatchObject({ status: "succeeded" });
    expect((await locks().where("job_id", "==", renameId).get()).size).toBe(0);
    const add = await runNow(engine, addId);
    expect(add.status).not.toBe("deferred");
    expect(await liveIn("curl")).toEqual([]);
  });

  it("are kept by the watchdog's recovery of its expired lease, and free once the job has ended", async () => {
    await seedCurls();
    const engine = engineOn(db);
    const lockManager = new LockManager(db);
    const { jobId: renameId } = await engine.queue.createJob({ type: "FAMILY_RENAME_SLUG", payload: RENAME, created_by: "test" });
    // Its worker died after freezing the plan, its lease and locks ran out.
    const { lease } = (await engine.queue.leaseById(renameId, "w1"))!;
    const holder = { jobId: renameId, epoch: lease.epoch, owner: "w1" };
    expect(await lockManager.acquireLocks(["family:curl"], holder)).toEqual({ acquired: true });
    const past = Timestamp.fromMillis(Date.now() - 1000);
    await jobs()
      .doc(renameId)
      .update({ plan_id: `p${lease.epoch}`, lease_expires_at: past });
    await locks().doc("family%3Acurl").update({ expires_at: past });

    expect(await engine.runWatchdog()).toMatchObject({ expired_leases_recovered: 1, locks_released: 0, locks_deleted: 0 });
    expect((await jobs().doc(renameId).get()).get("status")).toBe("queued");
    const other = { jobId: "other", epoch: 1, owner: "w2" };
    expect(await lockManager.acquireLocks(["family:curl"], other)).toEqual({
      acquired: false,
      heldBy: [{ key: "family:curl", jobId: renameId }],
    });

    // Ended (an operator's cancel, a deadletter): the lock is free, and the watchdog deletes it.
    await jobs().doc(renameId).update({ status: "deadletter" });
    expect(await engine.runWatchdog()).toMatchObject({ locks_deleted: 1 });
    expect(await lockManager.acquireLocks(["family:curl"], other)).toEqual({ acquired: true });
  });
});
