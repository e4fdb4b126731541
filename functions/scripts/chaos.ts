/**
 * `npm run chaos`: crash-proofing under SIGKILL. One official Firestore emulator, the demo catalog
 * seeded once, and two engine processes (`npm start`'s entry, against that emulator, with short
 * leases) that clients flood with job documents of every kind while this script kills them with
 * SIGKILL at random moments, and right after a multi-operation plan's first catalog write (seen
 * by a listener on the change journal), and restarts them. Then it lets them finish every job,
 * reads the locks they left, runs the watchdog once more and checks the invariants of
 * test/helpers/invariants.ts.
 *
 *   npm run chaos -- [--jobs 300] [--seed S] [--kills 10] [--plan-kills 4] [--timeout 900]
 *
 * --jobs        client-written jobs (duplicates included; follow-up and child jobs come on top)
 * --seed        the PRNG seed of the job mix and the kill schedule (printed; pass it to reproduce)
 * --kills       SIGKILLs of one process at a random moment
 * --plan-kills  SIGKILLs of every running process right after a multi-operation plan's first write,
 *               until this many interrupted a plan (a later attempt journaled more of it, or resumed it
 *               and found the rest already in effect)
 * --timeout     seconds the whole run may take before it fails
 *
 * The seed fixes the job mix exactly and the kill schedule's pauses; what a kill catches also
 * depends on the processes' timing, so a replay is close, not identical.
 *
 * Exit code 1 on any violation or timeout, when the journal's listener failed, and when plan kills
 * were asked for but none interrupted a plan (no later attempt journaled more of it or resumed it). The last
 * line prints the seed and the counts.
 */
import "../src/local/quiet-logs";
import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream, mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { FieldValue, type Firestore } from "firebase-admin/firestore";
import { APPLY_COLLECTIONS } from "../src/apply/collections";
import type { Operation } from "../src/apply/plan";
import { DEMO_EXERCISES, DEMO_FAMILIES } from "../src/catalog/demo-catalog";
import { loadEngineConfig } from "../src/config";
import { createEngine } from "../src/create-engine";
import { firestoreClient } from "../src/firestore";
import { JOB_COLLECTIONS } from "../src/jobs/collections";
import { type JobStatus, OPEN_STATUSES } from "../src/jobs/lifecycle";
import { clearEmulator, hasTransactionIsolation, startOrFindEmulator } from "../src/local/emulator";
import { GrpcStatus } from "../src/util/grpc-status";
import { seededRandom } from "../src/util/seeded-random";
import { seedDemoCatalog } from "../src/local/seed";
import { catalogSnapshot, checkInvariants } from "../test/helpers/invariants";
import { sentAgainWhenRefused } from "../test/helpers/resend";

const PROJECT_ID = "demo-catalog-chaos";
const FUNCTIONS_DIR = path.join(__dirname, "..");
const ENGINE_PROCESSES = 2;

/** Short leases and retries, so a killed worker's jobs are recovered within seconds. */
const ENGINE_PARAMS: Record<string, string> = {
  JOB_LEASE_SECONDS: "3",
  JOB_HEARTBEAT_SECONDS: "1",
  JOB_LOCK_RETRY_SECONDS: "1",
  JOB_BACKOFF_BASE_SECONDS: "1",
  JOB_BACKOFF_MAX_SECONDS: "4",
  // The shortest the param allows; a restart also runs the watchdog at once.
  WATCHDOG_INTERVAL_MINUTES: "1",
  WATCHDOG_STALE_QUEUED_SECONDS: "2",
  CATALOG_APPLY_ENABLED: "true",
  LLM_PROVIDER: "fake",
};
const LEASE_MS = Number(ENGINE_PARAMS.JOB_LEASE_SECONDS) * 1000;

