/**
 * The invariant checker of `npm run chaos` bites: on a clean state built by the engine it reports
 * nothing, and each kind of corruption a crash could leave is reported by its invariant.
 */
import { FieldValue, type Firestore, Timestamp } from "firebase-admin/firestore";
import { APPLY_COLLECTIONS } from "../../src/apply/collections";
import { CATALOG_COLLECTIONS } from "../../src/catalog/collections";
import { registry } from "../../src/handlers";
import { JOB_COLLECTIONS } from "../../src/jobs/collections";
import { seedDemoCatalog } from "../../src/local/seed";
import { describeWithFullEmulator, useFirestore } from "../helpers/firestore";
import { type Invariant, type InvariantReport, checkInvariants } from "../helpers/invariants";
import { testConfig, useRuntime, waitFor } from "../helpers/runtime";

const db = useFirestore();
const startRuntime = useRuntime(db);

/**
 * A rename (with the alias of its old slug and the family registry's update: a three-operation plan)
 * and a dry run, both finished as they should.
 */
async function cleanState(): Promise<{ renameId: string; jobIds: string[] }> {
  await seedDemoCatalog(db);
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
  return { renameId: rename.id, jobIds };
}

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

/** A corruption, the invariant that reports it, how to make it, and any invariant it rightly trips as well. */
type Corruption = [string, Invariant, (db: Firestore, state: { renameId: string }) => Promise<unknown>, Invariant[]?];

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
      await db.collection(JOB_COLLECTIONS.runSummaries).doc(`${renameId}_${epoch}`).delete();
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
      await alias.ref.delete();
    },
  ],
];

describeWithFullEmulator("chaos invariants", () => {
  it("reports nothing for a state the engine left", async () => {
    const { jobIds } = await cleanState();
    const report = await checkInvariants(db, { expectedJobIds: jobIds });
    expect(report.violations).toEqual(Object.fromEntries(Object.keys(report.violations).map((name) => [name, []])));
    expect(report.jobs).toBe(2);
  });

  it("reports a job the client wrote that is gone", async () => {
    const { jobIds } = await cleanState();
    const report = await checkInvariants(db, { expectedJobIds: [...jobIds, "never-seen"] });
    expect(report.violations.job_lost).toEqual(["never-seen was written and is gone"]);
    expect(report.total).toBe(1);
  });

  it.each(CORRUPTIONS)("reports %s as %s", async (_name, invariant, corrupt, also = []) => {
    const state = await cleanState();
    expect(firing(await checkInvariants(db, { expectedJobIds: state.jobIds }))).toEqual({});
    await corrupt(db, state);
    const report = await checkInvariants(db, { expectedJobIds: state.jobIds });
    // Its invariant reports it, and no other does but those named with it.
    expect(firing(report)).toEqual(Object.fromEntries([invariant, ...also].map((name) => [name, expect.any(Array)])));
  });
});
