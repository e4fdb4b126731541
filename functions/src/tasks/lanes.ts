/** Which Cloud Function serves each lane's task queue (the queue id is the function's name). */
import type { Lane } from "../jobs/model";

export const LANE_TASK_FUNCTION: Record<Lane, string> = {
  priority: "priorityLaneTask",
  maintenance: "maintenanceLaneTask",
};
