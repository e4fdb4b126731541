/**
 * The actions the operator console offers (its model.ts) are the ones the engine takes: no Retry for a
 * job intake rejected (the engine cannot parse it, so it refuses), a Cancel for a waiting job a client
 * already asked to cancel (the engine cancels it at once), the request shown instead for a job that is
 * only asked to stop; and what the retry callable answers is what the console reads.
 */
import { type DocumentReference, type DocumentSnapshot, Timestamp } from "firebase-admin/firestore";
import {
  type CancelAnswer,
  cancelOffer,
  childRetryBlock,
  type Job,
  noRetryNote,
  parentState,
  rejectedAtIntake,
  RESUME_PLAN_ON_RETRY as CONSOLE_RESUME_PLAN_ON_RETRY,
  retryable,
  type RetryAnswer,
} from "../../../console/src/model";
import { cancelledNotice, retriedNotice } from "../../../console/src/format";
import type { CancelResult, RetryResult } from "../../src/adapters/operator-actions";
import { JOB_COLLECTIONS } from "../../src/jobs/collections";
import { InvalidTransitionError, JobFailure } from "../../src/jobs/errors";
import { PARTIALLY_APPLIED, RESUME_PLAN_ON_RETRY } from "../../src/jobs/outcomes";
import type { JobChange, LeasedJob } from "../../src/jobs/queue";
import { testQueue } from "../helpers/engine";
import { describeWithFullEmulator, useFirestore } from "../helpers/firestore";

const db = useFirestore();
const queue = testQueue(db);

/** The fields of a stored job the console's offers read, as its documents.ts reads them. */
function asConsoleReads(snap: DocumentSnapshot): Pick<Job, "status" | "error" | "run_after" | "cancel_requested" | "plan_id" | "shards"> {
  const runAfter: unknown = snap.get("run_after");
  return {
    status: snap.get("status") as Job["status"],
    error: (snap.get("error") as Job["error"] | undefined) ?? null,
    run_after: runAfter instanceof Timestamp ? runAfter.toDate() : null,
    cancel_requested: snap.get("cancel_requested") === true,
    plan_id: (snap.get("plan_id") as string | null | undefined) ?? null,
    shards: (snap.get("shards") as Job["shards"] | undefined) ?? null,
  };
}

/** A job document as a client app writes it, taken in by intake as the create trigger does. */
async function clientJob(fields: Record<string, unknown>): Promise<DocumentReference> {
  const ref = await db.collection(JOB_COLLECTIONS.jobs).add({ status: "queued", created_at: Timestamp.now(), ...fields });
  await queue.takeIn(await ref.get(), "client-1");
  return ref;
}

async function createdJob(fields: Record<string, unknown> = {}): Promise<string> {
  const created = await queue.createJob({ type: "FAMILY_AUDIT", payload: { family_slug: "squat" }, created_by: "test", ...fields });
  if (!created.created) throw new Error("job not created");
  return created.jobId;
}

const refused = (promise: Promise<unknown>) =>
  promise.then(
    () => null,
    (err: unknown) => err,
  );

