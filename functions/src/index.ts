/**
 * The Cloud Functions of Catalog Jobs. Declarations only: the work lives in the engine, created on
 * the first invocation (see functions/runtime.ts), so cold starts stay fast.
 */
import { onDocumentCreatedWithAuthContext } from "firebase-functions/v2/firestore";
import { onSchedule } from "firebase-functions/v2/scheduler";
import { onTaskDispatched } from "firebase-functions/v2/tasks";
import { PARAMS, loadEngineConfig } from "./config";
import { handleJobCreated } from "./functions/job-created";
import { handleLaneTask } from "./functions/lane-task";
import { functionsEngine } from "./functions/runtime";
import { runScheduledWatchdog } from "./functions/watchdog";

const region = PARAMS.taskLocation.param;

export const onJobCreated = onDocumentCreatedWithAuthContext({ document: "catalog_jobs/{jobId}", region }, async (event) => {
  await handleJobCreated(functionsEngine(), event);
});

export const priorityLaneTask = onTaskDispatched(
  {
    region,
    timeoutSeconds: 540,
    retryConfig: { maxAttempts: PARAMS.taskMaxAttempts.param, minBackoffSeconds: 10, maxBackoffSeconds: 300 },
    rateLimits: {
      maxConcurrentDispatches: PARAMS.priorityMaxConcurrent.param,
      maxDispatchesPerSecond: PARAMS.priorityMaxPerSecond.param,
    },
  },
  async (request) => {
    await handleLaneTask(functionsEngine(), "priority", request.data);
  },
);

export const maintenanceLaneTask = onTaskDispatched(
  {
    region,
    timeoutSeconds: 540,
    retryConfig: { maxAttempts: PARAMS.taskMaxAttempts.param, minBackoffSeconds: 30, maxBackoffSeconds: 600 },
    rateLimits: {
      maxConcurrentDispatches: PARAMS.maintenanceMaxConcurrent.param,
      maxDispatchesPerSecond: PARAMS.maintenanceMaxPerSecond.param,
    },
  },
  async (request) => {
    await handleLaneTask(functionsEngine(), "maintenance", request.data);
  },
);

// A schedule is a plain string at deploy time, so the interval is read from the environment
// (the same WATCHDOG_INTERVAL_MINUTES param, set in functions/.env) when the code is loaded.
export const watchdog = onSchedule(
  { schedule: `every ${loadEngineConfig().watchdogIntervalMinutes} minutes`, region, timeoutSeconds: 540 },
  async () => {
    await runScheduledWatchdog(functionsEngine());
  },
);
