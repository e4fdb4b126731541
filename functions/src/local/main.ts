/**
 * `npm start`: the whole engine on this machine, as a restartable service. Starts (or finds) a
 * Firestore emulator, seeds the demo catalog when the catalog is empty (or SEED_DEMO=1), runs the
 * engine in-process (the emulator's create trigger, in-process task queue, the watchdog on its param's
 * interval and once at start, the LLM LLM_PROVIDER names: the fake by default), submits demo jobs the way a client app does (by writing
 * documents), shows their progress, and keeps processing new job documents until Ctrl-C.
 *
 * Environment: FIRESTORE_EMULATOR_HOST (use a running emulator), GCLOUD_PROJECT or GOOGLE_CLOUD_PROJECT
 * (the emulator project, as the CLI resolves it: `project.ts`), the on/off switches of `switches.ts` (1 or
 * true, 0 or false): DEMO_JOBS=0 (no demo jobs), SEED_DEMO=1 (write the demo catalog even over existing
 * data; 0: never), EXIT_WHEN_DONE=1 (stop once the demo jobs finished), RUN_SCHEDULES=1 (run the scheduled scans on
 * timers, at their cron times; off by default so the demo stays quiet), VERBOSE=1 (the engine's info logs
 * too), and every engine param. Params come from its environment, else from the functions' `.env` files as
 * the Functions emulator reads them (`env-files.ts`), else, for CATALOG_APPLY_ENABLED (true), from the
 * emulator's defaults (`emulator-defaults.ts`), so the engine runs with the values the CLI sees.
 */
import "./closed-output";
import "./quiet-logs";
import { type Firestore, Timestamp } from "firebase-admin/firestore";
import { ConfigError, PARAMS, configProblems, loadEngineConfig } from "../config";
import { resolvePriceTable } from "../llm/pricing";
import { firestoreClient } from "../firestore";
import { JOB_COLLECTIONS } from "../jobs/collections";
import { FINAL_STATUSES, type JobStatus, WORKER_STATUSES } from "../jobs/lifecycle";
import type { WatchdogReport } from "../jobs/watchdog";
import { LocalRuntime, type TakenUpAtStart, listenWithRetries } from "./runtime";
import { FUNCTIONS_DIR, envFileNames, loadEnvFiles } from "./env-files";
import { useEmulatorDefaults } from "./emulator-defaults";
import { DEMO_PROJECT_ID, emulatorProject } from "./project";
import { catalogHoldsDocuments, seedDemoCatalog } from "./seed";
import { existsSync } from "node:fs";
import { EmulatorOutages, officialJar, startOrFindEmulator, unansweredEmulator } from "./emulator";
import { EmulatorTriggers } from "./emulator-triggers";
import { startSwitch, switchProblems } from "./switches";
import { GrpcStatus, grpcCode } from "../util/grpc-status";

const PROJECT_ID = emulatorProject();
/** The running emulator to work on, if one is named; else this process starts one (`startOrFindEmulator`). */
const EXTERNAL_EMULATOR = process.env.FIRESTORE_EMULATOR_HOST;

/** What a client app would write: type, payload, and optionally lane/priority/dedup key. */
const DEMO_JOBS: Array<Record<string, unknown>> = [
  { type: "FAMILY_AUDIT", payload: { family_slug: "bench_press" } },
  {
    type: "EXERCISE_ADD",
    payload: {
      mode: "apply",
      intent: { base_name: "Incline Bench Press", equipment: ["dumbbell"], category: "compound", muscles: { primary: ["upper chest"] } },
    },
  },
  {
    type: "TARGETED_FIX",
    payload: {
      mode: "dry_run",
      exercise_doc_ids: ["squat__squat-barbell"],
      fix_type: "rename",
      fix_data: { new_name: "Back Squat (Barbell)" },
    },
  },
  { type: "ALIAS_INVARIANT_SCAN", payload: { mode: "apply" } },
  { type: "MAINTENANCE_SCAN", payload: { mode: "dry_run" } },
  { type: "QUALITY_SCAN", payload: { mode: "apply", filter_criteria: { family_slug: "row" } } },
  {
    type: "CATALOG_ENRICH_FIELD",
    payload: { mode: "apply", enrichment_spec: { spec_id: "demo", spec_version: 1 }, filter_criteria: { family_slug: "lateral_raise" } },
  },
];

