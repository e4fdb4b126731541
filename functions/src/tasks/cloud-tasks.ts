/**
 * Production adapter: Cloud Tasks `createTask` into the lane function's queue (@google-cloud/tasks),
 * as the service behaves:
 * - an HTTP target (the function's URL) with an OIDC token for the tasks' service account and a
 *   `dispatchDeadline` equal to the function's timeout;
 * - a deterministic task name, so a repeated enqueue is refused as a duplicate — ALREADY_EXISTS over
 *   gRPC, HTTP 409 over the REST transport — and reported as "duplicate";
 * - `scheduleTime` = the job's `run_after` to the nanosecond (never rounded down, or the task would
 *   arrive before the job is due);
 * - bounded retries with backoff on UNAVAILABLE, RESOURCE_EXHAUSTED and DEADLINE_EXCEEDED, and a
 *   timeout per call. Retrying is safe: a call that did create the task turns the retry into a duplicate,
 *   reported as "enqueued" (see `enqueueWakeup`).
 */
import { setTimeout as sleep } from "node:timers/promises";
import { GrpcStatus } from "../util/grpc-status";
import type { CloudTasksClient } from "@google-cloud/tasks";
import * as logs from "../jobs/logs";
import { type EnqueueResult, type TaskQueuePort, type WakeupTask, wakeupPayload, wakeupTaskName } from "../jobs/task-queue";
import { type BackoffPolicy, backoffDelayMs } from "../util/backoff";
import { LANE_TASK_FUNCTION, LANE_TASK_TIMEOUT_SECONDS } from "./lanes";
import type { ServiceAccountSource } from "./service-account";

export type CloudTasksClientOptions = NonNullable<ConstructorParameters<typeof CloudTasksClient>[0]>;

export interface EnqueueRetryPolicy {
  /** Calls in all, the first included. */
  maxAttempts: number;
  /** One call's limit; a hung endpoint ends as DEADLINE_EXCEEDED and is retried. */
  callTimeoutMs: number;
  /** No retry starts after this much time since the first call. */
  totalTimeoutMs: number;
  backoff: BackoffPolicy;
}

/** Enqueues run inside triggers and task handlers: a few quick retries, then the caller's own retry takes over. */
const DEFAULT_ENQUEUE_RETRY: EnqueueRetryPolicy = {
  maxAttempts: 5,
  callTimeoutMs: 10_000,
  totalTimeoutMs: 30_000,
  backoff: { baseMs: 250, factor: 2, maxMs: 4_000 },
};

