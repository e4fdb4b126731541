/** The task handler of a lane: a wake-up, validated, then the lane's ready jobs are run. */
import { z } from "zod";
import type { Engine } from "../create-engine";
import * as logs from "../jobs/logs";
import { LEASABLE_STATUSES } from "../jobs/lifecycle";
import { LANES, type Job, type Lane } from "../jobs/model";
import { type WakeupTask, wakeupFor } from "../jobs/task-queue";
import type { RunReport } from "../jobs/worker";

const wakeupSchema = z.object({
  lane: z.enum(LANES),
  job_id: z.string().min(1),
  attempt: z.number().int().nonnegative(),
  epoch: z.number().int().nonnegative(),
  early_arrivals: z.number().int().nonnegative().optional(),
});

/** Each further early arrival for the same target is scheduled a second later, so a clock that runs behind converges. */
const EARLY_ARRIVAL_STEP_MS = 1000;

/**
 * The wake-up asked for by a task that arrived before its job's `run_after`. Its name carries the
 * target time and the count of early arrivals, so it is never refused as a duplicate of the task that
 * arrived early (nor of an earlier early arrival), while a duplicated delivery of the same task still
 * enqueues nothing new.
 */
function wakeupAfterEarlyArrival(job: Job, earlierArrivals: number): WakeupTask {
  const arrivals = earlierArrivals + 1;
  const target = job.run_after.getTime();
  const runAfter = new Date(target + (arrivals - 1) * EARLY_ARRIVAL_STEP_MS);
  return { ...wakeupFor({ ...job, run_after: runAfter }, `at${target}-${arrivals}`), earlyArrivals: arrivals };
}

/**
 * Runs the lane's ready jobs (poll → lease → execute). The named job need not be the one that
 * runs: the lease decides, so a duplicated or early task runs nothing twice. A task that finds its
 * job queued for later (it arrived before `run_after`) asks for a wake-up at the right time.
 */
export async function handleLaneTask(engine: Engine, lane: Lane, data: unknown): Promise<RunReport[]> {
  const parsed = wakeupSchema.safeParse(data);
  if (!parsed.success) {
    // Retrying a malformed task cannot help; log it and let the task end.
    logs.malformedWakeup(lane, parsed.error.issues);
    return [];
  }
  const reports = await engine.runLane(lane);
  const job = await engine.queue.getJob(parsed.data.job_id);
  if (job && LEASABLE_STATUSES.includes(job.status) && job.run_after > engine.now()) {
    await engine.tasks.enqueueWakeup(wakeupAfterEarlyArrival(job, parsed.data.early_arrivals ?? 0));
  }
  logs.laneTaskDone(lane, parsed.data.job_id, reports);
  return reports;
}
