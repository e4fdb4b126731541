/**
 * Shared fixtures of the catalog handler tests: the demo catalog with its broken data, and running
 * one job through its handler the way the worker does (lock keys, handler, failure → status).
 */
import type { Firestore } from "firebase-admin/firestore";
import { BROKEN_ALIASES, BROKEN_EXERCISES, DEMO_ALIASES, DEMO_EXERCISES, DEMO_FAMILIES } from "../../src/catalog/demo-catalog";
import { APPLY_COLLECTIONS } from "../../src/apply/collections";
import { CATALOG_COLLECTIONS } from "../../src/catalog/collections";
import { JOB_COLLECTIONS } from "../../src/jobs/collections";
import { JobCancelledError, toJobFailure } from "../../src/jobs/errors";
import { registry } from "../../src/handlers";
import type { JobStatus } from "../../src/jobs/lifecycle";
import type { JobErrorInfo, Mode } from "../../src/jobs/model";
import { type CatalogSeed, type ExerciseFixture, exerciseFixture, retiredFamilyFixture, seedCatalog } from "../helpers/catalog";
import { type StructuredQueryProto, recordQueries } from "../helpers/query-indexes";
import { type TestDeps, type TestHandlerInput, leaseForTest, makeTestDeps } from "../helpers/engine";
import { type DocData } from "../../src/util/object-paths";
import type { Engine } from "../../src/create-engine";
import type { RunReport } from "../../src/jobs/worker";

export const MODES: Mode[] = ["dry_run", "apply"];

/** A family `rows` merged into the demo's `row` earlier: its registry entry retired, its slug an alias. */
export const ROWS_MERGED_INTO_ROW: CatalogSeed = {
  families: [retiredFamilyFixture("rows", "row")],
  aliases: [{ alias_slug: "rows", family_slug: "row", is_family_alias: true }],
};

export function demoSeed(): Required<CatalogSeed> {
  return {
    exercises: [...DEMO_EXERCISES, ...BROKEN_EXERCISES.map((broken): ExerciseFixture => ({ id: broken.id, ...broken.data }))],
    aliases: [...DEMO_ALIASES, ...BROKEN_ALIASES.map((broken) => broken.data)],
    families: DEMO_FAMILIES,
  };
}

/** The demo catalog, broken data included, plus anything `extra` adds. */
export async function seedDemo(db: Firestore, extra: CatalogSeed = {}): Promise<void> {
  const demo = demoSeed();
  await seedCatalog(db, {
    exercises: [...demo.exercises, ...(extra.exercises ?? [])],
    aliases: [...demo.aliases, ...(extra.aliases ?? [])],
    families: [...demo.families, ...(extra.families ?? [])],
  });
}

/** Engine deps for a mode: apply runs need the apply gate open. */
export function depsFor(db: Firestore, mode: Mode): TestDeps {
  return makeTestDeps(db, { applyEnabled: mode === "apply" });
}

export interface JobRun {
  jobId: string;
  /** The status the worker would give the job. */
  status: JobStatus;
  error: JobErrorInfo | null;
  summary: Record<string, unknown>;
  lockKeys: string[];
}

/** Creates, leases and runs one job; a thrown failure becomes the status the worker would set. */
export async function runJob(deps: TestDeps, type: string, payload: Record<string, unknown>): Promise<JobRun> {
  const input = await leaseForTest(deps, { type, payload });
  const handler = registry.handlerFor(type);
  const lockKeys = await (async () => (await handler.lockKeys?.(input.job, deps)) ?? [])().catch(() => []);
  try {
    const outcome = await handler.run(input);
    if (outcome.kind !== "completed") throw new Error(`unexpected outcome ${outcome.kind}`);
    return { jobId: input.job.id, status: outcome.status, error: outcome.error ?? null, summary: outcome.summary, lockKeys };
  } catch (err) {
    const failure = toJobFailure(err);
    if (failure.kind === "transient") throw err;
    return {
      jobId: input.job.id,
      status: failure.kind === "permanent" ? "failed" : "needs_review",
      error: failure.toInfo(),
      summary: {},
      lockKeys,
    };
  }
}

