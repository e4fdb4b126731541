/**
 * The invariant checker of `npm run chaos` bites: on a clean state built by the engine it reports
 * nothing, and each kind of corruption a crash could leave is reported by its invariant.
 */
import { FieldValue, type Firestore, type QueryDocumentSnapshot, Timestamp } from "firebase-admin/firestore";
import { APPLY_COLLECTIONS } from "../../src/apply/collections";
import { revertChange } from "../../src/apply/journal";
import { CATALOG_COLLECTIONS } from "../../src/catalog/collections";
import { registry } from "../../src/handlers";
import { JOB_COLLECTIONS } from "../../src/jobs/collections";
import { seedDemoCatalog } from "../../src/local/seed";
import { describeWithFullEmulator, useFirestore } from "../helpers/firestore";
import { runSummaryDoc } from "../helpers/runs";
import { type CatalogSnapshot, type Invariant, type InvariantReport, catalogSnapshot, checkInvariants } from "../helpers/invariants";
import { testConfig, useRuntime, waitFor } from "../helpers/runtime";

const db = useFirestore();
const startRuntime = useRuntime(db);

interface CleanState {
  renameId: string;
  auditId: string;
  jobIds: string[];
  seed: CatalogSnapshot;
}

/**
 * A rename (with the alias of its old slug and the family registry's update: a three-operation plan)
 * and a dry run, both finished as they should.
 */
async function cleanState(): Promise<CleanState> {
  await seedDemoCatalog(db);
  const seed = await catalogSnapshot(db);
  const runtime = await startRuntime(registry, { config: testConfig({ applyEnabled: true }) });
  const jobs = db.collection(JOB_COLLECTIONS.jobs);
  const rename = await jobs.add({
    type: "TARGETED_FIX",
    payload: {
      mode: "apply",
      exercise_doc_ids: ["squat__squat-barbell"],
      fix_type: "rename",
      fix_data: { new_name: "Back Squat (Barbell)" },
    },
    status: "queued",
    created_at: Timestamp.now(),
  });
  const audit = await jobs.add({
    type: "FAMILY_AUDIT",
    payload: { family_slug: "bench_press" },
    status: "queued",
    created_at: Timestamp.now(),
  });
  const jobIds = [rename.id, audit.id];
  const statuses = () => Promise.all(jobIds.map(async (id) => (await jobs.doc(id).get()).get("status") as string));
  // waitFor gives back what it last read when time runs out: checked below, not taken on trust.
  const finished = await waitFor(statuses, (all) => all.every((status) => status.startsWith("succeeded")));
  expect(finished).toEqual(["succeeded", "succeeded_dry_run"]);
  await runtime.idle();
  // What the corruptions below work on: the rename's journal, the rename first and the alias among it.
  expect((await journalOf(rename.id)).map((entry) => entry.get("op") as string)).toEqual([
    "rename_exercise",
    "upsert_alias",
    "update_family_registry",
  ]);
  return { renameId: rename.id, auditId: audit.id, jobIds, seed };
}

const check = ({ jobIds, seed }: CleanState) => checkInvariants(db, { expectedJobIds: jobIds, seed });

/** The invariants a report finds violated, with their lines. */
function firing(report: InvariantReport): Partial<Record<Invariant, string[]>> {
  return Object.fromEntries(Object.entries(report.violations).filter(([, lines]) => lines.length > 0));
}

async function journalOf(jobId: string) {
  const changes = (await db.collection(APPLY_COLLECTIONS.changes).where("job_id", "==", jobId).get()).docs;
  // Ordered here: the engine never reads them in this order, so production has no index for it.
  return changes.sort((a, b) => (a.get("operation_index") as number) - (b.get("operation_index") as number));
}

async function lastAttemptOf(jobId: string) {
  const job = await db.collection(JOB_COLLECTIONS.jobs).doc(jobId).get();
  return job.ref.collection(JOB_COLLECTIONS.attempts).doc(String(job.get("lease_epoch")));
}

async function planOf(jobId: string) {
  const job = await db.collection(JOB_COLLECTIONS.jobs).doc(jobId).get();
  return job.ref
    .collection(JOB_COLLECTIONS.plans)
    .doc(job.get("plan_id") as string)
    .get();
}

/** A corruption, the invariant that reports it, how to make it, and any invariant it rightly trips as well. */
type Corruption = [string, Invariant, (db: Firestore, state: CleanState) => Promise<unknown>, Invariant[]?];