interface CloudTasksOptions {
  project: string;
  location: string;
  /** The OIDC identity of task requests; it must be allowed to invoke the lane functions. */
  serviceAccount: ServiceAccountSource;
  /** For `new CloudTasksClient(...)`: transport and endpoint (tests use a local fake). Default: gRPC with ADC. */
  clientOptions?: CloudTasksClientOptions;
  retry?: Partial<EnqueueRetryPolicy>;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

type CreateTaskRequest = Parameters<CloudTasksClient["createTask"]>[0];
type Timestamp = { seconds: number; nanos: number };

/** A Date as a protobuf Timestamp, keeping its milliseconds. */
function toTimestamp(date: Date): Timestamp {
  const ms = date.getTime();
  const seconds = Math.floor(ms / 1000);
  return { seconds, nanos: (ms - seconds * 1000) * 1_000_000 };
}

/** The function's URL: the HTTP target, and the audience of the OIDC token. */
function laneFunctionUrl(task: WakeupTask, options: { project: string; location: string }): string {
  return `https://${options.location}-${options.project}.cloudfunctions.net/${LANE_TASK_FUNCTION[task.lane]}`;
}

/** The `createTask` request for a wake-up. Pure. */
function buildCreateTaskRequest(
  task: WakeupTask,
  options: { project: string; location: string; serviceAccountEmail: string },
): CreateTaskRequest {
  const parent = `projects/${options.project}/locations/${options.location}/queues/${LANE_TASK_FUNCTION[task.lane]}`;
  const url = laneFunctionUrl(task, options);
  return {
    parent,
    task: {
      name: `${parent}/tasks/${wakeupTaskName(task)}`,
      scheduleTime: toTimestamp(task.runAfter),
      dispatchDeadline: { seconds: LANE_TASK_TIMEOUT_SECONDS },
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

/**
 * How a call failed: its task name taken ("duplicate"); retryable, the call refused before it could create the task
 * ("refused": throttled, or never connected) or unanswered after it may have ("unanswered": its answer may be what
 * was lost); or not retryable ("fail").
 */
type Outcome = "duplicate" | "refused" | "unanswered" | "fail";

const RETRYABLE_GRPC = new Map<number, Outcome>([
  [GrpcStatus.RESOURCE_EXHAUSTED, "refused"],
  [GrpcStatus.DEADLINE_EXCEEDED, "unanswered"],
  [GrpcStatus.UNAVAILABLE, "unanswered"],
]);
/** The same conditions as HTTP statuses of the REST transport, whose errors carry the status instead of a gRPC code. */
const RETRYABLE_HTTP = new Map<number, Outcome>([
  [429, "refused"],
  [503, "unanswered"],
  [504, "unanswered"],
]);
/** Connection failures without any answer (UNAVAILABLE in gRPC terms): before the request went out, or maybe after. */
const RETRYABLE_NETWORK = new Map<string, Outcome>([
  ["ECONNREFUSED", "refused"],
  ["EAI_AGAIN", "refused"],
  ["ECONNRESET", "unanswered"],
  ["ETIMEDOUT", "unanswered"],
  ["EPIPE", "unanswered"],
]);

/** A call that did not answer within its timeout; reported like the gRPC status. */
class EnqueueTimeoutError extends Error {
  readonly code = GrpcStatus.DEADLINE_EXCEEDED;
  constructor(timeoutMs: number) {
    super(`DEADLINE_EXCEEDED: createTask did not answer within ${timeoutMs} ms`);
    this.name = "EnqueueTimeoutError";
  }
}

/** gRPC errors carry a numeric `code`; REST errors (GaxiosError) carry the HTTP `status` and a `response`. */
function classifyEnqueueError(err: unknown): Outcome {
  const fields = (typeof err === "object" && err !== null ? err : {}) as {
    code?: unknown;
    status?: unknown;
    response?: { status?: unknown };
  };
  const http = typeof fields.status === "number" ? fields.status : fields.response?.status;
  if (typeof http === "number" && fields.response !== undefined) {
    if (http === 409) return "duplicate";
    return RETRYABLE_HTTP.get(http) ?? "fail";
  }
  if (fields.code === GrpcStatus.ALREADY_EXISTS) return "duplicate";
  if (typeof fields.code === "number") return RETRYABLE_GRPC.get(fields.code) ?? "fail";
  if (typeof fields.code === "string") return RETRYABLE_NETWORK.get(fields.code) ?? "fail";
  return "fail";
}

/** Rejects with EnqueueTimeoutError when `call` has not settled in time (the REST transport has no deadline of its own). */
async function withCallTimeout<T>(call: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new EnqueueTimeoutError(timeoutMs)), timeoutMs);
  });
  try {
    return await Promise.race([call, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

export class CloudTasksQueue implements TaskQueuePort {
  private client: Promise<CloudTasksClient> | undefined;
  private readonly retry: EnqueueRetryPolicy;

  constructor(private readonly options: CloudTasksOptions) {
    this.retry = { ...DEFAULT_ENQUEUE_RETRY, ...options.retry };
  }

  /** Loaded on first use: the client library is heavy and only the enqueuing paths need it. */
  private getClient(): Promise<CloudTasksClient> {
    this.client ??= import("@google-cloud/tasks").then(({ CloudTasksClient: Client }) => new Client(this.options.clientOptions));
    return this.client;
  }

  /**
   * A duplicate after one of this call's own tries went unanswered is reported "enqueued": that try may have created
   * the task, or another caller may have meanwhile, and the two cannot be told apart. Counted as this call's, a
   * wake-up it sent is never left uncounted; the price is that two callers may both count one another sent.
   */
  async enqueueWakeup(task: WakeupTask): Promise<EnqueueResult> {
    const [client, serviceAccountEmail] = await Promise.all([this.getClient(), this.options.serviceAccount()]);
    const request = buildCreateTaskRequest(task, { ...this.options, serviceAccountEmail });
    const { maxAttempts, callTimeoutMs, totalTimeoutMs, backoff } = this.retry;
    const startedAt = Date.now();
    let mayHaveCreated = false;
    for (let attempt = 1; ; attempt++) {
      try {
        // `timeout` is the gRPC deadline; the race also bounds the REST transport, which ignores it.
        await withCallTimeout(client.createTask(request, { timeout: callTimeoutMs }), callTimeoutMs);
        return "enqueued";
      } catch (err) {
        const outcome = classifyEnqueueError(err);
        if (outcome === "duplicate") return mayHaveCreated ? "enqueued" : "duplicate";
        mayHaveCreated ||= outcome === "unanswered";
        const delayMs = backoffDelayMs(attempt, backoff, this.options.random);
        const outOfTime = Date.now() - startedAt + delayMs > totalTimeoutMs;
        if (outcome === "fail" || attempt >= maxAttempts || outOfTime) throw err;
        logs.createTaskRetried(request.task?.name, attempt, delayMs, err);
        await (this.options.sleep ?? sleep)(delayMs);
      }
    }
  }
}
