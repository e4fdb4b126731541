/**
 * The Cloud Functions of Catalog Jobs. Declarations only: the work lives in the engine, created on
 * the first invocation (see adapters/functions-engine.ts), so cold starts stay fast.
 */
import { onDocumentCreatedWithAuthContext } from "firebase-functions/v2/firestore";
import { onCall } from "firebase-functions/v2/https";
import { onSchedule } from "firebase-functions/v2/scheduler";
import { onTaskDispatched } from "firebase-functions/v2/tasks";
import type { IntParam } from "firebase-functions/params";
import { withEmulatorCreator } from "./adapters/emulator-auth";
import { handleCancelJob, handleRetryJob, handleRevertChange } from "./adapters/operator-actions";
import { PARAMS, watchdogSchedule } from "./config";
import type { Lane } from "./jobs/model";
import { handleJobCreated } from "./adapters/job-created";
import { handleLaneTask } from "./adapters/lane-task";
import { functionsEngine } from "./adapters/functions-engine";
import { LANE_TASK_TIMEOUT_SECONDS } from "./tasks/lanes";
import { laneTaskInvoker } from "./tasks/service-account";

const region = PARAMS.taskLocation.param;

// Intake is idempotent, so a failed delivery (e.g. contention) is retried rather than leaving the
// document un-normalised; invalid documents are failed without throwing, so they are not retried.
export const onJobCreated = onDocumentCreatedWithAuthContext({ document: "catalog_jobs/{jobId}", region, retry: true }, async (event) => {
  await handleJobCreated(functionsEngine(), withEmulatorCreator(event));
});

/**
 * One task queue function per lane; the maintenance lane is slower and backs off longer. `invoker`
 * (TASKS_SERVICE_ACCOUNT in functions/.env, read at deploy) is the identity that enqueues and whose
 * OIDC token calls the function: Firebase grants it the queue's enqueuer role and the invoker role.
 */
function laneTaskFunction(lane: Lane, limits: { maxConcurrent: IntParam; maxPerSecond: IntParam; minBackoffSeconds: number }) {
  const invoker = laneTaskInvoker();
  return onTaskDispatched(
    {
      region,
      timeoutSeconds: LANE_TASK_TIMEOUT_SECONDS,
      ...(invoker ? { invoker } : {}),
      retryConfig: { maxAttempts: PARAMS.taskMaxAttempts.param, minBackoffSeconds: limits.minBackoffSeconds, maxBackoffSeconds: 600 },
      rateLimits: { maxConcurrentDispatches: limits.maxConcurrent, maxDispatchesPerSecond: limits.maxPerSecond },
    },
    async (request) => {
      await handleLaneTask(functionsEngine(), lane, request.data);
    },
  );
}

export const priorityLaneTask = laneTaskFunction("priority", {
  maxConcurrent: PARAMS.priorityMaxConcurrent.param,
  maxPerSecond: PARAMS.priorityMaxPerSecond.param,
  minBackoffSeconds: 10,
});

export const maintenanceLaneTask = laneTaskFunction("maintenance", {
  maxConcurrent: PARAMS.maintenanceMaxConcurrent.param,
  maxPerSecond: PARAMS.maintenanceMaxPerSecond.param,
  minBackoffSeconds: 30,
});

// A schedule is a plain string at deploy time, so the interval is read from the environment
// (the same WATCHDOG_INTERVAL_MINUTES param, set in functions/.env) when the code is loaded.
export const watchdog = onSchedule({ schedule: watchdogSchedule(), region, timeoutSeconds: 540 }, async (event) => {
  // Named after the schedule time, so a re-delivered event rewrites the same report.
  await functionsEngine().runWatchdog(`scheduled_${event.scheduleTime}`);
});

// Curator actions of the operator console (callable; each checks the catalog_admin claim).
export const retryJob = onCall({ region }, (request) => handleRetryJob(functionsEngine(), request));
export const cancelJob = onCall({ region }, (request) => handleCancelJob(functionsEngine(), request));
export const revertChange = onCall({ region }, (request) => handleRevertChange(functionsEngine(), request));
