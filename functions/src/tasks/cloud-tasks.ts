/**
 * Production adapter: Cloud Tasks `createTask` into the lane function's queue, with an HTTP target
 * (the function's URL), an OIDC token for the function's service account, a deterministic task name
 * (Cloud Tasks rejects a duplicate name: ALREADY_EXISTS) and `scheduleTime` = the job's `run_after`.
 */
import type { CloudTasksClient } from "@google-cloud/tasks";
import { LANE_TASK_FUNCTION } from "./lanes";
import { EnqueueResult, TaskQueuePort, WakeupTask, wakeupPayload, wakeupTaskName } from "../jobs/task-queue";

export interface CloudTasksOptions {
  project: string;
  location: string;
  /** Service account the OIDC token is minted for; it must be allowed to invoke the task functions. */
  serviceAccountEmail: string;
  /** For tests: a client with `createTask`; by default `@google-cloud/tasks` is loaded on first use. */
  client?: Pick<CloudTasksClient, "createTask">;
}

type CreateTaskRequest = Parameters<CloudTasksClient["createTask"]>[0];

/** The `createTask` request for a wake-up. Pure, so it is unit-tested without the API. */
export function buildCreateTaskRequest(task: WakeupTask, options: Omit<CloudTasksOptions, "client">): CreateTaskRequest {
  const fn = LANE_TASK_FUNCTION[task.lane];
  const parent = `projects/${options.project}/locations/${options.location}/queues/${fn}`;
  const url = `https://${options.location}-${options.project}.cloudfunctions.net/${fn}`;
  return {
    parent,
    task: {
      name: `${parent}/tasks/${wakeupTaskName(task)}`,
      scheduleTime: { seconds: Math.floor(task.runAfter.getTime() / 1000) },
      httpRequest: {
        httpMethod: "POST",
        url,
        headers: { "Content-Type": "application/json" },
        // onTaskDispatched functions read their payload from the body's `data` field.
        body: Buffer.from(JSON.stringify({ data: wakeupPayload(task) })).toString("base64"),
        oidcToken: { serviceAccountEmail: options.serviceAccountEmail, audience: url },
      },
    },
  };
}

export class CloudTasksQueue implements TaskQueuePort {
  private client: Pick<CloudTasksClient, "createTask"> | undefined;

  constructor(private readonly options: CloudTasksOptions) {
    this.client = options.client;
  }

  private async getClient(): Promise<Pick<CloudTasksClient, "createTask">> {
    if (!this.client) {
      // Loaded lazily: the gRPC client is heavy and only the enqueuing paths need it.
      const { CloudTasksClient: Client } = await import("@google-cloud/tasks");
      this.client = new Client();
    }
    return this.client;
  }

  async enqueueWakeup(task: WakeupTask): Promise<EnqueueResult> {
    const client = await this.getClient();
    try {
      await client.createTask(buildCreateTaskRequest(task, this.options));
      return "enqueued";
    } catch (err) {
      if ((err as { code?: unknown }).code === 6 /* ALREADY_EXISTS */) return "duplicate";
      throw err;
    }
  }
}
