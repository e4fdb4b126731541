/** Which Cloud Function serves each lane's task queue (the queue id is the function's name), and how long it may run. */
import type { Lane } from "../jobs/model";

export const LANE_TASK_FUNCTION: Record<Lane, string> = {
  priority: "priorityLaneTask",
  maintenance: "maintenanceLaneTask",
};

/**
 * The lane functions' `timeoutSeconds` and the `dispatchDeadline` of their tasks: one fact, so Cloud
 * Tasks never gives up on a run the function is still allowed to finish, nor waits past its end.
 */
export const LANE_TASK_TIMEOUT_SECONDS = 540;

/** The longest wait of the lane queues' Cloud Tasks retries between attempts of one task; the local runtime's waits too. */
export const LANE_TASK_MAX_BACKOFF_SECONDS = 600;

/**
 * The lane functions' memory. At one CPU, Cloud Run gives a 2nd-gen function up to 80 requests at once, so one
 * instance may run every dispatch its lane allows (`PRIORITY_LANE_MAX_CONCURRENT`) side by side: the SDKs take
 * about 120 MB before any work, and each run holds the families it reads (up to 2,000 exercises each, two for
 * a merge), more than the platform's default of 256 MiB would hold.
 */
export const LANE_TASK_MEMORY = "1GiB";

/**
 * A job still running this long into its lane task is asked to stop at its next safe point and
 * fails `RUN_DEADLINE` (retried): a minute before the function's timeout, for the way to that safe
 * point (LLM calls under way are ended at once) and the attempt's last write.
 */
export const LANE_TASK_STOP_RUNS_AFTER_SECONDS = LANE_TASK_TIMEOUT_SECONDS - 60;
