/**
 * The operator console's callable actions against the emulator: claim and sign-in checks (Firebase Auth in memory,
 * `fakes/auth.ts`), input, engine calls, error mapping.
 */
import { type Firestore } from "firebase-admin/firestore";
import { HttpsError } from "firebase-functions/v2/https";
import type { RevertJobAnswer } from "../../../console/src/model";
import { authCuratorDirectory } from "../../src/adapters/curators";
import {
  type ActionRequest,
  handleCancelJob,
  handleRetryJob,
  handleRevertChange,
  handleRevertJob,
} from "../../src/adapters/operator-actions";
import { APPLY_COLLECTIONS } from "../../src/apply/collections";
import { JobRevertStoppedError } from "../../src/apply/journal";
import { planWriter } from "../../src/apply/run-plan";
import { CATALOG_COLLECTIONS } from "../../src/catalog/collections";
import { createEngine, type Engine } from "../../src/create-engine";
import { JOB_COLLECTIONS } from "../../src/jobs/collections";
import { ChildrenNotCancelledError, JobFailure } from "../../src/jobs/errors";
import * as logs from "../../src/jobs/logs";
import { MAX_DOCUMENT_ID_BYTES } from "../../src/util/document-id";
import { childJobId } from "../../src/jobs/flows";
import { exerciseFixture, planOf, seedCatalog } from "../helpers/catalog";
import { finishedParent, leaseForTest, makeTestDeps, testApplyEngine } from "../helpers/engine";
import { describeWithFullEmulator, newFirestore } from "../helpers/firestore";
import { MemoryAuth } from "../fakes/auth";
import { RecordingTasks, testConfig } from "../helpers/runtime";
import { depsFor, exercise, runJob, seedDemo } from "../handlers/support";

let db: Firestore;
let engine: Engine;
let tasks: RecordingTasks;
let accounts: MemoryAuth;
const auth = () => accounts.auth;

beforeAll(() => {
  db = newFirestore();
});
beforeEach(() => {
  tasks = new RecordingTasks();
  engine = createEngine({ db, config: testConfig(), tasks });
  accounts = new MemoryAuth();
  accounts.add("curator-1", "curator@example.com", { catalog_admin: true });
});

const curator = (data: unknown): ActionRequest => accounts.signIn("curator-1", data);
const user = (data: unknown, claims: Record<string, unknown> = {}): ActionRequest => ({
  data,
  auth: { uid: "user-1", token: claims as never, rawToken: "" },
});

async function httpsErrorOf(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(HttpsError);
  const { code, message } = err as HttpsError;
  return { code, message };
}

async function jobIn(status: "failed" | "queued", id?: string): Promise<string> {
  const { queue } = engine;
  const created = await queue.createJob({ id, type: "FAMILY_AUDIT", payload: { family_slug: "squat" }, created_by: "test" });
  if (!created.created) throw new Error("job not created");
  if (status === "failed") {
    const leased = await queue.leaseById(created.jobId, "w1");
    const failing = queue.failing(leased!.job, JobFailure.permanent("BROKEN", "broken"), null);
    await queue.endAttempt(leased!.lease, { ...failing, bookkeeping: () => undefined });
  }
  return created.jobId;
}

const jobStatus = async (id: string) => (await db.collection(JOB_COLLECTIONS.jobs).doc(id).get()).get("status") as string;