const { values: args } = parseArgs({
  options: {
    jobs: { type: "string", default: "300" },
    seed: { type: "string" },
    kills: { type: "string", default: "10" },
    "plan-kills": { type: "string", default: "4" },
    timeout: { type: "string", default: "900" },
  },
});
/** A flag's whole number, at least `min`; anything else stops the run before it starts (a typo must not pass as a run). */
function wholeNumber(flag: keyof typeof args, min: number): number {
  const raw = args[flag];
  const value = Number(raw);
  if (raw === undefined || raw.trim() === "" || !Number.isSafeInteger(value) || value < min) {
    process.stderr.write(`chaos: --${flag} must be a whole number of at least ${min}, got "${raw}"\n`);
    process.exit(2);
  }
  return value;
}
const JOBS = wholeNumber("jobs", 1);
const SEED = args.seed !== undefined ? wholeNumber("seed", 0) : Math.floor(Math.random() * 2 ** 31);
const RANDOM_KILLS = wholeNumber("kills", 0);
const PLAN_KILLS = wholeNumber("plan-kills", 0);
/** How long the kills may go on after the last job was written, waiting for plans to catch. */
const CHAOS_AFTER_WRITES_MS = 120_000;
const DEADLINE = Date.now() + wholeNumber("timeout", 1) * 1000;

// One stream per concern, so the job mix does not depend on when kills happened.
const mixRandom = seededRandom(SEED);
const killRandom = seededRandom(SEED + 1);
const pick = <T>(items: readonly T[], random = mixRandom): T => items[Math.floor(random() * items.length)];
const between = (min: number, max: number, random = mixRandom) => min + Math.floor(random() * (max - min + 1));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// ------------------------------------------------------------------ the client's job mix

type ClientJob = { type: string; payload: Record<string, unknown>; dedup_key?: string };

const BROKEN_FAMILIES = ["biceps_curl", "hip_thrust", "shoulder_press", "lat_pulldown", "chest_fly", "leg_press"];
const RENAME_PREFIXES = ["Tempo", "Paused", "Strict"];
/** Families whose slug jobs rename back and forth; the exercise jobs leave their exercises alone (their ids move). */
const SLUG_RENAMES: ReadonlyArray<[string, string]> = [
  ["row", "rows"],
  ["pull_up", "pullup"],
];
const EXERCISES = DEMO_EXERCISES.filter((exercise) => !SLUG_RENAMES.some(([slug]) => exercise.family_slug === slug));
const FAMILIES = [...DEMO_FAMILIES.map((f) => f.family_slug), ...BROKEN_FAMILIES].filter(
  (slug) => !SLUG_RENAMES.some(([renamed]) => renamed === slug),
);

/** A rename of a demo exercise to a prefixed name or back to its own (so renames go A→B→A). */
function renameJob(): ClientJob {
  const exercise = pick(EXERCISES);
  const newName = mixRandom() < 0.3 ? exercise.name : `${pick(RENAME_PREFIXES)} ${exercise.name}`;
  return {
    type: "TARGETED_FIX",
    payload: { mode: "apply", exercise_doc_ids: [exercise.id], fix_type: "rename", fix_data: { new_name: newName } },
  };
}

