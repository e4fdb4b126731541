/**
 * The engine as the deployed functions (and the Functions emulator) use it, created on the first
 * invocation so cold starts only load what a function needs.
 */
import { getApp } from "firebase-admin/app";
import { firestoreClient } from "../firestore";
import { loadEngineConfig, namedProject } from "../config";
import { createEngine, type Engine } from "../create-engine";
import { CloudTasksQueue } from "../tasks/cloud-tasks";
import { EmulatorTaskQueue } from "../tasks/emulator";
import { configuredTaskServiceAccount, taskServiceAccount } from "../tasks/service-account";
import type { TaskQueuePort } from "../jobs/task-queue";

let engine: Engine | undefined;

/** The project the functions run in: `namedProject` (GCLOUD_PROJECT, else GOOGLE_CLOUD_PROJECT), else FIREBASE_CONFIG's. */
export function projectId(): string {
  const fromConfig = process.env.FIREBASE_CONFIG
    ? (JSON.parse(process.env.FIREBASE_CONFIG) as { projectId?: string }).projectId
    : undefined;
  const id = namedProject() ?? fromConfig;
  if (!id) throw new Error("no project id: set GCLOUD_PROJECT");
  return id;
}

/**
 * The one test of where the functions run. The Functions emulator sets FUNCTIONS_EMULATOR=true (as
 * firebase-functions itself checks, e.g. to skip task auth); this module runs only inside a function,
 * so anything else is deployed, and an environment not recognised gets the safe defaults.
 */
export function inFunctionsEmulator(): boolean {
  return process.env.FUNCTIONS_EMULATOR === "true";
}

/** The adapter follows the environment: the Emulator Suite's tasks emulator, or Cloud Tasks. */
function taskQueueForEnvironment(location: string): TaskQueuePort {
  if (inFunctionsEmulator()) {
    return new EmulatorTaskQueue(getApp(), location);
  }
  return new CloudTasksQueue({ project: projectId(), location, serviceAccount: taskServiceAccount() });
}

export function functionsEngine(): Engine {
  if (!engine) {
    const config = loadEngineConfig();
    // With a service account id, firebase-admin's task queue client does not probe the metadata
    // server; the tasks emulator does not check the identity, so any well-formed one does.
    const db = firestoreClient(
      inFunctionsEmulator()
        ? {
            serviceAccountId: configuredTaskServiceAccount() ?? `tasks-emulator@${projectId()}.iam.gserviceaccount.com`,
            projectId: projectId(),
          }
        : {},
    );
    engine = createEngine({
      db,
      config,
      tasks: taskQueueForEnvironment(config.taskLocation),
      project: projectId(),
      deployed: !inFunctionsEmulator(),
    });
  }
  return engine;
}