describe("who may act", () => {
  it.each([
    ["retry", handleRetryJob],
    ["cancel", handleCancelJob],
    ["revert all", handleRevertJob],
  ] as const)("%s refuses a caller who is not signed in, or not a curator, and leaves the job alone", async (_name, handle) => {
    const jobId = await jobIn("queued");
    expect(await httpsErrorOf(handle(() => engine, { data: { jobId } }, auth))).toMatchObject({ code: "unauthenticated" });
    expect(await httpsErrorOf(handle(() => engine, user({ jobId }), auth))).toMatchObject({ code: "permission-denied" });
    expect(await httpsErrorOf(handle(() => engine, user({ jobId }, { catalog_admin: "true", email_verified: true }), auth))).toMatchObject({
      code: "permission-denied",
    });
    // The claim on an account whose email is not verified: someone may have signed up with the address first.
    for (const unverified of [{ catalog_admin: true }, { catalog_admin: true, email_verified: false }])
      expect(await httpsErrorOf(handle(() => engine, user({ jobId }, unverified), auth))).toEqual({
        code: "permission-denied",
        message: "curators only (the catalog_admin claim, with a verified email)",
      });
    expect(await jobStatus(jobId)).toBe("queued");
  });

  it("revert refuses a caller who is not a curator", async () => {
    expect(await httpsErrorOf(handleRevertChange(() => engine, { data: { changeId: "c1" } }, auth))).toMatchObject({
      code: "unauthenticated",
    });
    expect(await httpsErrorOf(handleRevertChange(() => engine, user({ changeId: "c1" }), auth))).toMatchObject({
      code: "permission-denied",
    });
    expect(await httpsErrorOf(handleRevertChange(() => engine, user({ changeId: "c1" }, { catalog_admin: true }), auth))).toMatchObject({
      code: "permission-denied",
    });
  });

  it.each([[undefined], [{}], [{ jobId: "" }], [{ jobId: "a/b" }], [{ jobId: 42 }], [{ jobId: "x", extra: 1 }]])(
    "rejects the input %j as invalid-argument",
    async (data) => {
      for (const handle of [handleRetryJob, handleCancelJob, handleRevertJob])
        expect(await httpsErrorOf(handle(() => engine, curator(data), auth))).toMatchObject({ code: "invalid-argument" });
    },
  );

  it.each([
    [".", /is not '\.' or '\.\.'/],
    ["..", /is not '\.' or '\.\.'/],
    ["__x__", /reserves the ids that start and end with '__'/],
  ])("rejects the id %j Firestore reserves as invalid-argument, the engine never built", async (id, message) => {
    const unbuilt = () => {
      throw new Error("the engine must not be built");
    };
    for (const handle of [handleRetryJob, handleCancelJob, handleRevertJob])
      expect(await httpsErrorOf(handle(unbuilt, curator({ jobId: id }), auth))).toEqual({
        code: "invalid-argument",
        message: expect.stringMatching(message),
      });
    expect(await httpsErrorOf(handleRevertChange(unbuilt, curator({ changeId: id }), auth))).toEqual({
      code: "invalid-argument",
      message: expect.stringMatching(message),
    });
  });
});

