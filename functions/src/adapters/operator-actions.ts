/**
 * Curator actions of the operator console, as callable functions (`onCall`): retry a job, cancel a
 * job, revert a change-journal entry, revert all of a job's changes. The browser never writes job state (the rules
 * keep clients away from engine fields); these check the curator claim (`curators.ts`) and a verified email in the
 * caller's ID token, validate the input, check the account as it is now in Firebase Auth, and call the engine's
 * use cases (`Engine.retry`, `Engine.cancel`, `Engine.revert`, `Engine.revertJob`), as the CLI does. The CLI takes its ids
 * with the same schema (`util/document-id`) and words a refused transition the same way (`refusedTransition`).
 */
import { getAuth, type Auth, type UserRecord } from "firebase-admin/auth";
import { HttpsError, type CallableRequest } from "firebase-functions/v2/https";
import { z } from "zod";
import {
  ChangeConflictError,
  ChangeJobOpenError,
  ChangeNotFoundError,
  JobRevertConflictError,
  JobRevertStoppedError,
  type RevertResult,
} from "../apply/journal";
import type { Engine } from "../create-engine";
import { ChildrenNotCancelledError, InvalidTransitionError, JobNotFoundError, isRetryableWrite, refusedTransition } from "../jobs/errors";
import * as logs from "../jobs/logs";
import type { JobStatus } from "../jobs/lifecycle";
import { adminApp } from "../firestore";
import { documentId } from "../util/document-id";
import { CURATOR_CLAIM } from "./curators";

export type ActionRequest = Pick<CallableRequest<unknown>, "auth" | "data">;

export interface RetryResult {
  job_id: string;
  status: "queued";
  /** A parent's unsuccessful children queued again with it (its succeeded ones are kept). */
  children_requeued: number;
  /**
   * False when a wake-up task was not sent (Cloud Tasks unreachable): the job is queued all the same, and
   * runs when a wake-up drains its lane past it, or when the watchdog wakes it.
   */
  wakeup_sent: boolean;
  /** The frozen plan the job resumes (applied operations skipped), or null when it plans again. */
  resumes_plan: string | null;
}

export interface CancelResult {
  job_id: string;
  status: JobStatus;
  /**
   * True when the job was running, had frozen its plan or is a parent waiting for the children it has all made:
   * it stops at its next safe point (a frozen plan is finished first; such a parent settles over its children).
   */
  cancel_requested: boolean;
}

export interface RevertJobResult {
  job_id: string;
  /** How many of the job's changes this call reverted, newest first (none: it had no applied change left). */
  reverted: number;
  /** How many of its changes were reverted before (one by one, or by a revert of the job stopped part-way). */
  already_reverted: number;
}

/**
 * The longest job id a client may choose (`firestore.rules`), in UTF-16 units as the rules count them: 3 bytes at
 * most each in UTF-8 (a character beyond the BMP is 2 units, 4 bytes). Short enough that every id the engine
 * derives from it fits in MAX_DOCUMENT_ID_BYTES: the longest, an EXERCISE_ADD's enrichment's shard's registry
 * refresh, `<id>-enrichment-shard-<n>-registry-<exercise>`, its `onceKey`s held to `MAX_ONCE_KEY_BYTES`.
 */
export const MAX_CHOSEN_JOB_ID_LENGTH = 200;

// A job or change id is any id Firestore takes: the curators' tools reach every job, whatever id the engine derived.
const jobInput = z.strictObject({ jobId: documentId });
const changeInput = z.strictObject({ changeId: documentId });

/** What the actions ask of Firebase Auth: the caller's account as it is now. */
type CallerAccounts = Pick<Auth, "getUser">;

/**
 * Firebase Auth (the Auth emulator under the Emulator Suite, FIREBASE_AUTH_EMULATOR_HOST), through an app of its own:
 * the default app is the engine's, created with the options it needs (`functionsEngine`) once a request is let in.
 */
const functionsAuth = (): CallerAccounts => getAuth(adminApp({}, "operator-actions-auth"));

const CURATORS_ONLY = `curators only (the ${CURATOR_CLAIM} claim, with a verified email)`;

/**
 * A curator's claims: the claim, and a verified email (as `firestore.rules` ask), so a claim that reached an account
 * whose address someone else signed up with first acts nowhere.
 */
const isCurator = (claims: Record<string, unknown> | undefined, emailVerified: unknown) =>
  claims?.[CURATOR_CLAIM] === true && emailVerified === true;

/** The caller, if the caller's token makes them a curator. */
function requireCurator(request: ActionRequest): NonNullable<ActionRequest["auth"]> {
  if (!request.auth) throw new HttpsError("unauthenticated", "sign in first");
  const { token } = request.auth;
  if (!isCurator(token, token.email_verified)) throw new HttpsError("permission-denied", CURATORS_ONLY);
  return request.auth;
}

/**
 * An ID token keeps the claims it was issued with for up to an hour, whatever happens to the account since, so the
 * account is read as it is now: still a curator's (`curators revoke` takes effect here at once), not disabled or
 * deleted, and the sign-in not revoked (its tokensValidAfterTime, as `verifyIdToken(token, true)` checks).
 */
