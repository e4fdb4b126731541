/** The task handler of a lane: a wake-up, validated, then the lane's ready jobs are run. */
import { z } from "zod";
import type { Engine } from "../create-engine";
import * as logs from "../jobs/logs";
import { LEASABLE_STATUSES } from "../jobs/lifecycle";
import { LANES, type Lane } from "../jobs/model";
import { wakeupFor } from "../jobs/task-queue";
import type { RunReport } from "../jobs/worker";

const wakeupSchema = z.object({
  lane: z.enum(LANES),
  job_id: z.string().min(1),
  attempt: z.number().int().nonnegative(),
  epoch: z.number().int().nonnegative(),
});

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
    await engine.tasks.enqueueWakeup(wakeupFor(job, `at${job.run_after.getTime()}`));
  }
  logs.laneTaskDone(lane, parsed.data.job_id, reports);
  return reports;
}