const JOB_MIX: Array<[weight: number, make: () => ClientJob]> = [
  [4, () => ({ type: "FAMILY_NORMALIZE", payload: { mode: "apply", family_slug: pick(BROKEN_FAMILIES) } })],
  [6, renameJob],
  [
    2,
    () => ({
      type: "TARGETED_FIX",
      payload: {
        mode: "apply",
        exercise_doc_ids: [pick(EXERCISES).id],
        fix_type: "patch",
        fix_data: { patch: { description: `Chaos description number ${between(1, 3)}, long enough for the catalog's schema.` } },
      },
    }),
  ],
  [
    3,
    () => ({
      type: "EXERCISE_ADD",
      payload: {
        mode: "apply",
        intent: {
          base_name: pick(["Floor Press", "Hack Squat", "Good Morning", "Face Pull", "Farmer Carry"]),
          equipment: [pick(["barbell", "dumbbell", "kettlebell", "cable"])],
          category: "compound",
          muscles: { primary: [pick(["chest", "quadriceps", "hamstrings", "rear delts", "forearms"])] },
        },
      },
    }),
  ],
  [
    2,
    () => {
      const [slug, renamed] = pick(SLUG_RENAMES);
      const [from, to] = mixRandom() < 0.5 ? [slug, renamed] : [renamed, slug];
      return { type: "FAMILY_RENAME_SLUG", payload: { mode: "apply", rename_config: { old_family_slug: from, new_family_slug: to } } };
    },
  ],
  [4, () => ({ type: "FAMILY_AUDIT", payload: { mode: "dry_run", family_slug: pick(FAMILIES) } })],
  // "Chaos Preview" is a variant of no family: these dry-run renames end needs_review REPAIR_LOOP_EXHAUSTED, as the
  // validator refuses the name and the fake LLM cannot repair it (an outcome to expect, not a fault).
  [
    3,
    () => ({
      type: "TARGETED_FIX",
      payload: { mode: "dry_run", exercise_doc_ids: [pick(EXERCISES).id], fix_type: "rename", fix_data: { new_name: "Chaos Preview" } },
    }),
  ],
  [1, () => ({ type: "FAMILY_NORMALIZE", payload: { mode: "dry_run", family_slug: pick(FAMILIES) } })],
  [1, () => ({ type: "MAINTENANCE_SCAN", payload: { mode: "dry_run" } })],
  [1, () => ({ type: "DUPLICATE_DETECTION_SCAN", payload: { mode: "dry_run" } })],
  [1, () => ({ type: "ALIAS_INVARIANT_SCAN", payload: { mode: pick(["dry_run", "apply"]) } })],
  [1, () => ({ type: "QUALITY_SCAN", payload: { mode: "dry_run", filter_criteria: { family_slug: pick(FAMILIES) } } })],
  [
    2,
    () => ({
      type: "CATALOG_ENRICH_FIELD",
      payload: {
        mode: pick(["dry_run", "apply"]),
        enrichment_spec: { spec_id: "chaos", spec_version: 1 },
        filter_criteria: { family_slug: pick(EXERCISES).family_slug },
      },
    }),
  ],
  [1, () => ({ type: "SCHEMA_CLEANUP", payload: { mode: "apply", exercise_doc_ids: ["leg_press__leg-press-machine"] } })],
];

function nextClientJob(): ClientJob {
  const total = JOB_MIX.reduce((sum, [weight]) => sum + weight, 0);
  let roll = mixRandom() * total;
  for (const [weight, make] of JOB_MIX) {
    roll -= weight;
    if (roll < 0) return make();
  }
  return JOB_MIX[0][1]();
}

interface ClientStats {
  written: string[];
  duplicates: number;
  cancels: number;
}

/**
 * Writes the jobs as a client app does (type, payload, optional dedup key, status "queued" and a
 * server timestamp), in small bursts; some twice (a retried submit, sometimes with a dedup key),
 * and some get a client's cancel (`cancel_requested: true`) a moment later.
 */
async function writeClientJobs(db: Firestore, stats: ClientStats): Promise<void> {
  const cancels: Promise<unknown>[] = [];
  // As a careful client app writes: the id is chosen first, so a create the emulator cancelled is
  // sent again as the same document, and ALREADY_EXISTS then means the first one landed.
  const write = async (job: ClientJob): Promise<string> => {
    const ref = db.collection(JOB_COLLECTIONS.jobs).doc();
    await sentAgainWhenRefused(
      () => ref.create({ ...job, status: "queued", created_at: FieldValue.serverTimestamp() }),
      GrpcStatus.ALREADY_EXISTS,
    );
    stats.written.push(ref.id);
    return ref.id;
  };
  while (stats.written.length < JOBS) {
    const burst = Math.min(between(3, 12), JOBS - stats.written.length);
    // A retried submit writes a second document: stop the burst once the run has its jobs.
    for (let i = 0; i < burst && stats.written.length < JOBS; i++) {
      const job = nextClientJob();
      const roll = mixRandom();
      if (roll < 0.06) job.dedup_key = `chaos-${stats.written.length}`;
      const id = await write(job);
      if (roll < 0.12 && stats.written.length < JOBS) {
        stats.duplicates++;
        await write(job);
      } else if (roll > 0.94) {
        stats.cancels++;
        const delay = between(0, 3000);
        // As a client app would: a cancel that never lands is only counted out.
        const cancel = async () => {
          await sleep(delay);
          try {
            await sentAgainWhenRefused(() => db.collection(JOB_COLLECTIONS.jobs).doc(id).update({ cancel_requested: true }));
          } catch (err) {
            stats.cancels--;
            console.error(`chaos: a client's cancel of ${id} failed: ${String(err)}`);
          }
        };
        cancels.push(cancel());
      }
    }
    await sleep(between(200, 1500));
  }
  await Promise.all(cancels);
}