async function requireCuratorAccount(uid: string, authTime: number, auth: CallerAccounts): Promise<void> {
  let account: UserRecord | null;
  try {
    account = await auth.getUser(uid);
  } catch (err) {
    if ((err as { code?: unknown }).code !== "auth/user-not-found") {
      // Most often the functions' service account lacks roles/firebaseauth.viewer (README, Deploying).
      logs.callerAccountUnread(uid, err);
      throw new HttpsError("internal", "the engine could not read your account in Firebase Auth: nothing was done");
    }
    account = null;
  }
  // Both in whole seconds: a sign-in in the second of the revocation stands, as Firebase Auth has it.
  const revoked = account?.tokensValidAfterTime !== undefined && authTime * 1000 < new Date(account.tokensValidAfterTime).getTime();
  if (!account || account.disabled || revoked)
    throw new HttpsError("unauthenticated", "this sign-in was revoked, or the account disabled or deleted: sign in again");
  if (!isCurator(account.customClaims, account.emailVerified)) throw new HttpsError("permission-denied", CURATORS_ONLY);
}

/**
 * A curator's uid and input: the token and the input are checked first, so a caller who may not act, or bad
 * input, costs no Auth lookup; the engine is built after (each handler's `engine` factory).
 */
async function curatorRequest<T>(
  request: ActionRequest,
  schema: z.ZodType<T>,
  accounts: () => CallerAccounts,
): Promise<{ uid: string; input: T }> {
  const { uid, token } = requireCurator(request);
  const input = parse(schema, request.data);
  await requireCuratorAccount(uid, token.auth_time, accounts());
  return { uid, input };
}

function parse<T>(schema: z.ZodType<T>, data: unknown): T {
  const parsed = schema.safeParse(data);
  if (!parsed.success) throw new HttpsError("invalid-argument", z.prettifyError(parsed.error));
  return parsed.data;
}

/** Engine errors as the client should see them; anything else stays an internal error (its cause in the function's log). */
function toHttpsError(err: unknown, verb: string): unknown {
  if (err instanceof JobNotFoundError || err instanceof ChangeNotFoundError) return new HttpsError("not-found", err.message);
  if (err instanceof InvalidTransitionError) return new HttpsError("failed-precondition", refusedTransition(err, verb));
  // A job's revert refused up front reverted none; one stopped part-way says what it reverted and what is left.
  if (
    err instanceof ChangeConflictError ||
    err instanceof ChangeJobOpenError ||
    err instanceof JobRevertConflictError ||
    err instanceof JobRevertStoppedError
  )
    return new HttpsError("failed-precondition", err.message);
  // The job is cancelled; the operator is told its children are not all, and that the same call finishes it.
  if (err instanceof ChildrenNotCancelledError) return new HttpsError("unavailable", err.message);
  // Contention or an outage, whose commit may have landed all the same: the operator checks, then acts again.
  if (isRetryableWrite(err))
    return new HttpsError(
      "unavailable",
      `Firestore was busy or did not answer in time, so the ${verb} may or may not have taken effect: check the job, then try again ` +
        `(${err instanceof Error ? err.message : String(err)})`,
    );
  return err;
}

async function engineCall<T>(verb: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw toHttpsError(err, verb);
  }
}

// Each handler takes the engine as a factory, called once the caller and the input are checked: an
// engine that cannot be built (a param that does not parse) is an internal error for curators only.
// `accounts` is where the caller's account is looked up: Firebase Auth, unless a test gives its own.

export async function handleRetryJob(
  engine: () => Engine,
  request: ActionRequest,
  accounts: () => CallerAccounts = functionsAuth,
): Promise<RetryResult> {
  const { jobId } = (await curatorRequest(request, jobInput, accounts)).input;
  return engineCall("retry", async () => {
    const { childrenRequeued, wakeupError, resumesPlan } = await engine().retry(jobId);
    return { job_id: jobId, status: "queued", children_requeued: childrenRequeued, wakeup_sent: !wakeupError, resumes_plan: resumesPlan };
  });
}

export async function handleCancelJob(
  engine: () => Engine,
  request: ActionRequest,
  accounts: () => CallerAccounts = functionsAuth,
): Promise<CancelResult> {
  const { jobId } = (await curatorRequest(request, jobInput, accounts)).input;
  return engineCall("cancel", async () => {
    const { status, cancelRequested } = await engine().cancel(jobId);
    return { job_id: jobId, status, cancel_requested: cancelRequested };
  });
}

export async function handleRevertChange(
  engine: () => Engine,
  request: ActionRequest,
  accounts: () => CallerAccounts = functionsAuth,
): Promise<RevertResult> {
  const { uid, input } = await curatorRequest(request, changeInput, accounts);
  return engineCall("revert", () => engine().revert(input.changeId, uid));
}

export async function handleRevertJob(
  engine: () => Engine,
  request: ActionRequest,
  accounts: () => CallerAccounts = functionsAuth,
): Promise<RevertJobResult> {
  const { uid, input } = await curatorRequest(request, jobInput, accounts);
  return engineCall("revert", async () => {
    const { job_id: jobId, reverted, already_reverted: alreadyReverted } = await engine().revertJob(input.jobId, uid);
    return { job_id: jobId, reverted: reverted.length, already_reverted: alreadyReverted };
  });
}
