#!/usr/bin/env node
/**
 * `catalog-jobs` (also `npm run cli --`): the operator CLI as a process. Talks to the Firestore
 * emulator named by FIRESTORE_EMULATOR_HOST, or to the project's real Firestore with application
 * default credentials. Wake-up tasks (submit, retry, watchdog, schedules run) go to Cloud Tasks in
 * production; against an emulator they are left to the running engine (`npm start` picks up ready
 * jobs through its own watchdog).
 */
import "./quiet-logs";
import { getAuth } from "firebase-admin/auth";
import { authCuratorDirectory } from "../adapters/curators";
import { loadEngineConfig } from "../config";
import { adminApp, firestoreClient } from "../firestore";
import { type Engine, createEngine } from "../create-engine";
import { CloudTasksQueue } from "../tasks/cloud-tasks";
import { taskServiceAccount } from "../tasks/service-account";
import type { TaskQueuePort } from "../jobs/task-queue";
import { usageError } from "./errors";
import { runCli } from "./run";

/** Against an emulator nothing dispatches Cloud Tasks; the local engine's watchdog re-enqueues ready jobs. */
const leaveToLocalEngine: TaskQueuePort = { enqueueWakeup: () => Promise.resolve("duplicate") };

const EMULATOR_PROJECT = "demo-catalog-jobs";

/** The project worked on; on an emulator the demo project unless named, elsewhere it must be named. */
function project(): string {
  const named = process.env.GCLOUD_PROJECT || process.env.GOOGLE_CLOUD_PROJECT;
  if (named) return named;
  if (process.env.FIRESTORE_EMULATOR_HOST || process.env.FIREBASE_AUTH_EMULATOR_HOST) return EMULATOR_PROJECT;
  throw usageError("no project: set GCLOUD_PROJECT (or GOOGLE_CLOUD_PROJECT), or FIRESTORE_EMULATOR_HOST to work on an emulator");
}

function connect(): Engine {
  const projectId = project();
  const config = loadEngineConfig();
  const tasks: TaskQueuePort = process.env.FIRESTORE_EMULATOR_HOST
    ? leaveToLocalEngine
    : new CloudTasksQueue({ project: projectId, location: config.taskLocation, serviceAccount: taskServiceAccount() });
  return createEngine({ db: firestoreClient({ projectId }), config, tasks, project: projectId });
}

let engine: Engine | undefined;
void runCli(process.argv.slice(2), {
  engine: () => (engine ??= connect()),
  // The Auth emulator when FIREBASE_AUTH_EMULATOR_HOST names one, else the project's Firebase Auth.
  curators: () => authCuratorDirectory(getAuth(adminApp({ projectId: project() }))),
  out: (line) => void process.stdout.write(`${line}\n`),
  err: (line) => void process.stderr.write(`${line}\n`),
}).then(async (code) => {
  // Firestore keeps connections open: close them (letting a refused transaction's rollback reach the
  // server, so it holds no lock until a timeout), then exit once the output is flushed.
  await engine?.db.terminate().catch(() => undefined);
  process.stdout.write("", () => process.exit(code));
});