/** The job of `input`, cancelled (as its heartbeat would stop it) once it has created a follow-up job. */
export function cancelledAtFollowUp(input: TestHandlerInput): TestHandlerInput {
  const { engine } = input;
  return {
    ...input,
    engine: {
      ...engine,
      createJob: async (followUp) => {
        const created = await engine.createJob(followUp);
        input.abort.abort(new JobCancelledError(input.job.id));
        return created;
      },
    },
  };
}

export async function exercise(db: Firestore, id: string): Promise<DocData | null> {
  const snap = await db.collection(CATALOG_COLLECTIONS.exercises).doc(id).get();
  return snap.exists ? (snap.data() as DocData) : null;
}

export async function alias(db: Firestore, slug: string): Promise<DocData | null> {
  const snap = await db.collection(CATALOG_COLLECTIONS.aliases).doc(slug).get();
  return snap.exists ? (snap.data() as DocData) : null;
}

export async function family(db: Firestore, slug: string): Promise<DocData | null> {
  const snap = await db.collection(CATALOG_COLLECTIONS.families).doc(slug).get();
  return snap.exists ? (snap.data() as DocData) : null;
}

/** Ends every follow-up still queued as its job would (the scans `runJob` ran have ended already). */
export async function endFollowUps(db: Firestore): Promise<void> {
  const open = await db.collection(JOB_COLLECTIONS.jobs).where("status", "==", "queued").get();
  await Promise.all(open.docs.map((doc) => doc.ref.update({ status: "succeeded", finished_at: new Date() })));
}

/** Jobs other than `exceptJobId` (the follow-ups a scan created), as {type, payload, dedup_key, created_by}. */
export async function otherJobs(db: Firestore, exceptJobId: string): Promise<DocData[]> {
  const snap = await db.collection(JOB_COLLECTIONS.jobs).get();
  return snap.docs.filter((doc) => doc.id !== exceptJobId).map((doc) => doc.data());
}

/** `count` families of `size` exercises each (`family_0000`, ...: slug order is number order), none alike. */
/**
 * Runs job `jobId` with its run's deadline come as it starts, as a lane task's deadline (`DrainLimits.stopRunsAfterMs`)
 * reaches a long run: leased first, so the deadline cannot come before the lease, as a drain's may.
 */
export async function runAtDeadline(engine: Engine, jobId: string): Promise<RunReport> {
  const leased = await engine.queue.leaseById(jobId, "w-deadline");
  if (!leased) throw new Error(`job ${jobId} could not be leased`);
  return engine.worker("w-deadline").run(leased, { atMs: Date.now(), afterMs: 1 });
}

export function numberedFamilies(count: number, size: number, prefix = "family"): ExerciseFixture[] {
  return Array.from({ length: count }, (_, family) => {
    const slug = `${prefix}_${String(family).padStart(4, "0")}`;
    const name = (i: number) => `${prefix} Move ${family} Variant ${i} (Dumbbell)`;
    return Array.from({ length: size }, (_, i) => exerciseFixture(name(i), ["dumbbell"], { family_slug: slug }));
  }).flat();
}

/** How many queries `db` has sent since this was called that read exercises by family (a walk's pages, a family read whole). */
export function familyQueryCounter(db: Firestore): () => number {
  const sent: StructuredQueryProto[] = [];
  recordQueries(db, sent);
  return () => sent.filter((query) => JSON.stringify([query.where, query.orderBy]).includes('"fieldPath":"family_slug"')).length;
}

/** `db` whose transactions throw once `changes` catalog changes are journaled: the worker dies there. */
export function dyingAfterChanges(db: Firestore, changes: number): Firestore {
  return new Proxy(db, {
    get(target, prop) {
      if (prop !== "runTransaction") return Reflect.get(target, prop);
      return async (...args: Parameters<Firestore["runTransaction"]>) => {
        if ((await db.collection(APPLY_COLLECTIONS.changes).get()).size >= changes) throw new Error("worker killed");
        return target.runTransaction(...args);
      };
    },
  });
}
