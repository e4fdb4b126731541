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