const CORRUPTIONS: Corruption[] = [
  [
    "a duplicated journal entry",
    "operation_applied_twice",
    async (db, { renameId }) => {
      const [entry] = await journalOf(renameId);
      await db.collection(APPLY_COLLECTIONS.changes).add(entry.data());
    },
    // Written here, after the job's attempt had ended.
    ["stale_epoch_write"],
  ],
  [
    "a running attempt of a final job",
    "history_incomplete",
    async (_db, { renameId }) => (await lastAttemptOf(renameId)).update({ status: "running" }),
  ],
  [
    "a missing run summary",
    "history_incomplete",
    async (db, { renameId }) => {
      const epoch = (await lastAttemptOf(renameId)).id;
      await (await runSummaryDoc(db, renameId, Number(epoch))).ref.delete();
    },
    // The day's counters still count the run whose summary is gone.
    ["daily_totals"],
  ],
  [
    "a daily total off by one",
    "daily_totals",
    async (db) => {
      const [shard] = (await db.collectionGroup(JOB_COLLECTIONS.dailyShards).get()).docs;
      await shard.ref.update({ runs: FieldValue.increment(1) });
    },
  ],
  [
    "a held lock of a final job",
    "lock_of_final_job",
    (db, { renameId }) =>
      db
        .collection(JOB_COLLECTIONS.locks)
        .doc("family%3Asquat")
        .set({
          key: "family:squat",
          job_id: renameId,
          lease_epoch: 1,
          owner: "dead-worker",
          expires_at: Timestamp.fromMillis(Date.now() + 60_000),
        }),
  ],
  [
    "a job left running",
    "final_status",
    (db, { renameId }) => db.collection(JOB_COLLECTIONS.jobs).doc(renameId).update({ status: "running", lease_owner: "dead-worker" }),
  ],
  [
    "a journal entry written at an epoch the job never held",
    "stale_epoch_write",
    async (_db, { renameId }) => {
      const [entry] = await journalOf(renameId);
      await entry.ref.update({ lease_epoch: 99 });
    },
  ],
  [
    "a journal entry written after its attempt had ended (a worker the watchdog took the job from)",
    "stale_epoch_write",
    async (db, { renameId }) => {
      const [entry] = await journalOf(renameId);
      await db.collection(APPLY_COLLECTIONS.changes).add({ ...entry.data(), idempotency_key: null });
    },
  ],
  [
    "a catalog write that bypassed the journal",
    "catalog_unjournaled",
    (db) =>
      db
        .collection(CATALOG_COLLECTIONS.exercises)
        .doc("squat__squat-barbell")
        .update({ description: "Changed behind the journal's back." }),
  ],
  [
    "a journaled change whose document write was lost (the document is as the change before left it)",
    "catalog_unjournaled",
    async (db, { renameId }) => {
      const [rename] = await journalOf(renameId);
      const [exercise] = rename.get("documents") as Array<{ after: Record<string, unknown> }>;
      const later = { ...exercise, before: exercise.after, after: { ...exercise.after, name: "Front Squat (Barbell)" } };
      await db
        .collection(APPLY_COLLECTIONS.changes)
        .add({ ...rename.data(), idempotency_key: null, applied_at: Timestamp.now(), documents: [later] });
    },
    // Written here, after the job's attempt had ended.
    ["stale_epoch_write"],
  ],
  [
    "a catalog document no change wrote, changed since the seed",
    "catalog_unjournaled",
    (db) =>
      db
        .collection(CATALOG_COLLECTIONS.exercises)
        .doc("bench_press__bench-press-barbell")
        .update({ description: "Changed behind the journal's back." }),
  ],
  [
    "a catalog document neither the seed nor any change has",
    "catalog_unjournaled",
    async (db) => {
      const seeded = await db.collection(CATALOG_COLLECTIONS.aliases).limit(1).get();
      await db.collection(CATALOG_COLLECTIONS.aliases).doc("ghost-alias").set(seeded.docs[0].data());
    },
  ],
  [
    "a document changed after its change was reverted",
    "catalog_unjournaled",
    async (db, { renameId }) => {
      // Last applied, first reverted.
      for (const entry of (await journalOf(renameId)).reverse()) await revertChange(db, entry.id);
      await db
        .collection(CATALOG_COLLECTIONS.exercises)
        .doc("squat__squat-barbell")
        .update({ description: "Changed behind the journal's back." });
    },
  ],
  [
    "a job refused as a duplicate that ran",
    "dedup_overlap",
    (db, { auditId }) =>
      db
        .collection(JOB_COLLECTIONS.jobs)
        .doc(auditId)
        .update({ status: "failed", error: { code: "DUPLICATE_JOB", message: "a duplicate", transient: false } }),
  ],
  [
    "a frozen plan rewritten after its attempt had ended (set again at its id, so created as before)",
    "stale_epoch_write",
    async (_db, { renameId }) => (await planOf(renameId)).ref.update({ saved_at: Timestamp.now() }),
  ],
  [
    "a second frozen plan (an attempt that planned again instead of resuming)",
    "plan_incomplete",
    async (_db, { renameId }) => {
      const plan = await planOf(renameId);
      await plan.ref.parent.doc("p9").set({ ...plan.data(), plan_id: "p9", lease_epoch: 9 });
    },
    // An epoch the job never held.
    ["stale_epoch_write"],
  ],
  [
    "a succeeded job that names no plan, though it froze one",
    "plan_incomplete",
    (db, { renameId }) => db.collection(JOB_COLLECTIONS.jobs).doc(renameId).update({ plan_id: null }),
  ],
  [
    "a rename whose family registry's update (an operation with no idempotency key) was never applied",
    "plan_incomplete",
    async (db, { renameId }) => {
      const registry = (await journalOf(renameId)).find((entry) => entry.get("op") === "update_family_registry")!;
      const [family] = registry.get("documents") as Array<{ collection: string; id: string; before: Record<string, unknown> }>;
      await db.collection(family.collection).doc(family.id).set(family.before);
      await registry.ref.delete();
    },
  ],
  [
    "two jobs of one dedup key running at once",
    "dedup_overlap",
    async (db, { renameId }) => {
      const jobs = db.collection(JOB_COLLECTIONS.jobs);
      const other = (await jobs.get()).docs.find((doc) => doc.id !== renameId)!;
      await jobs.doc(renameId).update({ dedup_key: "one-key", finished_at: Timestamp.fromMillis(Date.now() + 3_600_000) });
      await other.ref.update({ dedup_key: "one-key", finished_at: Timestamp.fromMillis(Date.now() + 3_600_000) });
    },
  ],
  [
    "a cancelled job whose plan was applied",
    "plan_incomplete",
    (db, { renameId }) => db.collection(JOB_COLLECTIONS.jobs).doc(renameId).update({ status: "cancelled" }),
  ],
  [
    "a rename whose alias was never applied",
    "plan_incomplete",
    async (db, { renameId }) => {
      const entries = await journalOf(renameId);
      const alias = entries.find((entry) => entry.get("op") === "upsert_alias")!;
      await db
        .collection(APPLY_COLLECTIONS.idempotency)
        .doc(alias.get("idempotency_key") as string)
        .delete();
      await db.doc(String((alias.get("targets") as string[])[0])).delete();
      await alias.ref.delete();
    },
  ],
];

