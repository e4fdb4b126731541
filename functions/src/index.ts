/**
 * The Cloud Functions of Catalog Jobs. Declarations only: everything a function does (the engine,
 * the job types' schemas, the Firestore, Cloud Tasks and LLM SDKs) is in adapters/invocations.ts,
 * loaded on the first invocation, so a cold start loads little more than firebase-functions.
 */
import { onDocumentCreatedWithAuthContext } from "firebase-functions/v2/firestore";
import { onCall } from "firebase-functions/v2/https";
import { onSchedule } from "firebase-functions/v2/scheduler";
import { onTaskDispatched } from "firebase-functions/v2/tasks";
import type { IntParam } from "firebase-functions/params";
import { CURATOR_ACTION_TIMEOUT_SECONDS, PARAMS, WATCHDOG_TIMEOUT_SECONDS, loadEngineConfig, watchdogSchedule } from "./config";
import type { Lane } from "./jobs/model";
import { SCAN_SCHEDULES, SCHEDULE_RETRY, type ScanSchedule, scheduleOf } from "./schedules/scans";
import { LANE_TASK_MAX_BACKOFF_SECONDS, LANE_TASK_MEMORY, LANE_TASK_TIMEOUT_SECONDS } from "./tasks/lanes";
import { laneTaskInvoker } from "./tasks/service-account";

const region = PARAMS.taskLocation.param;

/** Loaded once, on the first invocation (Node caches the module). */
const invocations = () => import("./adapters/invocations");

// Intake is idempotent, so a failed delivery (e.g. contention) is retried rather than leaving the
// document un-normalised; invalid documents are failed without throwing, so they are not retried.
export const onJobCreated = onDocumentCreatedWithAuthContext({ document: "catalog_jobs/{jobId}", region, retry: true }, async (event) => {
  await (await invocations()).jobCreated(event);
});

/**
 * One task queue function per lane; the maintenance lane is slower and backs off longer. `invoker`
 * (TASKS_SERVICE_ACCOUNT in functions/.env, read at deploy) is the identity whose OIDC token calls the
 * function: Firebase grants it the queue's enqueuer role and the invoker role. Tasks are created by the
 * runtime's own account, which must be able to act as it (README, Deploying).
 */
function laneTaskFunction(lane: Lane, limits: { maxConcurrent: IntParam; maxPerSecond: IntParam; minBackoffSeconds: number }) {
  const invoker = laneTaskInvoker();
  return onTaskDispatched(
    {
      region,
      timeoutSeconds: LANE_TASK_TIMEOUT_SECONDS,
      memory: LANE_TASK_MEMORY,
      ...(invoker ? { invoker } : {}),
      retryConfig: {
        maxAttempts: PARAMS.taskMaxAttempts.param,
        minBackoffSeconds: limits.minBackoffSeconds,
        maxBackoffSeconds: LANE_TASK_MAX_BACKOFF_SECONDS,
      },
      rateLimits: { maxConcurrentDispatches: limits.maxConcurrent, maxDispatchesPerSecond: limits.maxPerSecond },
    },
    async (request) => {
      await (await invocations()).laneTask(lane, request.data);
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
export const watchdog = onSchedule({ schedule: watchdogSchedule(), region, timeoutSeconds: WATCHDOG_TIMEOUT_SECONDS }, async (event) => {
  await (await invocations()).scheduledWatchdog(event.scheduleTime);
});

// Curator actions of the operator console (callable; each checks the catalog_admin claim). A retry or a
// cancel of a parent writes its children one transaction each, thousands for a large enrichment, and a job's
// revert its changes one transaction each: the platform's default 60 s would cut them short (the same action
// run again finishes what one cut short began).
const curatorAction = { region, timeoutSeconds: CURATOR_ACTION_TIMEOUT_SECONDS };
export const retryJob = onCall(curatorAction, async (request) => (await invocations()).retryJob(request));
export const cancelJob = onCall(curatorAction, async (request) => (await invocations()).cancelJob(request));
export const revertChange = onCall(curatorAction, async (request) => (await invocations()).revertChange(request));
export const revertJob = onCall(curatorAction, async (request) => (await invocations()).revertJob(request));

/**
 * One scheduled producer per scan of `schedules/scans.ts`, deployed as `scans-<key>` (e.g.
 * `scans-qualityScan`). Its cron schedule and time zone are read here, like the watchdog's (an
 * invalid one falls back to the default, logged). A scan switched off (`<TYPE>_SCHEDULE_ENABLED=false`)
 * stays deployed and logs that it created nothing: leaving it out of the exports would make the next
 * deploy delete the function (which an unattended `firebase deploy` refuses without --force), and
 * the local runtime and the CLI follow the same switch. Cloud Scheduler retries a failed run: safe,
 * since the period's job is created once whatever the number of deliveries.
 */
function scheduledScanFunction(scan: ScanSchedule, declared = loadEngineConfig()) {
  const { cron, timeZone } = scheduleOf(scan, declared);
  return onSchedule({ schedule: cron, timeZone, region, timeoutSeconds: 60, ...SCHEDULE_RETRY }, async (event) => {
    await (await invocations()).scheduledScan(scan, event);
  });
}

export const scans = Object.fromEntries(SCAN_SCHEDULES.map((scan) => [scan.key, scheduledScanFunction(scan)]));
