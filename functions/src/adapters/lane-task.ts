/** The task handler of a lane: a wake-up, validated, then handed to the engine (`Engine.handleWakeup`). */
import type { Engine } from "../create-engine";
import * as logs from "../jobs/logs";
import type { Lane } from "../jobs/model";
import { wakeupPayloadSchema } from "../jobs/task-queue";
import type { DrainLimits, RunReport } from "../jobs/worker";

/** Runs the lane task's wake-up (`data`); `limits` are the engine's own for a lane task unless given. */
export async function handleLaneTask(engine: Engine, lane: Lane, data: unknown, limits?: DrainLimits): Promise<RunReport[]> {
  const parsed = wakeupPayloadSchema.safeParse(data);
  if (!parsed.success) {
    // Retrying a malformed task cannot help; log it and let the task end.
    logs.malformedWakeup(lane, parsed.error.issues);
    return [];
  }
  return engine.handleWakeup(lane, parsed.data, limits);
}
