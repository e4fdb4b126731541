#!/usr/bin/env node
/**
 * `catalog-jobs` (also `npm run cli --`): the operator CLI as a process. Talks to the Firestore
 * emulator named by FIRESTORE_EMULATOR_HOST, or to the project's real Firestore with application
 * default credentials. Wake-up tasks (submit, retry, watchdog, schedules run) go to Cloud Tasks in
 * production; on an emulator to the tasks emulator CLOUD_TASKS_EMULATOR_HOST names (the Emulator
 * Suite's, which dispatches them to the emulated lane functions), and without one nowhere: the job
 * waits for the local engine (`npm start` takes in created jobs and its watchdog wakes queued ones).
 * An emulator named that does not answer fails the command at once, as `npm start` does. Params
 * come from its environment, else from the functions' `.env` files (`local/env-files.ts`), else on the
 * Firestore emulator from `npm start`'s defaults (`local/emulator-defaults.ts`), else their declared defaults.
 */
import "../local/closed-output";
import "./quiet-logs";
import { getAuth } from "firebase-admin/auth";
import { type CuratorDirectory, authCuratorDirectory } from "../adapters/curators";
import { loadEngineConfig, namedProject } from "../config";
import { adminApp, firestoreClient } from "../firestore";
import { type Engine, createEngine } from "../create-engine";
import { registry } from "../handlers";
import { unansweredEmulator } from "../local/emulator";
import { useEmulatorDefaults } from "../local/emulator-defaults";
import { FUNCTIONS_DIR, envFileNames, loadEnvFiles } from "../local/env-files";
import { emulatorProject } from "../local/project";
import { CloudTasksQueue } from "../tasks/cloud-tasks";
import { EmulatorTaskQueue } from "../tasks/emulator";
import { taskServiceAccount } from "../tasks/service-account";
import type { TaskQueuePort } from "../jobs/task-queue";
import { EXIT_CODES, refusal, usageError } from "./errors";
import { LocalEngineWakeups } from "./local-engine";
import { interruptedLine, runCli } from "./run";
import { FirestoreClock } from "./server-clock";

/** Whether it works on the Firestore emulator: the environment's choice, as the project is. */
const onEmulator = Boolean(process.env.FIRESTORE_EMULATOR_HOST);
/**
 * The project worked on, resolved as `npm start` resolves it: on the Firestore emulator the demo
 * project unless one is named; elsewhere the one named, if any. Resolved from the environment
 * before the env files are read, so they cannot change it.
 */
const namedOrEmulatorProject = onEmulator ? emulatorProject() : namedProject();
/**
 * Whether its jobs are the local engine's (`npm start`): on the Firestore emulator without a tasks emulator. With
 * one, they are the Emulator Suite's functions', which take the params' own defaults.
 */
const forLocalEngine = onEmulator && !process.env.CLOUD_TASKS_EMULATOR_HOST;

// Before any param is read: the values the functions get from functions/.env files, under the environment's own;
// for the local engine, under those, the defaults `npm start` takes, so the two make a scheduled scan's job in one mode.
for (const warning of loadEnvFiles(FUNCTIONS_DIR, envFileNames(namedOrEmulatorProject, onEmulator)))
  process.stderr.write(`warning: ${warning}\n`);
if (forLocalEngine) useEmulatorDefaults();

/**
 * The project worked on, which off the Firestore emulator must be named. The Auth emulator alone is
 * not an emulator here: Firestore would still be a real project's.
 */
function project(): string {
  if (namedOrEmulatorProject) return namedOrEmulatorProject;
  const authOnly = process.env.FIREBASE_AUTH_EMULATOR_HOST ? " (FIREBASE_AUTH_EMULATOR_HOST alone leaves Firestore the real one)" : "";
  throw usageError(
    `no project: set GCLOUD_PROJECT (or GOOGLE_CLOUD_PROJECT), or FIRESTORE_EMULATOR_HOST to work on an emulator${authOnly}`,
  );
}

function taskQueue(projectId: string, location: string): TaskQueuePort {
  if (!onEmulator) return new CloudTasksQueue({ project: projectId, location, serviceAccount: taskServiceAccount() });
  if (forLocalEngine) return new LocalEngineWakeups();
  // firebase-admin's task client looks for a service account to name (the emulator takes any): as for
  // `npm start`, no Google metadata server to wait for on the way.
  process.env.METADATA_SERVER_DETECTION ??= "none";
  // As the functions under the Emulator Suite send them (firebase-admin reads CLOUD_TASKS_EMULATOR_HOST).
  return new EmulatorTaskQueue(adminApp({ projectId }), location);
}

/**
 * Refuses the command within seconds when the emulator `variable` names does not answer. A dead tasks
 * emulator needs no such check: a wake-up sent to it fails at once, and the command warns.
 */
async function emulatorAnswering(variable: Parameters<typeof unansweredEmulator>[0]): Promise<void> {
  const problem = await unansweredEmulator(variable);
  if (problem) throw refusal(problem);
}

/** The engine's clock: this machine's until a command that needs it sets it to Firestore's. */
const clock = new FirestoreClock();

function connect(): Engine {
  const projectId = project();
  const config = loadEngineConfig();
  const tasks = taskQueue(projectId, config.taskLocation);
  return createEngine({ db: firestoreClient({ projectId }), config, tasks, project: projectId, now: clock.now });
}

/**
 * The Auth emulator FIREBASE_AUTH_EMULATOR_HOST names, else the project's Firebase Auth; but not the
 * real one beside the Firestore emulator, where a grant would change real accounts while every other
 * command works on the emulator.
 */
function curatorDirectory(): CuratorDirectory {
  if (onEmulator && !process.env.FIREBASE_AUTH_EMULATOR_HOST)
    throw usageError(
      "FIRESTORE_EMULATOR_HOST is set but FIREBASE_AUTH_EMULATOR_HOST is not: set it to the Auth emulator (e.g. 127.0.0.1:9099) rather than work on the project's real Firebase Auth",
    );
  return authCuratorDirectory(getAuth(adminApp({ projectId: project() })));
}

let engine: Engine | undefined;
let connecting: Promise<Engine> | undefined;
/** Built first, so a missing project is a usage error whatever answers; then the emulator is asked once. */
const connected = () =>
  (connecting ??= (async () => {
    engine = connect();
    await emulatorAnswering("FIRESTORE_EMULATOR_HOST");
    return engine;
  })());

const argv = process.argv.slice(2);
// Stops at once (the work done so far stays done), saying how to finish what it cut short.
process.once("SIGINT", () => process.stderr.write(`${interruptedLine(argv)}\n`, () => process.exit(EXIT_CODES.interrupted)));

const err = (line: string) => void process.stderr.write(`${line}\n`);
void runCli(argv, {
  engine: connected,
  settings: () => engine ?? { config: loadEngineConfig(), registry, now: clock.now },
  curators: async () => {
    const directory = curatorDirectory();
    await emulatorAnswering("FIREBASE_AUTH_EMULATOR_HOST");
    return directory;
  },
  useFirestoreTime: async () => clock.sync((await connected()).db, err),
  out: (line) => void process.stdout.write(`${line}\n`),
  err,
}).then(async (code) => {
  // Firestore keeps connections open: close them (letting a refused transaction's rollback reach the
  // server, so it holds no lock until a timeout), then exit once the output is flushed.
  await engine?.db.terminate().catch(() => undefined);
  process.stdout.write("", () => process.exit(code));
});