describe("a curator's sign-in", () => {
  const signedInAt = Date.parse("2026-03-01T10:00:00Z");
  let now: number;
  const directory = () => authCuratorDirectory(accounts.auth);
  const revoked = {
    code: "unauthenticated",
    message: "this sign-in was revoked, or the account disabled or deleted: sign in again",
  };

  beforeEach(() => {
    now = signedInAt;
    accounts = new MemoryAuth(() => now);
    accounts.add("curator-1", "curator@example.com", { catalog_admin: true });
  });

  it("is refused at once once `curators revoke` took the claim, though the ID token it holds still carries it", async () => {
    const jobId = await jobIn("queued");
    const held = curator({ jobId });
    now += 60_000;
    expect(await directory().setCurator("curator@example.com", false)).toMatchObject({ changed: true });
    const notCurator = { code: "permission-denied", message: "curators only (the catalog_admin claim, with a verified email)" };
    for (const handle of [handleRetryJob, handleCancelJob, handleRevertJob])
      expect(await httpsErrorOf(handle(() => engine, held, auth))).toEqual(notCurator);
    expect(await httpsErrorOf(handleRevertChange(() => engine, { ...held, data: { changeId: "c1" } }, auth))).toEqual(notCurator);
    expect(await jobStatus(jobId)).toBe("queued");
    // Granted again, the token it held acts again: the account is a curator's as it is now.
    await directory().setCurator("curator@example.com", true);
    expect(await handleCancelJob(() => engine, held, auth)).toMatchObject({ status: "cancelled" });
  });

  it("is refused once its sign-ins are revoked; a sign-in after that acts, in the same second too", async () => {
    const jobId = await jobIn("queued");
    const held = curator({ jobId });
    now += 60_000;
    await accounts.auth.revokeRefreshTokens("curator-1");
    expect(await httpsErrorOf(handleCancelJob(() => engine, held, auth))).toEqual(revoked);
    expect(await handleCancelJob(() => engine, curator({ jobId }), auth)).toMatchObject({ status: "cancelled" });
  });

  it("is refused `internal` when Firebase Auth does not answer, saying nothing was done, and logged", async () => {
    const jobId = await jobIn("queued");
    const unanswered = {
      getUser: () => Promise.reject(Object.assign(new Error("permission denied"), { code: "auth/insufficient-permission" })),
    };
    const logged = jest.spyOn(logs, "callerAccountUnread").mockImplementation(() => undefined);
    expect(
      await httpsErrorOf(
        handleCancelJob(
          () => engine,
          curator({ jobId }),
          () => unanswered,
        ),
      ),
    ).toEqual({
      code: "internal",
      message: "the engine could not read your account in Firebase Auth: nothing was done",
    });
    expect(logged).toHaveBeenCalledWith("curator-1", expect.objectContaining({ message: "permission denied" }));
    logged.mockRestore();
    expect(await jobStatus(jobId)).toBe("queued");
  });

  it("is refused once the account is disabled or deleted", async () => {
    const jobId = await jobIn("queued");
    const held = curator({ jobId });
    accounts.disable("curator-1");
    expect(await httpsErrorOf(handleCancelJob(() => engine, held, auth))).toEqual(revoked);
    accounts.delete("curator-1");
    expect(await httpsErrorOf(handleCancelJob(() => engine, held, auth))).toEqual(revoked);
    expect(await jobStatus(jobId)).toBe("queued");
  });

  it("is refused once the account was deleted and made again under its uid: the sign-in was the old account's", async () => {
    const jobId = await jobIn("queued");
    const held = curator({ jobId });
    now += 60_000;
    accounts.delete("curator-1");
    accounts.add("curator-1", "curator@example.com", { catalog_admin: true });
    expect(await httpsErrorOf(handleCancelJob(() => engine, held, auth))).toEqual(revoked);
    expect(await handleCancelJob(() => engine, curator({ jobId }), auth)).toMatchObject({ status: "cancelled" });
  });
});

describe("the longest ids", () => {
  const unbuilt = () => {
    throw new Error("the engine must not be built");
  };

  it("takes an id as long as Firestore takes: a job the engine derived a long id for is retried", async () => {
    const longId = await jobIn("failed", childJobId("p".repeat(600), 1));
    expect(await handleRetryJob(() => engine, curator({ jobId: longId }), auth)).toMatchObject({ job_id: longId, status: "queued" });
    // 1,500 bytes of 2-byte characters: 750 characters.
    const widest = "\u00E9".repeat(MAX_DOCUMENT_ID_BYTES / 2);
    expect(await httpsErrorOf(handleCancelJob(() => engine, curator({ jobId: widest }), auth))).toMatchObject({ code: "not-found" });
  });

  it("refuses an id of more bytes than Firestore takes, the engine never built", async () => {
    const jobId = `${"\u00E9".repeat(MAX_DOCUMENT_ID_BYTES / 2)}a`;
    for (const handle of [handleRetryJob, handleCancelJob, handleRevertJob])
      expect(await httpsErrorOf(handle(unbuilt, curator({ jobId }), auth))).toEqual({
        code: "invalid-argument",
        message: expect.stringContaining(`a document id is at most ${MAX_DOCUMENT_ID_BYTES} bytes in UTF-8`),
      });
    expect(await httpsErrorOf(handleRevertChange(unbuilt, curator({ changeId: jobId }), auth))).toMatchObject({ code: "invalid-argument" });
  });
});

