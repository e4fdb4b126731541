/**
 * A seeded, randomised run: jobs of all 15 types (one of each first, in apply mode where the type has
 * a mode; then random ones), written by producers and by clients (some trigger events delivered
 * twice), run by racing workers on a Firestore that fails now and then, with an LLM
 * that times out, rate-limits and answers garbage, operators cancelling at random and a watchdog
 * recovering what is abandoned. At the end every invariant of `test/helpers/invariants.ts` must hold,
 * nothing but an injected fault (or a cancel of a job that had ended) may have been thrown, and no job
 * nor attempt may have failed on an error of the engine's own code (HANDLER_ERROR).
 * The seed is printed first and last; RANDOMIZED_SEED replays the same jobs (where the faults and cancels
 * land depends on the workers' timing), RANDOMIZED_JOBS sizes it (40 in
 * `npm test`; `npm run randomized` runs 500).
 */
import { createEngine } from "../../src/create-engine";
import { BROKEN_ALIASES, DEMO_EXERCISES } from "../../src/catalog/demo-catalog";
import { APPLY_COLLECTIONS } from "../../src/apply/collections";
import { JOB_COLLECTIONS } from "../../src/jobs/collections";
import { InvalidTransitionError } from "../../src/jobs/errors";
import { FINAL_STATUSES, isFinalStatus, isSuccessStatus, type JobStatus } from "../../src/jobs/lifecycle";
import type { JobErrorInfo, Mode } from "../../src/jobs/model";
import { InvalidJobError } from "../../src/jobs/queue";
import { FakeLlmClient } from "../../src/llm/index";
import { LlmError } from "../../src/llm/errors";
import type { LlmClient, LlmRequest, LlmResult } from "../../src/llm/types";
import { seedDemo } from "../handlers/support";
import { faultyFirestore, isInjectedFault, unexpectedErrors } from "../helpers/faults";
import { isWriteConflict } from "../../src/util/grpc-status";
import { seededRandom } from "../../src/util/seeded-random";
import { wholeNumberFromEnv } from "../helpers/env-numbers";
import { describeWithIsolation, useFirestore } from "../helpers/firestore";
import { catalogSnapshot, checkInvariants } from "../helpers/invariants";
import { RecordingTasks, testConfig } from "../helpers/runtime";

const db = useFirestore();

/** The fake LLM, failing a tenth of its calls: timeouts, rate limits, and answers that are not what was asked. */
class FlakyLlm implements LlmClient {
  readonly provider = "fake";
  failures = 0;
  constructor(
    private readonly inner: LlmClient,
    private readonly random: () => number,
  ) {}

  async generateJson<T>(req: LlmRequest<T>): Promise<LlmResult<T>> {
    const roll = this.random();
    if (roll < 0.1) {
      this.failures++;
      if (roll < 0.04) throw new LlmError("LLM_TIMEOUT", "injected: the model did not answer in time");
      if (roll < 0.07) throw new LlmError("LLM_RATE_LIMITED", "injected: 429 from the model");
      throw new LlmError("LLM_BAD_OUTPUT", "injected: the answer does not match the schema");
    }
    return this.inner.generateJson(req);
  }
}

type Request = { type: string; payload: Record<string, unknown> };

/**
 * The share of the jobs asked for that must end succeeded (or succeeded as dry runs); the others are
 * refused, cancelled or handed to a person, as the mix asks for. Measured at 40 jobs: 27 to 52
 * succeeded without faults (a hundred seeds), 25 to 46 under them (twelve seeds).
 */
const MIN_SUCCEEDED_SHARE = 0.25;

/** The code of an error the engine's own code threw, not one that classifies itself (`toJobFailure`): a defect. */
const HANDLER_ERROR = "HANDLER_ERROR";

/** An operator's cancel of a job that had ended before it came: refused, as it should be. */
function cancelOfEndedJob(err: unknown): boolean {
  return err instanceof InvalidTransitionError && isFinalStatus(err.from as JobStatus);
}

/**
 * The job at `index` in a run, with a payload that names real (and now and then missing) catalog data:
 * the first ones are one of each type in turn, in apply mode (scans and dry runs alone would journal
 * nothing for the invariants to check), the others of a random type in a random mode.
 */
