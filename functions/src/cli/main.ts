/**
 * `npm run cli -- <command>`: the operator CLI. Talks to the Firestore emulator named by
 * FIRESTORE_EMULATOR_HOST, or to the project's real Firestore with application default credentials.
 * Wake-up tasks (retry, watchdog) go to Cloud Tasks in production; against an emulator they are
 * left to the running engine (`npm start` picks up ready jobs through its own watchdog).
 */
import { loadEngineConfig } from "../config";
import { firestoreClient } from "../firestore";
import { createEngine } from "../create-engine";
import { CloudTasksQueue } from "../tasks/cloud-tasks";
import { taskServiceAccount } from "../tasks/service-account";
import type { TaskQueuePort } from "../jobs/task-queue";
import { CliError, runCli } from "./commands";

/** Against an emulator nothing dispatches Cloud Tasks; the local engine's watchdog re-enqueues ready jobs. */
const leaveToLocalEngine: TaskQueuePort = { enqueueWakeup: () => Promise.resolve("duplicate") };

async function main(): Promise<void> {
  const project = process.env.GCLOUD_PROJECT ?? "demo-catalog-jobs";
  const db = firestoreClient({ projectId: project });
  const config = loadEngineConfig();
  const tasks: TaskQueuePort = process.env.FIRESTORE_EMULATOR_HOST
    ? leaveToLocalEngine
    : new CloudTasksQueue({ project, location: config.taskLocation, serviceAccount: taskServiceAccount() });
  const engine = createEngine({ db, config, tasks, project });
  await runCli(process.argv.slice(2), { db, engine, out: (line) => console.log(line) });
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err instanceof CliError ? err.message : err);
    process.exit(err instanceof CliError ? 2 : 1);
  },
);