describe("retry and cancel", () => {
  it("retry requeues a failed job and wakes its lane", async () => {
    const jobId = await jobIn("failed");
    expect(await handleRetryJob(() => engine, curator({ jobId }), auth)).toEqual({
      job_id: jobId,
      status: "queued",
      children_requeued: 0,
      wakeup_sent: true,
      resumes_plan: null,
    });
    expect(await jobStatus(jobId)).toBe("queued");
    expect(tasks.tasks).toEqual([expect.objectContaining({ lane: "priority", jobId, reason: "retry" })]);
  });

  it("retry whose wake-up could not be sent queues the job all the same, and says so", async () => {
    const jobId = await jobIn("failed");
    const unreachable = createEngine({
      db,
      config: testConfig(),
      tasks: { enqueueWakeup: () => Promise.reject(new Error("Cloud Tasks unreachable")) },
    });
    expect(await handleRetryJob(() => unreachable, curator({ jobId }), auth)).toMatchObject({ status: "queued", wakeup_sent: false });
    expect(await jobStatus(jobId)).toBe("queued");
  });

  it("retry of a parent says how many of its children it queued again: the unsuccessful ones", async () => {
    const { parentId, childIds } = await finishedParent(engine.queue, ["succeeded", "needs_review"]);
    expect(await handleRetryJob(() => engine, curator({ jobId: parentId }), auth)).toEqual({
      job_id: parentId,
      status: "queued",
      children_requeued: 1,
      wakeup_sent: true,
      resumes_plan: null,
    });
    expect(await Promise.all(childIds.map(jobStatus))).toEqual(["succeeded", "queued"]);
  });

  it("retry of a waiting job is a failed precondition worded as the CLI words it; of a missing job, not found", async () => {
    const jobId = await jobIn("queued");
    expect(await httpsErrorOf(handleRetryJob(() => engine, curator({ jobId }), auth))).toEqual({
      code: "failed-precondition",
      message: `cannot retry job ${jobId}: it is queued`,
    });
    expect(await httpsErrorOf(handleRetryJob(() => engine, curator({ jobId: "missing" }), auth))).toEqual({
      code: "not-found",
      message: "job missing does not exist",
    });
    expect(tasks.tasks).toEqual([]);
  });

  it("cancel cancels a waiting job at once, and refuses a finished one", async () => {
    const jobId = await jobIn("queued");
    expect(await handleCancelJob(() => engine, curator({ jobId }), auth)).toEqual({
      job_id: jobId,
      status: "cancelled",
      cancel_requested: false,
    });
    expect(await jobStatus(jobId)).toBe("cancelled");
    expect(await httpsErrorOf(handleCancelJob(() => engine, curator({ jobId }), auth))).toEqual({
      code: "failed-precondition",
      message: `cannot cancel job ${jobId}: it is cancelled`,
    });
  });

  it("a cancel that reached the job but not all its children is unavailable, saying so, not an internal error", async () => {
    const outage = new ChildrenNotCancelledError("parent-1", "cancelled", new Error("14 UNAVAILABLE: connection reset"));
    const failing = (): Engine => ({ ...engine, cancel: () => Promise.reject(outage) });
    expect(await httpsErrorOf(handleCancelJob(failing, curator({ jobId: "parent-1" }), auth))).toEqual({
      code: "unavailable",
      message: "job parent-1 is cancelled, but cancelling its children failed (run the cancel again): 14 UNAVAILABLE: connection reset",
    });
  });

  it.each([
    ["retry", handleRetryJob, "retry"],
    ["cancel", handleCancelJob, "cancel"],
  ] as const)(
    "a %s Firestore did not answer in time is unavailable, saying it may have taken effect, not an internal error",
    async (_, handle, verb) => {
      const timedOut = Object.assign(new Error("4 DEADLINE_EXCEEDED: Deadline exceeded"), { code: 4 });
      const silent = (): Engine => ({ ...engine, retry: () => Promise.reject(timedOut), cancel: () => Promise.reject(timedOut) });
      expect(await httpsErrorOf(handle(silent, curator({ jobId: "job-1" }), auth))).toEqual({
        code: "unavailable",
        message: `Firestore was busy or did not answer in time, so the ${verb} may or may not have taken effect: check the job, then try again (4 DEADLINE_EXCEEDED: Deadline exceeded)`,
      });
    },
  );

  it("cancel asks a running job to stop", async () => {
    const jobId = await jobIn("queued");
    await engine.queue.leaseById(jobId, "w1");
    expect(await handleCancelJob(() => engine, curator({ jobId }), auth)).toEqual({
      job_id: jobId,
      status: "running",
      cancel_requested: true,
    });
  });
});

