/**
 * Curator actions of the operator console, as callable functions (`onCall`): retry a job, cancel a
 * job, revert a change-journal entry. The browser never writes job state (the rules keep clients
 * away from engine fields); these check the `catalog_admin` claim, validate the input, and call the
 * engine. `operatorOperations` holds every engine call, so they can be repointed in one place.
 */
import { HttpsError, type CallableRequest } from "firebase-functions/v2/https";
import { z } from "zod";
import { ChangeConflictError, ChangeNotFoundError, revertChange, type RevertResult } from "../apply/journal";
import type { Engine } from "../engine";
import { InvalidTransitionError, JobNotFoundError } from "../jobs/errors";
import type { JobStatus } from "../jobs/models";

export type ActionRequest = Pick<CallableRequest<unknown>, "auth" | "data">;

export interface RetryResult {
  job_id: string;
  status: "queued";
}

export interface CancelResult {
  job_id: string;
  status: JobStatus;
  /** True when the job was running: it stops at its next safe point. */
  cancel_requested: boolean;
}

const documentId = z
  .string()
  .min(1)
  .max(500)
  .regex(/^[^/]+$/, "a document id has no '/'");
const jobInput = z.strictObject({ jobId: documentId });
const changeInput = z.strictObject({ changeId: documentId });

/** The engine calls behind the actions. */
function operatorOperations(engine: Engine) {
  const queue = engine.deps.queue;
  return {
    async retry(jobId: string): Promise<RetryResult> {
      await queue.retryJob(jobId);
      // Like the CLI's retry: the lane needs a wake-up, or the job waits for the watchdog.
      const job = await queue.getJob(jobId);
      if (job) {
        await engine.tasks.enqueueWakeup({
          lane: job.queue,
          jobId,
          attempt: 0,
          epoch: job.lease_epoch,
          runAfter: job.run_after,
          reason: "retry",
        });
      }
      return { job_id: jobId, status: "queued" };
    },
    async cancel(jobId: string): Promise<CancelResult> {
      const result = await queue.cancelJob(jobId);
      return { job_id: jobId, status: result.status, cancel_requested: result.cancelRequested };
    },
    revert(changeId: string, revertedBy: string): Promise<RevertResult> {
      return revertChange(engine.deps.db, changeId, { revertedBy });
    },
  };
}

/** The caller's uid, if the caller is a curator. */
function requireCurator(request: ActionRequest): string {
  if (!request.auth) throw new HttpsError("unauthenticated", "sign in first");
  if (request.auth.token.catalog_admin !== true) throw new HttpsError("permission-denied", "curators only (the catalog_admin claim)");
  return request.auth.uid;
}

function parse<T>(schema: z.ZodType<T>, data: unknown): T {
  const parsed = schema.safeParse(data);
  if (!parsed.success) throw new HttpsError("invalid-argument", z.prettifyError(parsed.error));
  return parsed.data;
}

/** Engine errors as the client should see them; anything else stays an internal error. */
function toHttpsError(err: unknown): unknown {
  if (err instanceof JobNotFoundError || err instanceof ChangeNotFoundError) return new HttpsError("not-found", err.message);
  if (err instanceof InvalidTransitionError || err instanceof ChangeConflictError)
    return new HttpsError("failed-precondition", err.message);
  return err;
}

async function engineCall<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw toHttpsError(err);
  }
}

export async function handleRetryJob(engine: Engine, request: ActionRequest): Promise<RetryResult> {
  requireCurator(request);
  const { jobId } = parse(jobInput, request.data);
  return engineCall(() => operatorOperations(engine).retry(jobId));
}

export async function handleCancelJob(engine: Engine, request: ActionRequest): Promise<CancelResult> {
  requireCurator(request);
  const { jobId } = parse(jobInput, request.data);
  return engineCall(() => operatorOperations(engine).cancel(jobId));
}

export async function handleRevertChange(engine: Engine, request: ActionRequest): Promise<RevertResult> {
  const uid = requireCurator(request);
  const { changeId } = parse(changeInput, request.data);
  return engineCall(() => operatorOperations(engine).revert(changeId, uid));
}