describeWithFullEmulator("Retry", () => {
  it("is not offered for a job intake rejected, whose retry the engine refuses in the console's words", async () => {
    const holder = await createdJob({ dedup_key: "console-intake" });
    const invalid = await clientJob({ type: "FAMILY_AUDIT", payload: {} });
    const duplicate = await clientJob({ type: "FAMILY_AUDIT", payload: { family_slug: "squat" }, dedup_key: "console-intake" });
    // A scheduled scan's period whose params do not parse, refused as intake would (the producer's way).
    const scanId = "QUALITY_SCAN@2026-12-01";
    await queue.createRefusedJob(
      { id: scanId, type: "QUALITY_SCAN", created_by: "system:scheduler" },
      { code: "CONFIG_INVALID", message: "QUALITY_SCAN_LIMIT does not parse", details: { instead: "fix the param, then run the scan" } },
    );
    const scan = db.collection(JOB_COLLECTIONS.jobs).doc(scanId);
    const codes: string[] = [];
    for (const ref of [invalid, duplicate, scan]) {
      const job = asConsoleReads(await ref.get());
      codes.push(job.error?.code ?? "");
      expect([ref.id, job.status, rejectedAtIntake(job), retryable(job)]).toEqual([ref.id, "failed", true, false]);
      const err = await refused(queue.retryJob(ref.id));
      expect(err).toBeInstanceOf(InvalidTransitionError);
      expect((err as Error).message).toContain(`cannot retry: ${noRetryNote(job)}`);
    }
    expect(codes).toEqual(["INVALID_JOB", "DUPLICATE_JOB", "CONFIG_INVALID"]);
    expect((await db.collection(JOB_COLLECTIONS.jobs).doc(holder).get()).get("status")).toBe("queued");
  });

  it("is not offered for a taken-in job the poll failed because its stored document no longer parses, whose retry the engine refuses so", async () => {
    const unknownType = await createdJob();
    const invalidPayload = await createdJob();
    // A deploy dropped the type, or tightened the payload's schema, while they waited.
    await db.collection(JOB_COLLECTIONS.jobs).doc(unknownType).update({ type: "RETIRED_JOB_TYPE" });
    await db.collection(JOB_COLLECTIONS.jobs).doc(invalidPayload).update({ payload: {} });
    await queue.pollCandidates(["priority"], 8);
    for (const [jobId, code] of [
      [unknownType, "UNSUPPORTED_JOB_TYPE"],
      [invalidPayload, "INVALID_JOB"],
    ]) {
      const job = asConsoleReads(await db.collection(JOB_COLLECTIONS.jobs).doc(jobId).get());
      expect([job.status, job.error?.code, rejectedAtIntake(job), retryable(job)]).toEqual(["failed", code, false, false]);
      const err = await refused(queue.retryJob(jobId));
      expect(err).toBeInstanceOf(InvalidTransitionError);
      // The note opens with the engine's reason, in its words.
      expect((err as Error).message).toContain(noRetryNote(job)!.split(":")[0]);
    }
  });

  it("is not offered for a child whose parent is asked to stop exactly when the engine refuses it: offered for one that resumes its frozen plan", async () => {
    const parentId = await createdJob();
    /** A child of the parent, ended by `ending` after it froze a plan (`frozen`) or not. */
    const endedChild = async (frozen: boolean, ending: (job: LeasedJob["job"]) => JobChange) => {
      const childId = await createdJob({ parent_job_id: parentId });
      const leased = (await queue.leaseById(childId, "w1"))!;
      if (frozen) await queue.savePlan(leased.lease, { operations: [] });
      await queue.endAttempt(leased.lease, { ...ending(leased.job), bookkeeping: () => undefined });
      return childId;
    };
    const exhausted = () => queue.failing({ attempts: 1, max_attempts: 1 }, JobFailure.transient("FIRESTORE_UNAVAILABLE", "down"), null);
    const reviewed = (code: string) => () => queue.completing("needs_review", null, { code, message: code, transient: false });
    const children = [
      await endedChild(false, (job) => queue.failing(job, JobFailure.permanent("BROKEN", "broken"), null)),
      await endedChild(true, exhausted),
      await endedChild(false, exhausted),
      await endedChild(true, reviewed(PARTIALLY_APPLIED)),
      await endedChild(true, reviewed("TARGET_CHANGED")),
    ];
    // The parent waits for its children, asked to stop (an operator's cancel of a parent whose children all exist).
    const parentRef = db.collection(JOB_COLLECTIONS.jobs).doc(parentId);
    await parentRef.update({ status: "deferred", cancel_requested: true, shards: { total: 5, done: 5, succeeded: 0, failed: 5 } });
    const parent = parentState(asConsoleReads(await parentRef.get()), false);
    expect(parent).toBe("stopping");

    const offered: boolean[] = [];
    for (const childId of children) {
      const blocked = childRetryBlock(asConsoleReads(await db.collection(JOB_COLLECTIONS.jobs).doc(childId).get()), parent);
      const err = await refused(queue.retryJob(childId));
      expect([childId, blocked === null]).toEqual([childId, err === null]);
      if (err !== null) expect((err as Error).message).toContain(`its parent ${parentId} is asked to stop`);
      offered.push(blocked === null);
    }
    // Only those that resume their frozen plan: a cancel lets it finish.
    expect(offered).toEqual([false, true, false, true, false]);
  });

  it("is offered for a job that was taken in and failed INVALID_JOB (an invalid follow-up): the engine retries it", async () => {
    const jobId = await createdJob();
    const leased = await queue.leaseById(jobId, "w1");
    const failing = queue.failing(leased!.job, JobFailure.permanent("INVALID_JOB", "the follow-up does not parse"), null);
    await queue.endAttempt(leased!.lease, { ...failing, bookkeeping: () => undefined });
    const job = asConsoleReads(await db.collection(JOB_COLLECTIONS.jobs).doc(jobId).get());
    expect([job.status, job.error?.code, rejectedAtIntake(job), retryable(job)]).toEqual(["failed", "INVALID_JOB", false, true]);
    expect((await queue.retryJob(jobId)).status).toBe("queued");
  });
});