describeWithFullEmulator("revert", () => {
  const BENCH_NAME = "Bench Press (Barbell)";
  const bench = exerciseFixture(BENCH_NAME, ["barbell"]);

  /** A rename applied by a job that has ended (`ended`) or still runs. */
  async function appliedRename(ended = true): Promise<string> {
    await seedCatalog(db, { exercises: [bench] });
    const deps = makeTestDeps(db, { applyEnabled: true });
    const input = await leaseForTest(deps, { type: "FAMILY_NORMALIZE", payload: { mode: "apply", family_slug: "bench_press" } });
    const plan = planOf([
      { op: "rename_exercise", exercise_id: bench.id, old_name: BENCH_NAME, new_name: "Flat Bench Press (Barbell)", rationale: "test" },
    ]);
    const result = await testApplyEngine(db).apply(
      plan,
      planWriter(input, (_op, index) => `test/${index}`),
    );
    if (ended) await deps.queue.endAttempt(input.lease, { event: "succeed", fields: {}, bookkeeping: () => undefined });
    return result.change_ids[0];
  }
  const name = async () => (await db.collection(CATALOG_COLLECTIONS.exercises).doc(bench.id).get()).get("name") as string;

  it("restores the document and records who reverted", async () => {
    const changeId = await appliedRename();
    expect(await name()).toBe("Flat Bench Press (Barbell)");
    const jobId = (await db.collection(APPLY_COLLECTIONS.changes).doc(changeId).get()).get("job_id") as string;
    expect(await handleRevertChange(() => engine, curator({ changeId }), auth)).toEqual({
      change_id: changeId,
      job_id: jobId,
      status: "reverted",
      targets: [`exercises/${bench.id}`],
    });
    expect(await name()).toBe(BENCH_NAME);
    expect((await db.collection(APPLY_COLLECTIONS.changes).doc(changeId).get()).get("reverted_by")).toBe("curator-1");
  });

  it("a change whose job is still open is a failed precondition, and stays", async () => {
    const changeId = await appliedRename(false);
    const refused = await httpsErrorOf(handleRevertChange(() => engine, curator({ changeId }), auth));
    expect(refused.code).toBe("failed-precondition");
    expect(refused.message).toMatch(/job \S+ is still applying its plan \(it is running\); revert after it ends$/);
    expect(await name()).toBe("Flat Bench Press (Barbell)");
  });

  it("a document changed since is a failed precondition; an unknown change, not found", async () => {
    const changeId = await appliedRename();
    await db.collection(CATALOG_COLLECTIONS.exercises).doc(bench.id).update({ name: "Edited Elsewhere (Barbell)" });
    const conflict = await httpsErrorOf(handleRevertChange(() => engine, curator({ changeId }), auth));
    expect(conflict.code).toBe("failed-precondition");
    expect(conflict.message).toContain(`change ${changeId} cannot be reverted`);
    expect(await name()).toBe("Edited Elsewhere (Barbell)");
    expect(await httpsErrorOf(handleRevertChange(() => engine, curator({ changeId: "nope" }), auth))).toEqual({
      code: "not-found",
      message: "change nope does not exist",
    });
  });
});