// ------------------------------------------------------------------ the engine processes

class EngineProcess {
  private child: ChildProcess | undefined;
  private restarting = false;
  private killing = false;
  starts = 0;
  /** When this script SIGKILLed the process (epoch ms): a job's locks its end left held are explained by one. */
  readonly killedAt: number[] = [];
  /** Exits this script did not cause (an uncaught error, `npm start` giving up): each is a failure of the run. */
  readonly unexpectedExits: string[] = [];

  constructor(
    private readonly index: number,
    private readonly env: NodeJS.ProcessEnv,
    private readonly logDir: string,
  ) {}

  start(): void {
    this.starts++;
    const log = createWriteStream(path.join(this.logDir, `engine-${this.index}.log`), { flags: "a" });
    log.write(`\n===== start ${this.starts} at ${new Date().toISOString()}\n`);
    // Node with tsx's loader in one process (the tsx CLI would put a relay process between us and a SIGKILL).
    const child = spawn(process.execPath, ["--import", "tsx", "src/local/main.ts"], {
      cwd: FUNCTIONS_DIR,
      env: this.env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout.pipe(log);
    child.stderr.pipe(log);
    child.once("exit", (code, signal) => {
      if (this.killing) return;
      const exit = `process ${this.index} (start ${this.starts}) exited by itself: ${signal ?? `code ${code}`}`;
      this.unexpectedExits.push(exit);
      console.log(`ENGINE EXIT: ${exit}; its log: ${path.join(this.logDir, `engine-${this.index}.log`)}`);
    });
    this.child = child;
  }

  private get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Running and not already being crashed: a process one may kill. */
  get up(): boolean {
    return this.running && !this.restarting;
  }

  /** SIGKILL: no shutdown hook runs, in-flight transactions and in-process wake-ups are lost. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    this.killing = true;
    this.killedAt.push(Date.now());
    child.kill("SIGKILL");
    await exited;
    this.killing = false;
  }

  /**
   * Kills the process and starts it again once its leases have expired, so its start-up watchdog
   * recovers them at once. Resolves when it runs again.
   */
  async crashAndRestart(stats: KillStats): Promise<void> {
    this.restarting = true;
    await this.kill();
    stats.kills++;
    await sleep(LEASE_MS + between(200, 1500, killRandom));
    this.start();
    stats.restarts++;
    this.restarting = false;
  }
}

interface KillStats {
  kills: number;
  randomKills: number;
  planKills: number;
  restarts: number;
}

/** A plan kill: the plan it cut, how many of its operations were journaled then, and whether it interrupted the plan. */
interface PlanKill {
  jobId: string;
  planId: string;
  journaled: number;
  /** A later attempt journaled more of the plan; false once the job ended without; null while it may still. */
  interrupted: boolean | null;
}

/**
 * Watches the change journal: an entry for operation 0 of a frozen plan (`p{epoch}/0`) with more
 * operations is the moment a plan has written once and has more to write. Calls `onFirstWrite` with
 * the job, the plan and its operations; `onError` when the listener or a read fails (a dead listener
 * would stop the plan kills silently).
 */
function watchFirstPlanWrites(
  db: Firestore,
  onFirstWrite: (write: { jobId: string; planId: string; operations: Operation[] }) => void,
  onError: (err: unknown) => void,
): () => void {
  return db
    .collection(APPLY_COLLECTIONS.changes)
    .where("operation_index", "==", 0)
    .onSnapshot((snap) => {
      for (const change of snap.docChanges()) {
        if (change.type !== "added") continue;
        const jobId = change.doc.get("job_id") as string;
        // Entries of a plan that is not frozen (a patch) name no plan document: none is found.
        const [planId] = (change.doc.get("operation_id") as string).split("/");
        void planOperations(db, jobId, planId).then((operations) => {
          if (operations.length > 1) onFirstWrite({ jobId, planId, operations });
        }, onError);
      }
    }, onError);
}

async function planOperations(db: Firestore, jobId: string, planId: string): Promise<Operation[]> {
  const plan = await db.collection(JOB_COLLECTIONS.jobs).doc(jobId).collection(JOB_COLLECTIONS.plans).doc(planId).get();
  return (plan.get("plan.operations") as Operation[] | undefined) ?? [];
}

/** How many operations of the job's plan `planId` have a journal entry. */
async function journaledOperations(db: Firestore, jobId: string, planId: string): Promise<number> {
  const entries = await db.collection(APPLY_COLLECTIONS.changes).where("job_id", "==", jobId).select("operation_id").get();
  return entries.docs.filter((entry) => (entry.get("operation_id") as string).startsWith(`${planId}/`)).length;
}

/**
 * Whether a later attempt of the job resumed its plan `planId` (the attempt log's `plan_resumed`
 * event): an operation found already in effect (a registry refresh with nothing to change) journals
 * nothing, so a succeeded job whose plan was resumed finished the cut plan with no more entries.
 */
async function planResumed(db: Firestore, jobId: string, planId: string): Promise<boolean> {
  const attempts = await db.collection(JOB_COLLECTIONS.jobs).doc(jobId).collection(JOB_COLLECTIONS.attempts).get();
  return attempts.docs.some((attempt) =>
    ((attempt.get("events") as { event: string; details?: { plan_id?: string } }[] | undefined) ?? []).some(
      ({ event, details }) => event === "plan_resumed" && details?.plan_id === planId,
    ),
  );
}

/** Settles the plan kills that may still interrupt their plan. */
async function settlePlanKills(db: Firestore, planKills: PlanKill[]): Promise<void> {
  for (const kill of planKills.filter((k) => k.interrupted === null)) {
    // The job's status first: whatever it journaled before it ended is then read below.
    const status = (await db.collection(JOB_COLLECTIONS.jobs).doc(kill.jobId).get()).get("status") as JobStatus;
    if ((await journaledOperations(db, kill.jobId, kill.planId)) > kill.journaled) kill.interrupted = true;
    else if (OPEN_STATUSES.includes(status)) continue;
    else if (status === "succeeded" && (await planResumed(db, kill.jobId, kill.planId))) {
      kill.interrupted = true;
      console.log(`plan kill of job ${kill.jobId}: a later attempt resumed plan ${kill.planId} and found the rest already in effect`);
    } else {
      kill.interrupted = false;
      console.log(`plan kill of job ${kill.jobId}: it ended (${status}) with no more of plan ${kill.planId} journaled; plan kills go on`);
    }
  }
}

async function openJobs(db: Firestore): Promise<number> {
  return (await db.collection(JOB_COLLECTIONS.jobs).where("status", "in", OPEN_STATUSES).count().get()).data().count;
}

// ------------------------------------------------------------------ the run

async function main(): Promise<void> {
  const started = Date.now();
  console.log(
    `chaos: seed ${SEED}, ${JOBS} client jobs, ${RANDOM_KILLS} random kills, ${PLAN_KILLS} plan kills, ${ENGINE_PROCESSES} engine processes`,
  );
  delete process.env.FIRESTORE_EMULATOR_HOST;
  // Everything runs against the emulator: no Google metadata server to find.
  process.env.METADATA_SERVER_DETECTION = "none";
  const emulator = await startOrFindEmulator({ projectId: PROJECT_ID });
  let exitCode: number;
  const engines: EngineProcess[] = [];
  try {
    if (!hasTransactionIsolation(emulator.backend)) throw new Error("chaos needs the official Firestore emulator (transaction isolation)");
    process.env.FIRESTORE_EMULATOR_HOST = emulator.host;
    await clearEmulator(emulator.clearUrl);
    const db = firestoreClient({ projectId: PROJECT_ID });
    const seeded = await seedDemoCatalog(db, { includeBroken: true });
    const seed = await catalogSnapshot(db);
    console.log(`seeded the demo catalog once: ${seeded.exercises} exercises, ${seeded.aliases} aliases, ${seeded.families} families`);

    const logDir = path.join(tmpdir(), `catalog-chaos-${SEED}`);
    // A replayed seed starts its logs afresh (a restarted process appends to its own within a run).
    rmSync(logDir, { recursive: true, force: true });
    mkdirSync(logDir, { recursive: true });
    console.log(`engine logs: ${logDir}`);
    const env = { ...process.env, ...ENGINE_PARAMS, FIRESTORE_EMULATOR_HOST: emulator.host, GCLOUD_PROJECT: PROJECT_ID, DEMO_JOBS: "0" };
    for (let i = 0; i < ENGINE_PROCESSES; i++) engines.push(new EngineProcess(i + 1, env, logDir));
    engines.forEach((engine) => engine.start());

    const kills: KillStats = { kills: 0, randomKills: 0, planKills: 0, restarts: 0 };
    const client: ClientStats = { written: [], duplicates: 0, cancels: 0 };
    const planKills: PlanKill[] = [];
    const interrupting = (...states: PlanKill["interrupted"][]) => planKills.filter((kill) => states.includes(kill.interrupted)).length;
    let chaosEndsAt = Infinity;
    // Over once plan kills are known to have interrupted plans, not merely tried.
    const chaosOver = () => (kills.randomKills >= RANDOM_KILLS && interrupting(true) >= PLAN_KILLS) || Date.now() > chaosEndsAt;
    const restarts = new Set<Promise<void>>();
    const crash = (engine: EngineProcess) => {
      const restart = engine.crashAndRestart(kills).finally(() => restarts.delete(restart));
      restarts.add(restart);
    };

    // Right after a multi-operation plan's first write: every running process, since any of them may run the plan.
    const watchErrors: string[] = [];
    const onWatchError = (err: unknown) => {
      watchErrors.push(String(err));
      console.log(`JOURNAL LISTENER FAILED: ${String(err)}`);
    };
    const stopWatching = watchFirstPlanWrites(
      db,
      ({ jobId, planId, operations }) => {
        const running = engines.filter((engine) => engine.up);
        // Kills that may still interrupt their plan count too: none is tried while they resume.
        if (chaosOver() || interrupting(true, null) >= PLAN_KILLS || running.length === 0) return;
        const planKill = ++kills.planKills;
        // crash() sends the SIGKILL before its first await, so the plan can write nothing more from here.
        running.forEach(crash);
        void (async () => {
          // A commit sent before the SIGKILL may still land; no process resumes the plan before the lease runs out.
          await sleep(500);
          const journaled = await journaledOperations(db, jobId, planId);
          // no_change operations never journal: a kill that left only those interrupted nothing.
          const writable = operations.filter((op) => op.op !== "no_change").length;
          planKills.push({ jobId, planId, journaled, interrupted: journaled < writable ? null : false });
          console.log(
            `plan kill ${planKill}: ${running.length} process(es) after the first write of job ${jobId}'s plan ${planId} ` +
              `(${journaled}/${writable} operations journaled)`,
          );
        })().catch(onWatchError);
      },
      onWatchError,
    );

    const writing = writeClientJobs(db, client).then(() => (chaosEndsAt = Date.now() + CHAOS_AFTER_WRITES_MS));
    while (!chaosOver() && Date.now() < DEADLINE) {
      await sleep(between(2000, 8000, killRandom));
      await settlePlanKills(db, planKills);
      const running = engines.filter((engine) => engine.up);
      if (kills.randomKills >= RANDOM_KILLS || running.length === 0) continue;
      const engine = pick(running, killRandom);
      kills.randomKills++;
      console.log(`random kill ${kills.randomKills}: process ${engines.indexOf(engine) + 1}`);
      crash(engine);
    }
    await writing;
    stopWatching();
    while (restarts.size > 0) await Promise.all([...restarts]);
    console.log(
      `wrote ${client.written.length} client jobs (${client.duplicates} duplicates, ${client.cancels} cancels); ` +
        `${kills.kills} kills; waiting for every job to end`,
    );

    let open = await openJobs(db);
    while (open > 0 && Date.now() < DEADLINE) {
      await sleep(3000);
      open = await openJobs(db);
    }
    await Promise.all(engines.map((engine) => engine.kill()));
    if (open > 0) console.log(`TIMEOUT: ${open} jobs still open`);

    // Locks of a process killed between a job's end and its lock release expire with the lease; then the watchdog
    // deletes them. Read before it: a lock of a final job that no kill explains is a release the engine missed.
    const locksLeft = await db.collection(JOB_COLLECTIONS.locks).get();
    await sleep(LEASE_MS + 1000);
    const noTasks = { enqueueWakeup: () => Promise.resolve("duplicate" as const) };
    await createEngine({ db, config: loadEngineConfig(env), tasks: noTasks }).runWatchdog();

    const result = await checkInvariants(db, {
      expectedJobIds: client.written,
      seed,
      locksLeft: { docs: locksLeft.docs, killedAt: engines.flatMap((engine) => engine.killedAt) },
    });
    await settlePlanKills(db, planKills);
    const interrupted = interrupting(true);
    const outcomes = await outcomeCounts(db);
    console.log(
      `outcomes: ${Object.entries(outcomes)
        .map(([outcome, n]) => `${outcome} ${n}`)
        .join(", ")}`,
    );
    console.log(
      `plan kills: ${kills.planKills} (${interrupted} interrupted a plan: a later attempt resumed it); ` +
        `${Math.round((Date.now() - started) / 1000)} s`,
    );
    const runChecks: Record<string, string[]> = {
      ...result.violations,
      engine_exited: engines.flatMap((engine) => engine.unexpectedExits),
      journal_listener: watchErrors,
      plan_kill_landed:
        PLAN_KILLS > 0 && interrupted === 0
          ? [
              `${kills.planKills} plan kill(s), and none interrupted a plan (left operations a later attempt resumed): no cut plan was resumed`,
            ]
          : [],
    };
    for (const [name, lines] of Object.entries(runChecks)) {
      console.log(`${lines.length === 0 ? "ok  " : "FAIL"} ${name.padEnd(24)} ${lines.length} violation(s)`);
      for (const line of lines.slice(0, 10)) console.log(`       ${line}`);
    }
    const violations = Object.values(runChecks).reduce((sum, lines) => sum + lines.length, 0) + (open > 0 ? 1 : 0);
    exitCode = violations === 0 ? 0 : 1;
    console.log(
      `chaos seed=${SEED} jobs=${client.written.length} all_jobs=${result.jobs} kills=${kills.kills} restarts=${kills.restarts} violations=${violations}`,
    );
  } finally {
    await Promise.all(engines.map((engine) => engine.kill()));
    await emulator.stop();
  }
  process.exit(exitCode);
}

/** Jobs by final status, and by error code for those that did not succeed. */
async function outcomeCounts(db: Firestore): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const doc of (await db.collection(JOB_COLLECTIONS.jobs).select("status", "error.code").get()).docs) {
    const status = String(doc.get("status"));
    const code = doc.get("error.code") as string | undefined;
    const outcome = code && !status.startsWith("succeeded") ? `${status}/${code}` : status;
    counts[outcome] = (counts[outcome] ?? 0) + 1;
  }
  return Object.fromEntries(Object.entries(counts).sort(([, a], [, b]) => b - a));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