describeWithFullEmulator("Cancel", () => {
  /** Jobs a client asked to cancel (the one flag the rules let it set), in each open state. */
  const asked: Array<[string, () => Promise<string>]> = [
    ["a queued job", () => createdJob()],
    [
      "a deferred job",
      async () => {
        const jobId = await createdJob();
        await db.collection(JOB_COLLECTIONS.jobs).doc(jobId).update({ status: "deferred" });
        return jobId;
      },
    ],
    [
      "a queued job holding a frozen plan",
      async () => {
        const jobId = await createdJob();
        await db.collection(JOB_COLLECTIONS.jobs).doc(jobId).update({ plan_id: "p1" });
        return jobId;
      },
    ],
    [
      "a running job",
      async () => {
        const jobId = await createdJob();
        await queue.leaseById(jobId, "w1");
        return jobId;
      },
    ],
  ];

  it.each(asked)(
    "of %s already asked to cancel is offered exactly when the engine cancels it at once rather than asks it again",
    async (_name, make) => {
      const ref = db.collection(JOB_COLLECTIONS.jobs).doc(await make());
      await ref.update({ cancel_requested: true });
      const offer = cancelOffer(asConsoleReads(await ref.get()));
      const { cancelRequested } = await queue.cancelJob(ref.id);
      expect(offer).toBe(cancelRequested ? "requested" : "cancel");
    },
  );
});

describe("a child's Retry while its parent is asked to stop", () => {
  it("reads a needs_review child as resuming its frozen plan after the codes the engine resumes it after", () => {
    expect([...CONSOLE_RESUME_PLAN_ON_RETRY].sort()).toEqual([...RESUME_PLAN_ON_RETRY].sort());
  });
});

describe("the retry's answer", () => {
  it("carries the children count the console shows", () => {
    // Compile-time (npm run check): what the callable answers is what the console reads.
    const answer: RetryResult = { job_id: "p1", status: "queued", children_requeued: 2, wakeup_sent: true, resumes_plan: null };
    const read: RetryAnswer = answer;
    expect(retriedNotice("p1", read)).toBe("Job p1 is queued again, with 2 of its children (those that had not succeeded).");
  });
});

describe("the cancel's answer", () => {
  it("carries what the console tells of it", () => {
    // Compile-time (npm run check): what the callable answers is what the console reads.
    const answer: CancelResult = { job_id: "j1", status: "running", cancel_requested: true };
    const read: CancelAnswer = answer;
    expect(cancelledNotice("j1", read)).toContain("asked to stop");
  });
});