/**
 * A lock of the final rename job at its last epoch, expired, that the processes left and the watchdog
 * deleted since; and when its attempt ended.
 */
async function lockLeftAndDeleted(renameId: string): Promise<{ docs: QueryDocumentSnapshot[]; attemptEnded: number }> {
  const attempt = await (await lastAttemptOf(renameId)).get();
  const lock = db.collection(JOB_COLLECTIONS.locks).doc("family%3Asquat");
  await lock.set({
    key: "family:squat",
    job_id: renameId,
    lease_epoch: Number(attempt.id),
    owner: "dead-worker",
    expires_at: Timestamp.fromMillis(Date.now() - 1_000),
  });
  const left = await db.collection(JOB_COLLECTIONS.locks).get();
  await lock.delete();
  return { docs: left.docs, attemptEnded: attempt.createTime!.toMillis() };
}

describeWithFullEmulator("chaos invariants", () => {
  it("reports nothing for a state the engine left", async () => {
    const state = await cleanState();
    const report = await check(state);
    expect(report.violations).toEqual(Object.fromEntries(Object.keys(report.violations).map((name) => [name, []])));
    expect(report.jobs).toBe(2);
  });

  it("reports nothing once the job's changes are reverted (its family's registry recomputed by a revert)", async () => {
    const state = await cleanState();
    for (const entry of (await journalOf(state.renameId)).reverse()) await revertChange(db, entry.id);
    expect(firing(await check(state))).toEqual({});
  });

  it("reports a job the client wrote that is gone", async () => {
    const state = await cleanState();
    const report = await checkInvariants(db, { expectedJobIds: [...state.jobIds, "never-seen"], seed: state.seed });
    expect(report.violations.job_lost).toEqual(["never-seen was written and is gone"]);
    expect(report.total).toBe(1);
  });

  it.each(CORRUPTIONS)("reports %s as %s", async (_name, invariant, corrupt, also = []) => {
    const state = await cleanState();
    expect(firing(await check(state))).toEqual({});
    await corrupt(db, state);
    const report = await check(state);
    // Its invariant reports it, and no other does but those named with it.
    expect(firing(report)).toEqual(Object.fromEntries([invariant, ...also].map((name) => [name, expect.any(Array)])));
  });

  it("reports a lock a final job was left holding, which no kill explains, though the watchdog deleted it since", async () => {
    const state = await cleanState();
    const { docs, attemptEnded } = await lockLeftAndDeleted(state.renameId);
    const report = await checkInvariants(db, {
      expectedJobIds: state.jobIds,
      seed: state.seed,
      locksLeft: { docs, killedAt: [attemptEnded + 60_000] },
    });
    expect(firing(report)).toEqual({ lock_of_final_job: [expect.stringContaining("was left held by")] });
  });

  it("lets pass a lock left by a process killed right after its job's attempt ended", async () => {
    const state = await cleanState();
    const { docs, attemptEnded } = await lockLeftAndDeleted(state.renameId);
    expect(
      firing(
        await checkInvariants(db, {
          expectedJobIds: state.jobIds,
          seed: state.seed,
          locksLeft: { docs, killedAt: [attemptEnded + 1_000] },
        }),
      ),
    ).toEqual({});
  });
});