function randomRequest(random: () => number, index: number): Request {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
  const randomMode: Mode = random() < 0.5 ? "apply" : "dry_run";
  const exercise = pick(DEMO_EXERCISES);
  const families = [...new Set(DEMO_EXERCISES.map((e) => e.family_slug))];
  const ids = (n: number) => Array.from({ length: n }, () => pick(DEMO_EXERCISES).id);
  const spec = { spec_id: "content", spec_version: 1, fields_to_enrich: ["description"] };
  const menu: Array<(mode: Mode) => Request> = [
    () => ({ type: "FAMILY_AUDIT", payload: { family_slug: pick(families) } }),
    (mode) => ({ type: "FAMILY_NORMALIZE", payload: { mode, family_slug: pick(families) } }),
    () => ({ type: "MAINTENANCE_SCAN", payload: { mode: "dry_run", family_limit: 3 } }),
    () => ({ type: "ALIAS_INVARIANT_SCAN", payload: { mode: "dry_run" } }),
    () => ({ type: "DUPLICATE_DETECTION_SCAN", payload: { mode: "dry_run" } }),
    (mode) => ({ type: "QUALITY_SCAN", payload: { mode, exercise_doc_ids: ids(3), emit_enrichment: random() < 0.3 } }),
    (mode) => ({ type: "SCHEMA_CLEANUP", payload: { mode, exercise_doc_ids: ids(2) } }),
    (mode) => ({ type: "ALIAS_REPAIR", payload: { mode, alias_slugs: [pick(BROKEN_ALIASES).id] } }),
    (mode) => ({ type: "CATALOG_ENRICH_FIELD", payload: { mode, enrichment_spec: spec, exercise_doc_ids: ids(4), shard_size: 2 } }),
    () => ({
      type: "CATALOG_ENRICH_FIELD_SHARD",
      payload: { mode: "dry_run", parent_job_id: "none", exercise_doc_ids: ids(2), enrichment_spec: spec },
    }),
    (mode) => ({
      type: "TARGETED_FIX",
      payload: {
        mode,
        exercise_doc_ids: [exercise.id],
        fix_type: "rename",
        fix_data: { new_name: `${exercise.name} Variant` },
        reason: "test",
      },
    }),
    (mode) => ({
      type: "EXERCISE_ADD",
      payload: { mode, intent: { base_name: `test lift ${Math.floor(random() * 20)}`, equipment: ["Dumbbells"], category: "Compound" } },
    }),
    (mode) => ({
      type: "FAMILY_RENAME_SLUG",
      payload: { mode, rename_config: { old_family_slug: pick(families), new_family_slug: `renamed_${Math.floor(random() * 5)}` } },
    }),
    (mode) => ({
      type: "FAMILY_SPLIT",
      payload: {
        mode,
        family_slug: exercise.family_slug,
        split_config: { target_family: `split_${Math.floor(random() * 5)}`, equipment: exercise.equipment.slice(0, 1) },
      },
    }),
    (mode) => ({ type: "FAMILY_MERGE", payload: { mode, merge_config: { source_family: pick(families), target_family: pick(families) } } }),
  ];
  return index < menu.length ? menu[index]("apply") : pick(menu)(randomMode);
}

