/**
 * Firebase Emulator Suite adapter: the tasks emulator only accepts firebase-admin's task queue
 * client, which also dispatches to the emulated lane function.
 */
import type { App } from "firebase-admin/app";
import { LANE_TASK_FUNCTION } from "./lanes";
import { type EnqueueResult, type TaskQueuePort, type WakeupTask, wakeupPayload, wakeupTaskName } from "../jobs/task-queue";

export class EmulatorTaskQueue implements TaskQueuePort {
  constructor(
    private readonly app: App,
    private readonly location: string,
  ) {}

  async enqueueWakeup(task: WakeupTask): Promise<EnqueueResult> {
    const { getFunctions } = await import("firebase-admin/functions");
    const queue = getFunctions(this.app).taskQueue(`locations/${this.location}/functions/${LANE_TASK_FUNCTION[task.lane]}`);
    try {
      await queue.enqueue(wakeupPayload(task), {
        id: wakeupTaskName(task),
        ...(task.runAfter.getTime() > Date.now() ? { scheduleTime: task.runAfter } : {}),
      });
      return "enqueued";
    } catch (err) {
      if ((err as { code?: unknown }).code === "functions/task-already-exists") return "duplicate";
      throw err;
    }
  }
}
