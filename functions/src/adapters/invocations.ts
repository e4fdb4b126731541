/**
 * What each Cloud Function does when invoked, behind one module that src/index.ts loads with
 * `import()` on the first invocation: this module brings in the engine, the job types' schemas and
 * the SDKs, which a cold start's declarations do not need.
 */
import type { Lane } from "../jobs/model";
import { functionsEngine } from "./functions-engine";
import { type JobCreatedEvent, handleJobCreated } from "./job-created";
import { handleLaneTask } from "./lane-task";

export async function jobCreated(event: JobCreatedEvent): Promise<void> {
  await handleJobCreated(functionsEngine(), event);
}

export async function laneTask(lane: Lane, data: unknown): Promise<void> {
  await handleLaneTask(functionsEngine(), lane, data);
}

export async function scheduledWatchdog(scheduleTime: string): Promise<void> {
  // Named after the schedule time, so a re-delivered event rewrites the same report.
  await functionsEngine().runWatchdog(`scheduled_${scheduleTime}`);
}