interface JobLine {
  status: JobStatus;
  type: string;
  progress?: { done: number; total: number } | null;
  error?: { code: string; message: string } | null;
  result_summary?: unknown;
}

function line(id: string, data: JobLine): string {
  const progress = data.progress ? ` ${data.progress.done}/${data.progress.total}` : "";
  // A job a worker holds is under way: its `error` is an earlier wait's or failure's, which that run has left behind.
  const error = data.error && !WORKER_STATUSES.includes(data.status) ? `  ${data.error.code}: ${data.error.message}` : "";
  const summary = data.result_summary ? `  ${JSON.stringify(data.result_summary).slice(0, 160)}` : "";
  return `  ${String(data.status).padEnd(18)} ${String(data.type).padEnd(27)} ${id}${progress}${error}${summary}`;
}

/**
 * Prints the status changes of the jobs created since `since`, as they happen. Returns the unsubscribe
 * function. A listener that fails is opened again, as the runtime's intake listener is (without it,
 * EXIT_WHEN_DONE=1 would wait for good): its first snapshot prints only the statuses that changed meanwhile.
 * A failure an outage of the emulator explains is told by `outages`, once for both.
 */
function showProgress(
  db: Firestore,
  since: Date,
  outages: EmulatorOutages,
  onChange: (statuses: Map<string, JobStatus>) => void,
): () => void {
  const statuses = new Map<string, JobStatus>();
  return listenWithRetries(
    db.collection(JOB_COLLECTIONS.jobs).where("created_at", ">=", Timestamp.fromDate(since)),
    (snap) => {
      for (const change of snap.docChanges()) {
        const data = change.doc.data();
        if (statuses.get(change.doc.id) === data.status) continue;
        statuses.set(change.doc.id, data.status as JobStatus);
        console.log(line(change.doc.id, data as JobLine));
      }
      onChange(statuses);
    },
    (err) => outages.listenerFailed(err, (failure) => console.error("[progress] the job listener failed; opening it again:", failure)),
  );
}

/**
 * When the lease of each job a worker holds expires. Read before this process leases anything, so every one is
 * another process's: one that stopped without giving its jobs back (killed, or a second Ctrl-C), or one still running.
 */
async function leaseExpiries(db: Firestore): Promise<Date[]> {
  const leased = await db.collection(JOB_COLLECTIONS.jobs).where("status", "in", WORKER_STATUSES).select("lease_expires_at").get();
  return leased.docs.flatMap((doc) => {
    const expiresAt: unknown = doc.get("lease_expires_at");
    return expiresAt instanceof Timestamp ? [expiresAt.toDate()] : [];
  });
}

const counted = (count: number, what: string) => `${count} ${what}${count === 1 ? "" : "s"}`;

/**
 * What a start took up of the jobs a previous run left (the runtime's start and its first watchdog sweep), and the jobs
 * still leased past that sweep (`leaseExpiries`), in one line; null when there are none, as on a fresh emulator.
 */
function fromBeforeLine(started: TakenUpAtStart, sweep: WatchdogReport, leasedBefore: Date[]): string | null {
  const takenUp = [
    [started.queued, "queued job", "taken in"],
    [started.deferred, "deferred job", "woken"],
    [sweep.expired_leases_recovered, "expired lease", "recovered"],
    [sweep.parents_woken, "waiting parent", "woken"],
  ] as const;
  // Those whose lease had expired by the sweep's clock, it recovered.
  const stillLeased = leasedBefore.filter((expiresAt) => expiresAt > sweep.started_at);
  const lastExpiryMs = Math.max(...stillLeased.map((expiresAt) => expiresAt.getTime()));
  const parts = [
    takenUp
      .filter(([count]) => count > 0)
      .map(([count, what, done]) => `${counted(count, what)} ${done}`)
      .join(", "),
    stillLeased.length > 0
      ? `${counted(stillLeased.length, "job")} still leased by another process (one that stopped without giving its jobs back, or one ` +
        `still running): the watchdog takes each back once its lease expires, the last at ${new Date(lastExpiryMs).toISOString()}`
      : "",
  ].filter(Boolean);
  return parts.length > 0 ? `from before this start: ${parts.join("; ")}` : null;
}