describeWithFullEmulator("revert all of a job's changes", () => {
  const legPress = "leg_press__single-leg-press-machine";

  /** A TARGETED_FIX of `legPress` run in apply mode by the handler; ended unless `ended` is false. */
  async function fixedLegPress(fix: Record<string, unknown>, ended = true): Promise<string> {
    const run = await runJob(depsFor(db, "apply"), "TARGETED_FIX", { mode: "apply", exercise_doc_ids: [legPress], ...fix });
    if (run.status !== "succeeded") throw new Error(`the fix did not apply: ${run.error?.message}`);
    if (ended) await db.collection(JOB_COLLECTIONS.jobs).doc(run.jobId).update({ status: "succeeded" });
    return run.jobId;
  }
  const renameLegPress = (ended = true) =>
    fixedLegPress({ fix_type: "rename", fix_data: { new_name: "Unilateral Leg Press (Machine)" } }, ended);
  const changesOf = async (jobId: string) => (await db.collection(APPLY_COLLECTIONS.changes).where("job_id", "==", jobId).get()).docs;
  const legPressName = async () => (await exercise(db, legPress))?.name;

  it("reverts each of the job's changes, says how many, and records who reverted them; run again, it has none left", async () => {
    await seedDemo(db);
    const name = await legPressName();
    const jobId = await renameLegPress();
    // The rename, its old slug's alias and its family's registry refresh.
    const applied = (await changesOf(jobId)).length;
    expect(applied).toBeGreaterThanOrEqual(2);

    // Typed as the console reads it (checked by npm run check): what the callable answers is what Revert all tells.
    const answer: RevertJobAnswer = await handleRevertJob(() => engine, curator({ jobId }), auth);
    expect(answer).toEqual({ job_id: jobId, reverted: applied, already_reverted: 0 });
    expect(await legPressName()).toBe(name);
    expect((await changesOf(jobId)).map((change) => [change.get("status"), change.get("reverted_by")])).toEqual(
      Array.from({ length: applied }, () => ["reverted", "curator-1"]),
    );
    // As the CLI's `revert --job` says it, nothing to revert is no error.
    expect(await handleRevertJob(() => engine, curator({ jobId }), auth)).toEqual({
      job_id: jobId,
      reverted: 0,
      already_reverted: applied,
    });
  });

  it("is a failed precondition naming the other job's change in the way when one of them would be refused, and reverts none", async () => {
    await seedDemo(db);
    const jobId = await renameLegPress();
    const later = await fixedLegPress({
      fix_type: "patch",
      fix_data: { patch: { description: "A leg press on one leg at a time, on the machine; patched by a later job." } },
    });
    const [laterChange] = await changesOf(later);

    const refused = await httpsErrorOf(handleRevertJob(() => engine, curator({ jobId }), auth));

    expect(refused.code).toBe("failed-precondition");
    expect(refused.message.startsWith(`job ${jobId} cannot be reverted, nothing was: change `)).toBe(true);
    expect(refused.message).toContain(`later change ${laterChange.id} (job ${later}) is in effect on it: revert it first`);
    expect(await legPressName()).toBe("Unilateral Leg Press (Machine)");
    expect((await changesOf(jobId)).every((change) => change.get("status") === "applied")).toBe(true);
  });

  it("is a failed precondition while the job is still open; not found for a job with neither a record nor a change", async () => {
    await seedDemo(db);
    const jobId = await renameLegPress(false);
    const open = await httpsErrorOf(handleRevertJob(() => engine, curator({ jobId }), auth));
    expect(open.code).toBe("failed-precondition");
    expect(open.message).toContain(`job ${jobId} is still applying its plan (it is running); revert after it ends`);
    expect(await legPressName()).toBe("Unilateral Leg Press (Machine)");
    expect(await httpsErrorOf(handleRevertJob(() => engine, curator({ jobId: "missing" }), auth))).toEqual({
      code: "not-found",
      message: "job missing does not exist",
    });
  });

  it("stopped part-way is a failed precondition saying what it reverted and what is left, not an internal error", async () => {
    const stopped = new JobRevertStoppedError(
      "j1",
      [],
      ["c2"],
      new Error("change c2 cannot be reverted: exercises/e1 changed since (name)"),
    );
    const stopping = (): Engine => ({ ...engine, revertJob: () => Promise.reject(stopped) });
    expect(await httpsErrorOf(handleRevertJob(stopping, curator({ jobId: "j1" }), auth))).toEqual({
      code: "failed-precondition",
      message: stopped.message,
    });
  });
});
