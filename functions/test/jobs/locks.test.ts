import { familyLockKey } from "../../src/catalog/family-locks";
import { JOB_COLLECTIONS } from "../../src/jobs/collections";
import { LeaseLostError } from "../../src/jobs/errors";
import { LockManager } from "../../src/jobs/locks";
import { describeWithIsolation, newFirestore, useFirestore } from "../helpers/firestore";

const db = useFirestore();

const holder = (jobId: string, epoch = 1) => ({ jobId, epoch, owner: `worker-${jobId}` });

describe("family locks", () => {
  it("takes all keys or none", async () => {
    const locks = new LockManager(db);
    expect(await locks.acquireLocks(["family:a", "family:b"], holder("j1"))).toEqual({ acquired: true });
    const second = await locks.acquireLocks(["family:c", "family:b"], holder("j2"));
    expect(second).toEqual({ acquired: false, heldBy: [{ key: "family:b", jobId: "j1" }] });
    expect((await db.collection(JOB_COLLECTIONS.locks).doc("family%3Ac").get()).exists).toBe(false);
  });

  it("treats an expired lock as free", async () => {
    let now = new Date("2026-01-01T00:00:00Z");
    const locks = new LockManager(db, () => now, 1000);
    await locks.acquireLocks([familyLockKey("a")], holder("j1"));
    now = new Date(now.getTime() + 2000);
    expect(await locks.acquireLocks([familyLockKey("a")], holder("j2"))).toEqual({ acquired: true });
  });

  it("fences release and renewal by job and epoch", async () => {
    const locks = new LockManager(db);
    await locks.acquireLocks(["family:a"], holder("j1", 1));
    // The same job re-leased at a newer epoch re-takes its lock; the old epoch can no longer release or renew it.
    expect(await locks.acquireLocks(["family:a"], holder("j1", 2))).toEqual({ acquired: true });
    expect(await locks.releaseLocks(["family:a"], holder("j1", 1))).toBe(0);
    await expect(locks.renewLocks(["family:a"], holder("j1", 1))).rejects.toBeInstanceOf(LeaseLostError);
    await expect(locks.acquireLocks(["family:a"], holder("j1", 1))).rejects.toBeInstanceOf(LeaseLostError);
    await locks.renewLocks(["family:a"], holder("j1", 2));
    expect(await locks.releaseLocks(["family:a"], holder("j2", 2))).toBe(0);
    expect(await locks.releaseLocks(["family:a"], holder("j1", 2))).toBe(1);
    expect((await db.collection(JOB_COLLECTIONS.locks).get()).size).toBe(0);
  });
});

describeWithIsolation("family locks under contention (real transaction isolation)", () => {
  it("two jobs wanting overlapping family sets never both hold them", async () => {
    for (let round = 0; round < 10; round++) {
      const a = new LockManager(newFirestore());
      const b = new LockManager(newFirestore());
      const [ra, rb] = await Promise.all([
        a.acquireLocks(["family:x", "family:y"], holder(`a${round}`)),
        b.acquireLocks(["family:y", "family:z"], holder(`b${round}`)),
      ]);
      expect([ra.acquired, rb.acquired].filter(Boolean)).toHaveLength(1);
      const y = await db.collection(JOB_COLLECTIONS.locks).doc("family%3Ay").get();
      expect(y.get("job_id")).toBe(ra.acquired ? `a${round}` : `b${round}`);
      await a.releaseLocks(["family:x", "family:y"], holder(`a${round}`));
      await b.releaseLocks(["family:y", "family:z"], holder(`b${round}`));
    }
  });
});