/** What to stop on the way out, last started first; filled in as each part starts, so a failed start stops what it had started. */
const stops: Array<() => unknown> = [];
let stopping: Promise<never> | undefined;

/** Stops the emulator this process started, if it did: what a second Ctrl-C still waits for. */
let stopEmulator: () => unknown = () => undefined;

/**
 * What becomes of the jobs on a stop in order and on one at once. An external emulator keeps them for the next
 * start; the one this process starts holds its data in memory only and stops with it, every job with it.
 */
const JOBS_ON_STOP = EXTERNAL_EMULATOR
  ? {
      inOrder: "running jobs stop at their next safe point and are queued again for the next start",
      atOnce: "jobs still running keep their lease until it expires, then the watchdog retries them",
    }
  : {
      inOrder:
        "running jobs stop at their next safe point, then the emulator this process started stops: its data is in memory only, so every job goes with it",
      atOnce: "the emulator this process started stops now: its data is in memory only, so every job goes with it",
    };

/** Stops in order (running jobs stop at their next safe point), unless a stop is under way already. */
function stopInOrder(): void {
  if (stopping) return;
  console.error(`stopping: ${JOBS_ON_STOP.inOrder} (Ctrl-C again to stop at once)`);
  void shutdown(0);
}

/** A Ctrl-C or SIGTERM: the first stops in order; a second stops at once. */
function onSignal(): void {
  if (!stopping) return stopInOrder();
  console.error(`stopping at once: ${JOBS_ON_STOP.atOnce}`);
  void Promise.resolve()
    .then(stopEmulator)
    .catch((err: unknown) => console.error(err))
    .finally(() => process.exit(130));
}

/**
 * npm runs `npm start` in a shell (`sh -c`) and passes a SIGTERM to it, which ends without passing it on (dash does not
 * exec a script's last command): npm exits, and this process would run on, its emulator with it. The parent it started
 * under gone, it stops in order; never at once, as the shell goes on a Ctrl-C too. (`exec` in the script would not do:
 * npm also passes on the Ctrl-C the terminal sends this process, so each would come twice.) Only when npm runs it as the
 * start script, as npm_lifecycle_event says: started otherwise (`node lib/local/main.js &`, `nohup`), its parent may go
 * while it runs on as asked.
 */
function stopWhenParentGone(): void {
  if (process.env.npm_lifecycle_event !== "start") return;
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) stopInOrder();
  }, 1_000).unref();
}

function shutdown(code: number): Promise<never> {
  stopping ??= (async () => {
    for (const stop of stops.reverse())
      await Promise.resolve()
        .then(stop)
        .catch((err: unknown) => console.error(err));
    process.exit(code);
  })();
  return stopping;
}

/**
 * The CLI on the emulator at `host` and in this process's project: named, when it is not the demo project
 * the CLI takes on the emulator by default, or the CLI would work on another project than the engine serves.
 */
function cliCommand(host: string): string {
  const project = PROJECT_ID === DEMO_PROJECT_ID ? "" : `GCLOUD_PROJECT=${PROJECT_ID} `;
  return `${project}FIRESTORE_EMULATOR_HOST=${host} npm --prefix functions run cli --`;
}

/** LLM_PRICES_JSON parses as any text; whether it is a price table only the LLM client's reading of it tells. */
function priceTableProblems(): ConfigError[] {
  try {
    resolvePriceTable(loadEngineConfig().llmPricesJson);
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return [err];
    throw err;
  }
}

