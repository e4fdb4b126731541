/**
 * What each Cloud Function does when invoked, behind one module that src/index.ts loads with
 * `import()` on the first invocation: this module brings in the engine, the job types' schemas and
 * the SDKs, which a cold start's declarations do not need.
 */
import type { CallableRequest } from "firebase-functions/v2/https";
import type { ScheduledEvent } from "firebase-functions/v2/scheduler";
import type { Lane } from "../jobs/model";
import { withEmulatorCreator } from "./emulator-auth";
import { functionsEngine, inFunctionsEmulator } from "./functions-engine";
import { type JobCreatedEvent, handleJobCreated } from "./job-created";
import { handleLaneTask } from "./lane-task";
import { handleScheduledScan } from "./scheduled-scan";
import type { ScanSchedule } from "../schedules/scans";
import { handleCancelJob, handleRetryJob, handleRevertChange, handleRevertJob } from "./operator-actions";

export async function jobCreated(event: JobCreatedEvent): Promise<void> {
  await handleJobCreated(functionsEngine(), withEmulatorCreator(event, inFunctionsEmulator()));
}

export async function laneTask(lane: Lane, data: unknown): Promise<void> {
  await handleLaneTask(functionsEngine(), lane, data);
}

export async function scheduledWatchdog(scheduleTime: string): Promise<void> {
  // Named after the schedule time, so a re-delivered event rewrites the same report.
  await functionsEngine().runWatchdog(`scheduled_${scheduleTime}`);
}

export async function scheduledScan(scan: ScanSchedule, event: ScheduledEvent): Promise<void> {
  await handleScheduledScan(functionsEngine(), scan, event);
}

// The engine is built only for a curator's valid request (the handlers check first).
export const retryJob = (request: CallableRequest) => handleRetryJob(functionsEngine, request);
export const cancelJob = (request: CallableRequest) => handleCancelJob(functionsEngine, request);
export const revertChange = (request: CallableRequest) => handleRevertChange(functionsEngine, request);
export const revertJob = (request: CallableRequest) => handleRevertJob(functionsEngine, request);