describeWithIsolation("a seeded randomised run of every job type under faults", () => {
  it("ends with every invariant holding", async () => {
    const seed = wholeNumberFromEnv("RANDOMIZED_SEED", Date.now() % 1_000_000);
    const total = wholeNumberFromEnv("RANDOMIZED_JOBS", 40, 1);
    process.stdout.write(
      `randomized run: seed ${seed} (RANDOMIZED_SEED=${seed} replays its jobs; where faults and cancels land depends on timing), ${total} jobs\n`,
    );
    const random = seededRandom(seed);
    await seedDemo(db);
    const seeded = await catalogSnapshot(db);
    const config = testConfig({ applyEnabled: true, leaseMs: 2000, heartbeatMs: 400, staleQueuedMs: 1000, maxRepairs: 1 });
    const faults = { count: 0 };
    const llm = new FlakyLlm(new FakeLlmClient(), random);
    const tasks = new RecordingTasks();
    const engine = createEngine({ db: faultyFirestore(db, random, 0.02, faults), config, tasks, llm });
    const operator = createEngine({ db, config, tasks, llm: new FakeLlmClient() });

    const jobIds: string[] = [];
    let duplicatedEvents = 0;
    let refused = 0;
    for (let n = 0; n < total; n++) {
      const request = randomRequest(random, n);
      if (random() < 0.5) {
        // A producer's invalid request is refused at once; a client's becomes a job failed INVALID_JOB.
        const created = await operator.queue.createJob({ ...request, created_by: "producer" }).catch((err: unknown) => {
          if (!(err instanceof InvalidJobError)) throw err;
          refused++;
          return null;
        });
        if (created?.created) jobIds.push(created.jobId);
      } else {
        // A client app writes the document; the trigger takes it in (twice now and then).
        const ref = await db.collection(JOB_COLLECTIONS.jobs).add({ ...request, ...(random() < 0.05 ? { cancel_requested: true } : {}) });
        jobIds.push(ref.id);
        await operator.intake(ref.id, "client");
        if (random() < 0.1) {
          duplicatedEvents++;
          await operator.intake(ref.id, "client");
        }
      }
    }

    const deadline = Date.now() + 120_000 + total * 3_000;
    let open = true;
    const stillOpen = async () => {
      open = !(await db.collection(JOB_COLLECTIONS.jobs).where("status", "not-in", FINAL_STATUSES).limit(1).get()).empty;
      return open;
    };
    const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    let cancels = 0;
    // A function that threw on an injected fault is retried (the loops are the retries); anything else it throws is a defect.
    const { errors: unexpected, unlessInjected, failedInReport } = unexpectedErrors();
    const work = async (workerId: string) => {
      while (open && Date.now() < deadline) {
        await engine.worker(workerId).drain(["priority", "maintenance"], { maxJobs: 10, budgetMs: 20_000 }).catch(unlessInjected(workerId));
        await pause(20);
      }
    };
    const sweepAndCancel = async () => {
      while ((await stillOpen()) && Date.now() < deadline) {
        await operator.runWatchdog().then(failedInReport("watchdog"), unlessInjected("watchdog"));
        for (let i = 0; i < 3; i++) {
          if (random() < 0.3) {
            cancels++;
            await operator.cancel(jobIds[Math.floor(random() * jobIds.length)]).catch(unlessInjected("cancel", cancelOfEndedJob));
          }
        }
        // Parents waiting for their children's next check (a minute): make them due. Only those, since
        // touching a ready job would void the version a worker's lease is conditioned on.
        const waiting = await db
          .collection(JOB_COLLECTIONS.jobs)
          .where("run_after", ">", new Date(Date.now() + 5_000))
          .get();
        await Promise.all(
          waiting.docs
            .filter((doc) => doc.get("status") === "deferred")
            .map((doc) =>
              doc.ref
                .update({ run_after: new Date() }, { lastUpdateTime: doc.updateTime })
                .catch(unlessInjected("making a parent due", isWriteConflict)),
            ),
        );
        await pause(500);
      }
    };
    await Promise.all([work("w1"), work("w2"), work("w3"), work("w4"), sweepAndCancel()]);
    // Locks of crashed holders expire with their lease; the watchdog deletes them.
    await pause(config.leaseMs + 500);
    await operator.runWatchdog().then(failedInReport("last watchdog run"));

    const jobs = await db.collection(JOB_COLLECTIONS.jobs).get();
    const statuses: Record<string, number> = {};
    for (const job of jobs.docs) statuses[job.get("status") as string] = (statuses[job.get("status") as string] ?? 0) + 1;
    const succeeded = jobs.docs.filter((job) => isSuccessStatus(job.get("status") as JobStatus)).length;
    const keyedEntries = (await db.collection(APPLY_COLLECTIONS.changes).get()).docs.filter((entry) => entry.get("idempotency_key")).length;
    const violations = Object.values((await checkInvariants(db, { expectedJobIds: jobIds, seed: seeded })).violations).flat();
    // Each job's error and each attempt's: a job may have been retried past an attempt that failed so.
    const attempts = await db.collectionGroup(JOB_COLLECTIONS.attempts).get();
    const handlerErrors = [...jobs.docs, ...attempts.docs].flatMap((doc) => {
      const error = doc.get("error") as JobErrorInfo | null | undefined;
      return error?.code === HANDLER_ERROR && !isInjectedFault(error)
        ? [{ path: doc.ref.path, status: doc.get("status") as string, error }]
        : [];
    });
    process.stdout.write(
      `randomized run: seed ${seed}, ${jobs.size} jobs (${total} asked for, ${refused} refused, ${duplicatedEvents} trigger events delivered twice), ` +
        `${faults.count} Firestore faults, ${llm.failures} LLM faults, ${cancels} cancels, statuses ${JSON.stringify(statuses)}, ` +
        `${keyedEntries} keyed journal entries, ${violations.length} violations\n`,
    );
    // The run did what its name says: jobs were written and ran, applied keyed operations (what "no
    // operation applied twice" checks), and Firestore faults met them (LLM faults alone do not count).
    // Measured at 40 jobs: 6 to 50 keyed entries without faults (a hundred seeds), 5 to 43 and 6 to 21
    // Firestore faults under them (twelve seeds).
    expect(jobIds.length).toBeGreaterThan(0);
    expect(jobs.size).toBeGreaterThanOrEqual(jobIds.length);
    expect(faults.count).toBeGreaterThan(0);
    expect(keyedEntries).toBeGreaterThan(0);
    expect(succeeded).toBeGreaterThanOrEqual(total * MIN_SUCCEEDED_SHARE);
    expect(violations).toEqual([]);
    expect(unexpected).toEqual([]);
    expect(handlerErrors).toEqual([]);
  }, 3_600_000);
});