async function main(): Promise<void> {
  // Before any param is read: the params its project's emulated functions get from the functions/.env files (it
  // always runs on an emulator), under the environment's own values. Its switches come from its environment alone.
  const params = new Set(Object.values(PARAMS).map(({ param }) => param.name));
  for (const warning of loadEnvFiles(FUNCTIONS_DIR, envFileNames(PROJECT_ID, true), { only: params }))
    process.stderr.write(`warning: ${warning}\n`);
  useEmulatorDefaults();
  // Everything runs against the emulator: no Google metadata server to find.
  process.env.METADATA_SERVER_DETECTION ??= "none";
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  // The terminal closed: stop in order too, the emulator with it. Never at once: a closing terminal often hangs up twice
  // (the shell hangs up its foreground job, the kernel the terminal's process group), and no one is left to ask for it.
  process.on("SIGHUP", stopInOrder);
  stopWhenParentGone();
  // A switch set to neither on nor off, before anything starts: read as its default, it would be ignored in silence.
  const badSwitches = switchProblems();
  if (badSwitches.length > 0) {
    console.error(badSwitches.join("\n"));
    await shutdown(1);
  }
  // Every param that does not parse, before anything starts (deployed, each would fail the jobs that read it).
  const problems = [...configProblems(), ...priceTableProblems()];
  if (problems.length > 0) {
    console.error(`invalid params:\n${problems.map((problem) => `  ${problem.message}`).join("\n")}`);
    await shutdown(1);
  }

  // The engine's leases, locks and exactly-once apply need transaction isolation, which only the official emulator has
  // (the tests' fallback without it is no place to run the engine).
  if (!EXTERNAL_EMULATOR && !existsSync(officialJar())) {
    console.error(
      `the local engine needs the official Cloud Firestore emulator, and its jar is not at ${officialJar()}: install it ` +
        "(apt-get install google-cloud-cli-firestore-emulator), or point FIRESTORE_EMULATOR_JAR at it, or FIRESTORE_EMULATOR_HOST at a running emulator",
    );
    await shutdown(1);
  }
  // Before the backend line: an emulator that does not answer is all there is to say.
  const unanswered = EXTERNAL_EMULATOR ? await unansweredEmulator("FIRESTORE_EMULATOR_HOST") : null;
  if (unanswered) {
    console.error(unanswered);
    await shutdown(1);
  }
  const emulator = await startOrFindEmulator({ projectId: PROJECT_ID, triggers: true });
  stopEmulator = () => emulator.stop();
  stops.push(stopEmulator);
  // Left running, the engine would retry the vanished emulator for minutes in silence, and EXIT_WHEN_DONE=1 wait for
  // good. Its data went with it, so nothing is left to stop in order for: the runtime's stop would wait minutes on
  // writes to it.
  emulator.onUnexpectedExit((how) => {
    console.error(`the Firestore emulator this process started exited unexpectedly (${how}): its data, every job, is gone; stopping`);
    process.exit(1);
  });
  process.env.FIRESTORE_EMULATOR_HOST = emulator.host;
  const db = firestoreClient({ projectId: PROJECT_ID });
  const outages = new EmulatorOutages(emulator.host);
  stops.push(() => outages.stop());

  // A restart keeps the catalog as the engine left it: seeding over it would revert applied changes.
  // SEED_DEMO unset: an empty catalog is seeded; on, seeded over its data too; off, never (an empty catalog stays so).
  const seedDemo = process.env.SEED_DEMO ? startSwitch("SEED_DEMO") : !(await catalogHoldsDocuments(db));
  if (seedDemo) {
    const seeded = await seedDemoCatalog(db, { includeBroken: true });
    console.log(`seeded demo catalog: ${seeded.exercises} exercises, ${seeded.aliases} aliases, ${seeded.families} families`);
  } else if (process.env.SEED_DEMO) {
    console.log("SEED_DEMO is off: not seeding the catalog");
  } else {
    console.log("the catalog has data: not seeding it (SEED_DEMO=1 seeds anyway)");
  }

  const config = loadEngineConfig();
  const startedAt = new Date();
  const schedules = startSwitch("RUN_SCHEDULES");
  // The emulator this process started delivers creates to it, as the deployed trigger gets them.
  const triggers = emulator.triggerPort ? await EmulatorTriggers.listen(emulator.host, emulator.triggerPort, PROJECT_ID) : undefined;
  if (triggers) stops.push(() => triggers.close());
  const runtime = new LocalRuntime({
    db,
    config,
    watchdogIntervalMs: config.watchdogIntervalMinutes * 60_000,
    schedules,
    triggers,
    outages,
  });
  stops.push(() => runtime.stop());
  const leasedBefore = await leaseExpiries(db);
  const started = await runtime.start();
  // Jobs a previous run left behind (a crash, a kill) are recovered now, not at the first interval.
  const fromBefore = fromBeforeLine(started, await runtime.runWatchdog(), leasedBefore);
  if (fromBefore) console.log(fromBefore);
  const intake = triggers ? "the emulator's create trigger" : "a listener on queued jobs (an external emulator delivers no triggers here)";
  console.log(
    `engine running: intake by ${intake}, in-process task queues, watchdog every ${config.watchdogIntervalMinutes} min, ${config.llmProvider} LLM`,
  );
  const cli = cliCommand(emulator.host);
  console.log(schedules ? `scheduled scans: on (see \`${cli} schedules\`)` : "scheduled scans: off (RUN_SCHEDULES=1 runs them)");

  const submitted = new Set<string>();
  let submitting = true;
  let seen = new Map<string, JobStatus>();
  const exitWhenDone = startSwitch("EXIT_WHEN_DONE");
  let reported = false;
  // Once every demo job is written: done when each of them, and every job they led to, is final; then
  // EXIT_WHEN_DONE=1 stops, and otherwise it says how to give it more work (with no demo jobs, at once).
  const reportWhenDone = () => {
    const done = [...submitted].every((id) => seen.has(id)) && [...seen.values()].every((s) => FINAL_STATUSES.includes(s));
    const nothingToWaitFor = submitted.size === 0 && !exitWhenDone;
    if (reported || submitting || !(done || nothingToWaitFor)) return;
    reported = true;
    if (submitted.size > 0) console.log(`all ${seen.size} jobs finished (demo jobs and the follow-up jobs they created).`);
    else if (exitWhenDone) console.log("no demo jobs to wait for (DEMO_JOBS is off).");
    if (exitWhenDone) void shutdown(0);
    else console.log(`still running: write documents to catalog_jobs to submit more jobs (the CLI: ${cli} submit …); Ctrl-C to stop.`);
  };
  stops.push(
    showProgress(db, startedAt, outages, (statuses) => {
      seen = statuses;
      reportWhenDone();
    }),
  );

  if (startSwitch("DEMO_JOBS")) {
    for (const job of DEMO_JOBS) {
      const ref = await db.collection(JOB_COLLECTIONS.jobs).add({ ...job, status: "queued", created_at: Timestamp.now() });
      submitted.add(ref.id);
    }
    console.log(`submitted ${submitted.size} demo jobs`);
  }
  submitting = false;
  reportWhenDone();
}

main().catch(async (err: unknown) => {
  // A stop under way takes away what the start-up stands on (the runtime, the trigger receiver, the emulator this
  // process started): what fails then is the stop's doing, not a fault to show, and the stop's exit code stands.
  if (stopping) return;
  console.error(startFailure(err));
  await shutdown(1);
});

/**
 * What stopped the start, in its own words (VERBOSE=1: with its stack and cause). A running emulator named by
 * FIRESTORE_EMULATOR_HOST that accepts connections yet fails every call (UNAVAILABLE after the client's retries)
 * is likely something else on that port.
 */
function startFailure(err: unknown): unknown {
  if (startSwitch("VERBOSE") || !(err instanceof Error)) return err;
  const otherService =
    EXTERNAL_EMULATOR && grpcCode(err) === GrpcStatus.UNAVAILABLE
      ? `\nwhat listens at FIRESTORE_EMULATOR_HOST (${EXTERNAL_EMULATOR}) did not answer as a Firestore emulator: check the port ` +
        "(firebase.json names the Emulator Suite's Firestore port)"
      : "";
  return `npm start failed: ${err.message}${otherService}\n(VERBOSE=1 shows the stack)`;
}
