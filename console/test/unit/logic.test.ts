/** The console's pure logic: routes, daily totals from counter shards, what the views show when, and how values read. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { FunctionsError } from "firebase/functions";
import { actionFailure, cancelWorthRunningAgain } from "../../src/actions";
import {
  cappedQueueReads,
  FAILED_JOBS_LIMIT,
  FINISHED_JOBS_LIMIT,
  finishedJobsListenerStart,
  inFinishedWindow,
  type Listener,
  parentInQueue,
  RUNNING_JOBS_LIMIT,
  WAITING_JOBS_LIMIT,
  watchAll,
} from "../../src/data";
import { sumShards } from "../../src/documents";
import {
  asError,
  cancelledNotice,
  childrenSummary,
  couldNot,
  dateTime,
  dayKey,
  dayRangeProblem,
  dayStart,
  duration,
  durationsByDay,
  idPieces,
  inline,
  inlineOrBlank,
  lanePriority,
  lastDays,
  operationSubject,
  percentile,
  rangeEnd,
  relative,
  retriedNotice,
  usd,
  waitingErrorNote,
} from "../../src/format";
import {
  cancelOffer,
  cancelRequestOutcome,
  childCounts,
  childRetryBlock,
  countedLanes,
  errorDetails,
  FAILURE_STATUSES,
  frozenPlanInAttemptLog,
  curatorLacks,
  type Job,
  jobMode,
  neverRunsNote,
  noAttemptNote,
  noRetryNote,
  parentState,
  rejectedAtIntake,
  retriedRunEnded,
  movedPastRetriedRun,
  cancelledJobMovedOn,
  retryable,
  shownProgress,
  timelineEntries,
  unparsedNote,
} from "../../src/model";
import { pageTitle, parseRoute, routeName } from "../../src/routes";
import { sizedAttemptFields } from "../../src/stored";
import { cacheOnly, type Live, whileResubscribing } from "../../src/ui/live";

describe("routes", () => {
  it("reads the view and the job id from the address", () => {
    assert.deepEqual(parseRoute(""), { view: "queue" });
    assert.deepEqual(parseRoute("#/history"), { view: "history" });
    assert.deepEqual(parseRoute("#/days"), { view: "days" });
    assert.deepEqual(parseRoute("#/job/QUALITY_SCAN%402026-12-07-shard-1"), { view: "job", jobId: "QUALITY_SCAN@2026-12-07-shard-1" });
    assert.deepEqual(parseRoute("#/job/"), { view: "queue" });
    assert.deepEqual(parseRoute("#/nowhere"), { view: "queue" });
  });

  it("reads an address whose job id is not percent-encoded UTF-8 as the queue's, instead of throwing while the console renders", () => {
    assert.deepEqual(parseRoute("#/job/%E0"), { view: "queue" });
    // Decoded, a path rather than a document id: no job can have it.
    assert.deepEqual(parseRoute("#/job/a%2Fb"), { view: "queue" });
    assert.deepEqual(parseRoute("#/job/.."), { view: "queue" });
    assert.deepEqual(parseRoute("#/job/%"), { view: "queue" });
    assert.deepEqual(parseRoute("#/job/caf%C3%A9"), { view: "job", jobId: "café" });
  });

  // The cases of the engine's document id rule (functions/test/util/document-id.test.ts), which the routes restate.
  const jobAddress = (id: string) => parseRoute(`#/job/${encodeURIComponent(id)}`);
  for (const [what, id] of [
    ["a path", "a/b"],
    ["empty", ""],
    ["'.'", "."],
    ["'..'", ".."],
    ["reserved by Firestore", "__x__"],
    ["reserved by Firestore, its own name", "__name__"],
    ["over 1,500 bytes", "\u20AC".repeat(501)],
  ])
    it(`reads an address whose job id is no document id, ${what}, as the queue's: Firestore would refuse to read it`, () => {
      assert.deepEqual(jobAddress(id), { view: "queue" });
    });

  it("reads the job of any id Firestore takes, 1,500 bytes long too", () => {
    for (const id of ["squat__squat-barbell", "e1", "._.", "__x", "x__", "a.b", "\u00E9t\u00E9", "\u20AC".repeat(500)])
      assert.deepEqual(jobAddress(id), { view: "job", jobId: id });
  });

  it("name the view in the page's title, the job page its job", () => {
    assert.equal(pageTitle(routeName(parseRoute("#/queue"))), "Queue · Catalog Jobs");
    assert.equal(pageTitle(routeName(parseRoute("#/job/QUALITY_SCAN%402026-12-07"))), "Job QUALITY_SCAN@2026-12-07 · Catalog Jobs");
    assert.equal(pageTitle(routeName(parseRoute("#/history"))), "Run history · Catalog Jobs");
    assert.equal(pageTitle(routeName(parseRoute("#/days"))), "Days · Catalog Jobs");
    assert.equal(pageTitle(null), "Catalog Jobs · operator console");
  });
});

describe("who is a curator", () => {
  it("takes the claim with a verified email only, as the rules and the callables do, naming what a token lacks", () => {
    assert.deepEqual(curatorLacks({ catalog_admin: true, email_verified: true }), []);
    assert.deepEqual(curatorLacks({ catalog_admin: true, email_verified: false }), ["verified email"]);
    assert.deepEqual(curatorLacks({ catalog_admin: true }), ["verified email"]);
    assert.deepEqual(curatorLacks({ catalog_admin: "true", email_verified: true }), ["claim"]);
    assert.deepEqual(curatorLacks({ email_verified: false }), ["claim", "verified email"]);
  });
});

describe("daily totals", () => {
  it("are the sum of the shards, counters and per-key counts alike", () => {
    const total = sumShards("2026-12-01", [
      { runs: 2, by_status: { succeeded: 1, failed: 1 }, by_type: { FAMILY_AUDIT: 2 }, llm_cost_usd: 0.25, llm_input_tokens: 100 },
      { runs: 1, by_status: { succeeded: 1 }, by_mode: { apply: 1 }, llm_cost_usd: 0.5, changes: 3 },
    ]);
    assert.equal(total.day, "2026-12-01");
    assert.equal(total.runs, 3);
    assert.deepEqual(total.by_status, { succeeded: 2, failed: 1 });
    assert.deepEqual(total.by_type, { FAMILY_AUDIT: 2 });
    assert.deepEqual(total.by_mode, { apply: 1 });
    assert.equal(total.llm_cost_usd, 0.75);
    assert.equal(total.llm_input_tokens, 100);
    assert.equal(total.changes, 3);
    assert.equal(total.llm_calls, 0);
  });

  it("of a day without shards are zero", () => {
    assert.equal(sumShards("2026-12-01", []).runs, 0);
  });

  it("of the days together are told once every day's listener answered, and stay in error once one's has failed", () => {
    const days: Record<string, Listener<number>> = {};
    const told: string[] = [];
    let stopped = 0;
    const stop = watchAll(
      ["d1", "d2"],
      (day, listener) => {
        days[day] = listener;
        return () => stopped++;
      },
      {
        next: (runs, fromCache) => told.push(`${runs.join(",")}${fromCache ? " (cache)" : ""}`),
        error: (err) => told.push(`error: ${err.message}`),
      },
    );
    days.d1.next(1, false);
    assert.deepEqual(told, []);
    days.d2.next(2, true);
    days.d2.next(3, false);
    assert.deepEqual(told, ["1,2 (cache)", "1,3"]);
    // Firestore ended d1's listener: d2's next answer would show d1's last count as current.
    days.d1.error(new Error("permission denied"));
    days.d2.next(4, false);
    days.d2.error(new Error("unavailable"));
    assert.deepEqual(told, ["1,2 (cache)", "1,3", "error: permission denied"]);
    stop();
    assert.equal(stopped, 2);
  });
});

describe("the queue", () => {
  const finishedAt = (iso: string) => ({ id: iso, finished_at: new Date(iso) }) as unknown as Job;

  it("listens to finished jobs from 24 hours before the view opened, and shows those of the last 24 hours", () => {
    assert.equal(finishedJobsListenerStart(new Date("2026-12-02T10:05:30.000Z")).toISOString(), "2026-12-01T10:05:30.000Z");
    const held = ["2026-12-02T18:00:00.000Z", "2026-12-01T20:00:00.000Z", "2026-12-01T11:00:00.000Z"].map(finishedAt);
    // Hours after the view opened: the listener still holds the oldest one, the queue no longer shows it.
    const shown = inFinishedWindow(held, new Date("2026-12-02T19:30:00.000Z"));
    assert.deepEqual(
      shown.map((job) => job.id),
      ["2026-12-02T18:00:00.000Z", "2026-12-01T20:00:00.000Z"],
    );
  });

  it("names the reads that came back as full as their limit", () => {
    const below = {
      running: RUNNING_JOBS_LIMIT - 1,
      waiting: WAITING_JOBS_LIMIT - 1,
      finished: FINISHED_JOBS_LIMIT - 1,
      failed: FAILED_JOBS_LIMIT - 1,
    };
    assert.deepEqual(cappedQueueReads(below), []);
    assert.deepEqual(cappedQueueReads({ ...below, waiting: WAITING_JOBS_LIMIT }), ["waiting"]);
    assert.deepEqual(cappedQueueReads({ ...below, running: RUNNING_JOBS_LIMIT, finished: FINISHED_JOBS_LIMIT }), ["running", "finished"]);
    // The failures have a read of their own, which a crowd of finished jobs cannot fill.
    assert.deepEqual(cappedQueueReads({ ...below, failed: FAILED_JOBS_LIMIT }), ["failed"]);
  });

  it("keeps what a listener showed while the one replacing it loads (the window moving on), but not an error", () => {
    const shown: Live<string[]> = { state: "ready", value: ["j1"], fromCache: false };
    assert.equal(whileResubscribing(shown), shown);
    assert.deepEqual(whileResubscribing<string[]>({ state: "error", error: new Error("offline") }), { state: "loading" });
    assert.deepEqual(whileResubscribing<string[]>({ state: "loading" }), { state: "loading" });
  });

  it("knows when what it shows is only what the cache holds (not connected): its absences prove nothing", () => {
    const fromServer: Live<string[]> = { state: "ready", value: [], fromCache: false };
    const fromCache: Live<string[]> = { state: "ready", value: [], fromCache: true };
    assert.equal(cacheOnly([fromServer, { state: "loading" }, { state: "error", error: new Error("offline") }]), false);
    assert.equal(cacheOnly([fromServer, fromCache]), true);
    assert.equal(whileResubscribing(fromCache), fromCache);
  });
});

describe("the actions offered", () => {
  const ranAt = new Date("2026-12-01T10:00:00Z");
  const failed = (code: string, run_after: Date | null): Pick<Job, "status" | "error" | "run_after"> => ({
    status: "failed",
    error: { code, message: "", transient: false },
    run_after,
  });

  it("no retry for a job intake rejected: it was never taken in, and the engine cannot parse it", () => {
    for (const code of ["INVALID_JOB", "DUPLICATE_JOB", "CONFIG_INVALID"]) {
      assert.equal(rejectedAtIntake(failed(code, null)), true, code);
      assert.equal(retryable(failed(code, null)), false, code);
    }
    assert.equal(noRetryNote(failed("DUPLICATE_JOB", null)), "rejected at intake as DUPLICATE_JOB: write a new job");
    // A scheduled scan's period refused for its params says what to do instead, as the engine's refusal does.
    const scan = failed("CONFIG_INVALID", null);
    const refused = { ...scan, error: { ...scan.error!, details: { instead: "fix the param, then run the scan" } } };
    assert.equal(noRetryNote(refused), "refused by the run that made it, as CONFIG_INVALID: fix the param, then run the scan");
  });

  it("no retry for a job cancelled before intake whose request did not pass validation (a valid one is taken in by the cancel)", () => {
    assert.equal(retryable({ status: "cancelled", run_after: null, error: null }), false);
    assert.equal(retryable({ status: "cancelled", run_after: ranAt, error: null }), true);
  });

  it("a retry for a job that ran, whatever its code, a follow-up it asked for being invalid included", () => {
    assert.equal(rejectedAtIntake(failed("INVALID_JOB", ranAt)), false);
    assert.equal(retryable(failed("INVALID_JOB", ranAt)), true);
    assert.equal(retryable(failed("FAMILY_NOT_FOUND", ranAt)), true);
    assert.equal(retryable({ ...failed("FAMILY_NOT_FOUND", ranAt), status: "queued" }), false);
  });

  it("no retry for a job the engine failed because its stored document no longer parses: it refuses one until a deploy accepts the job again", () => {
    // As JobQueue.rejectUnreadable leaves a waiting job whose type lost its handler, or whose payload fails its schema: the run_after intake gave it kept.
    const unsupported = { ...failed("UNSUPPORTED_JOB_TYPE", ranAt), id: "j1" };
    const invalid = {
      ...failed("INVALID_JOB", ranAt),
      id: "j1",
      error: { code: "INVALID_JOB", message: "the stored job no longer passes validation", transient: false, details: [] },
    };
    assert.deepEqual([retryable(unsupported), retryable(invalid)], [false, false]);
    assert.equal(
      noRetryNote(unsupported),
      "the job document no longer parses: retry with the CLI once a deploy accepts its type again, or write a new job",
    );
    assert.equal(
      noRetryNote(invalid),
      "the job document no longer parses: retry with the CLI once a deploy accepts its payload again, or write a new job",
    );
    assert.equal(
      unparsedNote(invalid),
      "The engine can no longer parse this job's stored document (its payload no longer passes validation), so it failed the job. " +
        'Retry is not offered: the engine refuses it ("the job document no longer parses") until a deploy accepts its payload again ' +
        "(then retry it with the CLI: retry j1); otherwise write a new job.",
    );
    assert.match(unparsedNote(unsupported) ?? "", /^The engine can no longer parse this job's stored document \(its type has no handler\)/);
    // An invalid follow-up ends INVALID_JOB in other words, and is retried; a job intake rejected has its own note.
    assert.equal(unparsedNote({ ...failed("INVALID_JOB", ranAt), id: "j1" }), null);
    assert.equal(unparsedNote({ ...invalid, run_after: null }), null);
    assert.equal(neverRunsNote(unsupported), null);
  });

  it("a cancel for a waiting job even once a client asked for one (it is cancelled at once); a running or frozen-plan job asked once shows the request", () => {
    const open = (status: Job["status"], cancel_requested: boolean, plan_id: string | null = null) => ({
      status,
      cancel_requested,
      plan_id,
    });
    assert.equal(cancelOffer(open("queued", false)), "cancel");
    assert.equal(cancelOffer(open("queued", true)), "cancel");
    assert.equal(cancelOffer(open("deferred", true)), "cancel");
    assert.equal(cancelOffer(open("running", false)), "cancel");
    assert.equal(cancelOffer(open("running", true)), "requested");
    assert.equal(cancelOffer(open("queued", false, "p1")), "cancel");
    assert.equal(cancelOffer(open("queued", true, "p1")), "requested");
    assert.equal(cancelOffer(open("cancelled", true)), null);
    // A parent waiting for the children it has all made settles its cancel itself: asked once, it shows the request.
    const parent = (status: Job["status"], cancel_requested: boolean) => ({
      ...open(status, cancel_requested),
      shards: { total: 2, done: 1 },
    });
    assert.equal(cancelOffer(parent("deferred", false)), "cancel");
    assert.equal(cancelOffer(parent("deferred", true)), "requested");
    assert.equal(cancelOffer({ ...open("deferred", true), shards: { created: 3 } }), "cancel");
    assert.equal(cancelRequestOutcome(parent("deferred", true)), "requested (its next run settles it over its children)");
    assert.equal(
      cancelRequestOutcome(parent("succeeded", true)),
      "requested too late: the children its cancel could stop had all run; its outcome was kept",
    );
  });

  it("the failures list offers Retry exactly when the job page does, and otherwise says to write a new job", () => {
    assert.equal(noRetryNote(failed("FAMILY_NOT_FOUND", ranAt)), null);
    assert.equal(noRetryNote(failed("INVALID_JOB", ranAt)), null);
    // In the words of the engine's refusal of the retry.
    assert.equal(noRetryNote(failed("INVALID_JOB", null)), "rejected at intake as INVALID_JOB: write a new job");
    assert.equal(noRetryNote(failed("DUPLICATE_JOB", null)), "rejected at intake as DUPLICATE_JOB: write a new job");
    // Never taken in, whatever its code: the engine cannot parse it, so it refuses the retry, naming the error.
    assert.equal(noRetryNote(failed("LEASE_EXPIRED", null)), "rejected at intake as LEASE_EXPIRED: write a new job");
    assert.equal(noRetryNote({ status: "cancelled", run_after: null, error: null }), "never taken in: write a new job");
    const unparsed = failed("UNSUPPORTED_JOB_TYPE", ranAt);
    for (const status of FAILURE_STATUSES)
      for (const job of [failed("INVALID_JOB", null), failed("LEASE_EXPIRED", null), failed("LEASE_EXPIRED", ranAt), unparsed])
        assert.equal(noRetryNote({ ...job, status }) === null, retryable({ ...job, status }), `${status} ${job.error?.code}`);
  });

  it("a job intake never took in shows no lane, priority, maximum of attempts or mode of its own, and counts in no lane", () => {
    assert.equal(lanePriority({ queue: "maintenance", priority: 0 }), "maintenance · 0");
    assert.equal(lanePriority({ queue: null, priority: null }), "—");
    assert.equal(lanePriority({ queue: null, priority: 50 }), "— · 50");
    assert.equal(jobMode({ payload: { mode: "apply" }, run_after: ranAt }), "apply");
    // The engine's default, for a job it took in; none for one it never did.
    assert.equal(jobMode({ payload: {}, run_after: ranAt }), "dry_run");
    assert.equal(jobMode({ payload: {}, run_after: null }), null);
    assert.deepEqual(countedLanes([{ queue: "priority" }, { queue: "maintenance" }]), ["priority", "maintenance"]);
    assert.deepEqual(countedLanes([{ queue: "priority" }, { queue: null }]), ["priority", "maintenance", null]);
  });

  it("a job with no attempt log says none has started only when none has, that it was cancelled before it ran, and that none is stored once one ran or the job ended", () => {
    const job = (status: Job["status"], attempts: number) => ({ id: "j1", status, attempts, run_after: ranAt, error: null });
    assert.equal(noAttemptNote(job("queued", 0)), "No attempt has started yet.");
    assert.equal(noAttemptNote(job("running", 1)), "No earlier attempt.");
    assert.equal(noAttemptNote(job("queued", 1)), "No attempt log is stored for this job.");
    assert.equal(noAttemptNote(job("deferred", 2)), "No attempt log is stored for this job.");
    assert.equal(noAttemptNote(job("running", 2)), "No attempt log is stored for this job.");
    assert.equal(noAttemptNote(job("succeeded", 1)), "No attempt log is stored for this job.");
    // Ended without running: cancelled while it waited, which no missing log explains.
    assert.equal(noAttemptNote(job("cancelled", 0)), "None: this job was cancelled before it ran.");
    assert.equal(noAttemptNote(job("cancelled", 1)), "No attempt log is stored for this job.");
    assert.equal(
      noAttemptNote({ ...job("failed", 0), run_after: null, error: { code: "INVALID_JOB", message: "" } }),
      "None: intake never took this job in (see above).",
    );
  });

  it("a job that ended before intake took it in says why it never runs and why it offers no Retry, a job cancelled so with no error too", () => {
    // What JobQueue.cancelJob leaves of a client's document whose request does not pass validation: no run_after, no error.
    const cancelledBeforeIntake: Pick<Job, "status" | "run_after" | "error"> = { status: "cancelled", run_after: null, error: null };
    assert.equal(
      neverRunsNote(cancelledBeforeIntake),
      "This job was cancelled before intake took it in, and its request does not pass validation (a valid one is taken in by the cancel), " +
        'so it never ran and never will. Retry is not offered: the engine cannot parse a job it never took in, and refuses ("never taken in: write a new job").',
    );
    assert.equal(
      neverRunsNote(failed("INVALID_JOB", null)),
      "Intake rejected this job as INVALID_JOB, so it never ran and never will: fix what its error names. " +
        'Retry is not offered: the engine cannot parse a job it never took in, and refuses ("rejected at intake as INVALID_JOB: write a new job").',
    );
    // Taken in (a valid request cancelled before intake is taken in by the cancel), or not taken in yet: it may still run.
    assert.equal(neverRunsNote({ ...cancelledBeforeIntake, run_after: ranAt }), null);
    assert.equal(neverRunsNote(failed("INVALID_JOB", ranAt)), null);
    assert.equal(neverRunsNote({ status: "queued", run_after: null, error: null }), null);
  });

  it("a cancel says what it did: the job cancelled, or only asked to stop", () => {
    assert.equal(cancelledNotice("j1", { status: "cancelled", cancel_requested: false }), "Job j1 is cancelled.");
    assert.equal(
      cancelledNotice("j1", { status: "running", cancel_requested: true }),
      "Job j1 is asked to stop: it is running until its next safe point (a frozen plan is finished first).",
    );
    // Waiting, it holds a frozen plan or is a parent waiting for its children: the answer says not which.
    assert.equal(
      cancelledNotice("j1", { status: "deferred", cancel_requested: true }),
      "Job j1 is asked to stop: it is deferred until its next run, which finishes its frozen plan, or, for a parent " +
        "waiting for its children, settles it over them: cancelled with what they did if the cancel stopped one, else as they make it (succeeded if they all had).",
    );
  });

  it("a cancel request reads as pending only while the job is open; a job that ended otherwise than cancelled kept its outcome", () => {
    const asked = (status: Job["status"], plan_id: string | null = null) => ({ status, cancel_requested: true, plan_id });
    assert.equal(cancelRequestOutcome(asked("queued", "p1")), "requested (the frozen plan is finished first)");
    assert.equal(cancelRequestOutcome(asked("running", "p1")), "requested (the frozen plan is finished first)");
    assert.equal(cancelRequestOutcome(asked("deferred")), "requested (it is cancelled instead of run)");
    assert.equal(cancelRequestOutcome(asked("running")), "requested");
    // The engine keeps plan_id and cancel_requested when the job ends.
    assert.equal(
      cancelRequestOutcome(asked("succeeded", "p1")),
      "requested too late: the job had already frozen its plan; its outcome was kept",
    );
    assert.equal(
      cancelRequestOutcome(asked("needs_review", "p1")),
      "requested too late: the job had already frozen its plan; its outcome was kept",
    );
    assert.equal(cancelRequestOutcome(asked("succeeded")), "requested too late: the job ended before it could stop; its outcome was kept");
    assert.equal(cancelRequestOutcome(asked("cancelled", "p1")), "requested");
    assert.equal(cancelRequestOutcome(asked("cancelled")), "requested");
  });

  it("a cancel that left children open (the callable's unavailable) is offered again; any other refusal is not", () => {
    const childrenLeftOpen = new FunctionsError(
      "unavailable",
      "job p1 is cancelled, but cancelling its children failed (run the cancel again): deadline exceeded",
    );
    assert.equal(cancelWorthRunningAgain(childrenLeftOpen), true);
    assert.equal(cancelWorthRunningAgain(new FunctionsError("failed-precondition", "cannot cancel job p1: it is cancelled")), false);
    assert.equal(cancelWorthRunningAgain(new Error("unavailable")), false);
    // Cut short by the callable's deadline part-way through the children: the same cancel finishes them.
    assert.equal(cancelWorthRunningAgain(new FunctionsError("deadline-exceeded", "deadline-exceeded")), true);
  });

  it("a notice's ids come apart from its words, to read as code", () => {
    assert.deepEqual(idPieces({ text: "Job j1 is queued again. It resumes its frozen plan p1-j1: …", ids: ["j1", "p1-j1"] }), [
      { text: "Job ", id: false },
      { text: "j1", id: true },
      { text: " is queued again. It resumes its frozen plan ", id: false },
      { text: "p1-j1", id: true },
      { text: ": …", id: false },
    ]);
    // An id is taken literally, whatever it holds.
    assert.deepEqual(idPieces({ text: "Job a.b+c is cancelled.", ids: ["a.b+c", ""] }), [
      { text: "Job ", id: false },
      { text: "a.b+c", id: true },
      { text: " is cancelled.", id: false },
    ]);
    assert.deepEqual(idPieces({ text: "No id here.", ids: [] }), [{ text: "No id here.", id: false }]);
  });

  it("an action's failure reads in the engine's words, without the HTTP status the SDK appends to a callable's", () => {
    const refusal = "cannot retry job j1: it is failed (the job document no longer parses)";
    // As the SDK builds a callable's error from its answer (_errorForResponse).
    assert.equal(actionFailure(new FunctionsError("failed-precondition", `${refusal} [400]`)), refusal);
    assert.equal(actionFailure(new FunctionsError("internal", "internal")), "internal");
    // Only a callable's: any other error's message is its own.
    assert.equal(actionFailure(new Error("offline [400]")), "offline [400]");
    assert.equal(actionFailure("gone"), "gone");
  });

  it("a retry's notice lasts until the run it queued ends, not past a failure of that run", () => {
    // Retry pressed on a job failed at epoch 2: the retry queues it at epoch 3, its lease runs it at epoch 4.
    const at = (status: Job["status"], lease_epoch: number) => ({ status, lease_epoch });
    // The job's listener may still show it as it was before the retry when the engine's answer arrives.
    assert.equal(retriedRunEnded(2, at("failed", 2)), false);
    assert.equal(retriedRunEnded(2, at("queued", 3)), false);
    assert.equal(retriedRunEnded(2, at("running", 4)), false);
    assert.equal(retriedRunEnded(2, at("deferred", 4)), false);
    assert.equal(retriedRunEnded(2, at("failed", 4)), true);
    assert.equal(retriedRunEnded(2, at("succeeded", 4)), true);
  });

  it("a retry's notice of how the run it queued ended lasts until the job moves on from that end", () => {
    const at = (status: Job["status"], lease_epoch: number) => ({ status, lease_epoch });
    // That run ended at epoch 4: only a later retry (someone else's) takes the job on, queued again, then leased.
    assert.equal(movedPastRetriedRun(4, at("succeeded", 4)), false);
    assert.equal(movedPastRetriedRun(4, at("queued", 4)), true);
    assert.equal(movedPastRetriedRun(4, at("queued", 5)), true);
    assert.equal(movedPastRetriedRun(4, at("failed", 6)), true);
  });

  it("a cancel's notice lasts while the job is as the cancel left it, not once a job asked to stop has ended", () => {
    const at = (id: string, status: Job["status"], lease_epoch: number) => ({ id, status, lease_epoch });
    const asked = {
      jobId: "j1",
      answer: { status: "running" as const, cancel_requested: true },
      pressed: { status: "running" as const, lease_epoch: 1 },
    };
    assert.equal(cancelledJobMovedOn(asked, at("j1", "running", 1)), false);
    assert.equal(cancelledJobMovedOn(asked, at("j1", "cancelled", 1)), true);
    assert.equal(cancelledJobMovedOn(asked, at("j2", "succeeded", 1)), false);
    const cancelled = {
      jobId: "j1",
      answer: { status: "cancelled" as const, cancel_requested: false },
      pressed: { status: "queued" as const, lease_epoch: 1 },
    };
    assert.equal(cancelledJobMovedOn(cancelled, at("j1", "cancelled", 1)), false);
    // The listener may still read the job as it was at the press when the callable's answer comes.
    assert.equal(cancelledJobMovedOn(cancelled, at("j1", "queued", 1)), false);
    assert.equal(cancelledJobMovedOn(cancelled, at("j1", "queued", 2)), true); // retried since
    assert.equal(cancelledJobMovedOn({ ...cancelled, pressed: { status: "deferred", lease_epoch: 1 } }, at("j1", "queued", 1)), true);
  });

  /** A parent as its document reads, asked to stop or not, holding a frozen plan or not. */
  const parentAs = (status: Job["status"], cancel_requested = false, plan_id: string | null = null) => ({
    status,
    cancel_requested,
    plan_id,
  });

  it("no retry for a child whose parent has ended: the parent no longer counts it, and its own retry requeues the child", () => {
    assert.equal(parentState(parentAs("deferred"), false), "open");
    assert.equal(parentState(parentAs("running"), false), "open");
    for (const status of ["succeeded", "failed", "needs_review", "deadletter", "cancelled"] as const) {
      assert.equal(parentState(parentAs(status), false), "ended", status);
      // The engine keeps the request when the job ends.
      assert.equal(parentState(parentAs(status, true), false), "ended", status);
    }
    // Its record is gone: nothing counts the child, which is retried on its own.
    assert.equal(parentState(null, false), "gone");
  });

  it("no retry for a child whose parent only the cache answers for, holding nothing of it: the parent may exist, and have ended", () => {
    assert.equal(parentState(null, true), "unknown");
    // What the cache holds of a parent reads as it does.
    assert.equal(parentState(parentAs("running"), true), "open");
    assert.equal(parentState(parentAs("failed"), true), "ended");
  });

  it("a parent asked to stop and not stopped yet is stopping (the engine's cancelPending); one that froze a plan finishes it first", () => {
    for (const status of ["queued", "running", "deferred"] as const) {
      assert.equal(parentState(parentAs(status, true), false), "stopping", status);
      assert.equal(parentState(parentAs(status, true, "p1"), false), "open", status);
    }
  });

  it("no retry for a child whose parent is stopping, as the engine refuses it (its lease would cancel it unrun), but for one that resumes its frozen plan", () => {
    const child = (status: Job["status"], code: string, plan_id: string | null = null, shards: Job["shards"] = null) => ({
      status,
      error: { code, message: "", transient: false },
      plan_id,
      shards,
    });
    const failedChild = child("failed", "BROKEN");
    assert.equal(childRetryBlock(failedChild, "stopping"), "stopping");
    assert.equal(childRetryBlock(failedChild, "open"), null);
    assert.equal(childRetryBlock(failedChild, "gone"), null);
    assert.equal(childRetryBlock(failedChild, "ended"), "ended");
    assert.equal(childRetryBlock(failedChild, "unknown"), "unknown");
    // Its retry keeps its frozen plan (JobQueue.requeueIn), which a cancel lets finish: the engine retries it, and it runs.
    assert.equal(childRetryBlock(child("deadletter", "FIRESTORE_UNAVAILABLE", "p1"), "stopping"), null);
    assert.equal(childRetryBlock(child("needs_review", "PARTIALLY_APPLIED", "p1"), "stopping"), null);
    assert.equal(childRetryBlock(child("needs_review", "APPLY_DISABLED", "p1"), "stopping"), null);
    // Any other ending plans again: its plan is not kept, and the cancel reaches it.
    assert.equal(childRetryBlock(child("needs_review", "TARGET_CHANGED", "p1"), "stopping"), "stopping");
    assert.equal(childRetryBlock(child("failed", "BROKEN", "p1"), "stopping"), "stopping");
    assert.equal(childRetryBlock(child("deadletter", "FIRESTORE_UNAVAILABLE"), "stopping"), "stopping");
    // A child with children of its own settles its cancel over them.
    assert.equal(childRetryBlock(child("failed", "SHARDS_FAILED", null, { total: 2, done: 2 }), "stopping"), null);
  });

  it("the queue knows a child's parent from the jobs it reads, and says when it cannot tell", () => {
    const jobs = (...ids: string[]) => ids.map((id) => ({ id, ...parentAs("deferred") }));
    const ended = (...ids: string[]) => ids.map((id) => ({ id, ...parentAs("cancelled", true) }));
    const many = (n: number) => jobs(...Array.from({ length: n }, (_, i) => `open-${i}`));
    assert.equal(parentInQueue("p1", { running: jobs(), waiting: jobs("p1"), finished: jobs() }), "open");
    assert.equal(parentInQueue("p1", { running: jobs("p1"), waiting: null, finished: jobs() }), "open");
    assert.equal(parentInQueue("p1", { running: jobs(), waiting: null, finished: ended("p1") }), "ended");
    // Asked to stop, and not stopped yet.
    const stopping = [{ id: "p1", ...parentAs("deferred", true) }];
    assert.equal(parentInQueue("p1", { running: jobs(), waiting: stopping, finished: jobs() }), "stopping");
    // Read nowhere: it ended before the last 24 hours, or its record is gone (then its child's page offers Retry).
    assert.equal(parentInQueue("p1", { running: jobs("j1"), waiting: jobs("j2"), finished: jobs() }), "unknown");
    // Open jobs left unread: loading, or a read as full as its limit.
    assert.equal(parentInQueue("p1", { running: jobs(), waiting: null, finished: jobs() }), "unknown");
    assert.equal(parentInQueue("p1", { running: jobs(), waiting: many(WAITING_JOBS_LIMIT), finished: jobs() }), "unknown");
    assert.equal(parentInQueue("p1", { running: many(RUNNING_JOBS_LIMIT), waiting: jobs(), finished: jobs() }), "unknown");
  });

  it("a retry says how many of a parent's children went with it, and when its wake-up was not sent", () => {
    assert.equal(retriedNotice("j1", { children_requeued: 0, wakeup_sent: true }), "Job j1 is queued again.");
    assert.equal(
      retriedNotice("j1", { children_requeued: 3, wakeup_sent: true }),
      "Job j1 is queued again, with 3 of its children (those that had not succeeded).",
    );
    assert.equal(
      retriedNotice("j1", { children_requeued: 0, wakeup_sent: false }),
      "Job j1 is queued again. Its wake-up could not be sent: it runs when another job's wake-up drains its lane past it, or when the watchdog wakes it.",
    );
    assert.equal(
      retriedNotice("j1", { children_requeued: 0, wakeup_sent: true, resumes_plan: "p3" }),
      "Job j1 is queued again. It resumes its frozen plan p3: the operations applied are skipped (to plan again instead, revert its changes once it ends: its next retry stops at PLAN_REVERTED, the one after plans again).",
    );
  });

  it("a retry whose run ended says how it ended, its wake-up no longer mattering", () => {
    assert.equal(
      retriedNotice("j1", { children_requeued: 0, wakeup_sent: true }, { status: "succeeded", ran: true }),
      "Job j1 is queued again. It has run since: succeeded.",
    );
    assert.equal(
      retriedNotice("j1", { children_requeued: 2, wakeup_sent: false, resumes_plan: "p3" }, { status: "failed", ran: true }),
      "Job j1 is queued again, with 2 of its children (those that had not succeeded). It resumes its frozen plan p3: the operations applied are skipped (to plan again instead, revert its changes once it ends: its next retry stops at PLAN_REVERTED, the one after plans again). It has run since: failed.",
    );
  });
});

describe("the job page's timeline", () => {
  const at = (hhmm: string) => new Date(`2026-12-01T${hhmm}:00Z`);
  const job = {
    created_at: at("09:00"),
    created_by: "cli:alice",
    status: "queued" as const,
    attempts: 0,
    started_at: at("10:00"),
    lease_owner: null,
    lease_epoch: 2,
    requeued_at: null,
    finished_at: null,
    updated_at: at("12:00"),
  };
  const failedAttempt = {
    attempt: 1,
    worker_id: "w1",
    lease_epoch: 1,
    started_at: at("10:00"),
    finished_at: at("10:05"),
    status: "deadletter" as const,
    error: { code: "LEASE_EXPIRED", message: "" },
  };
  const texts = (entries: { at: Date | null; text: string }[]) => entries.map((e) => `${e.at?.toISOString().slice(11, 16)} ${e.text}`);

  it("shows an operator's retry where it queued the job again, after the run it retried", () => {
    assert.deepEqual(texts(timelineEntries({ ...job, requeued_at: at("12:00") }, [failedAttempt])), [
      "09:00 created by cli:alice",
      "10:00 attempt 1 started on w1 (epoch 1)",
      "10:05 attempt 1 ended deadletter (LEASE_EXPIRED)",
      "12:00 queued again (retry)",
      "12:00 now queued",
    ]);
  });

  it("shows no retry of a job never retried, and a running attempt's start", () => {
    const running = { ...job, status: "running" as const, attempts: 1, started_at: at("09:01"), lease_owner: "w2", lease_epoch: 1 };
    assert.deepEqual(texts(timelineEntries(running, [])), [
      "09:00 created by cli:alice",
      "09:01 attempt 1 started on w2 (epoch 1)",
      "12:00 now running",
    ]);
  });
});

describe("the job page's error and children", () => {
  it("shows an error's details: intake's validation issues as a list of fields and what is wrong, anything else as it is", () => {
    // What intake's INVALID_JOB carries (the engine's Issue: path, message, code).
    const issues = [
      { path: "payload.family_slug", message: "Invalid input: expected string, received undefined", code: "invalid_type" },
      { path: "", message: 'Unrecognized key: "extra"', code: "unrecognized_keys" },
    ];
    assert.deepEqual(errorDetails(issues), {
      issues: [
        { path: "payload.family_slug", message: "Invalid input: expected string, received undefined" },
        { path: "", message: 'Unrecognized key: "extra"' },
      ],
    });
    // A deferral's locks held, a parent's shards missing: shown as they are.
    const heldBy = [{ key: "family:squat", jobId: "j2" }];
    assert.deepEqual(errorDetails(heldBy), { value: heldBy, stack: null });
    assert.deepEqual(errorDetails({ missing: ["p1-shard-3"] }), { value: { missing: ["p1-shard-3"] }, stack: null });
    // The stack an attempt's record adds, read apart, line by line.
    const stack = "TypeError: x is undefined\n    at run (handler.ts:1:1)";
    assert.deepEqual(errorDetails({ error: "TypeError", stack }), { value: { error: "TypeError" }, stack });
    assert.deepEqual(errorDetails({ stack }), { value: null, stack });
    for (const none of [undefined, null, [], {}]) assert.equal(errorDetails(none), null, JSON.stringify(none));
  });

  it("labels a parent's counts of its children, cancelled ones among those that did not succeed", () => {
    // A settling cancelled parent: the cancel counted the children it closed at once.
    const counts = childCounts({ shards: { total: 10, done: 9, succeeded: 2, failed: 7 } });
    assert.deepEqual(counts, { total: 10, done: 9, succeeded: 2, failed: 7 });
    assert.equal(childrenSummary(counts), "Children: 9 of 10 ended, 2 succeeded, 7 did not (cancelled ones included).");
    const making = childCounts({ shards: { total: null, done: 1, succeeded: 0, failed: 1 } });
    assert.equal(
      childrenSummary(making!),
      "Children: 1 ended (how many it makes is not recorded yet), 0 succeeded, 1 did not (cancelled ones included).",
    );
    assert.equal(childCounts({ shards: null }), null);
  });

  it("shows a parent's progress from its live counts of its children, not from its last check's", () => {
    const lastCheck = { done: 3, total: 10 };
    assert.deepEqual(shownProgress({ progress: lastCheck, shards: { total: 10, done: 9, succeeded: 2, failed: 7 } }), {
      done: 9,
      total: 10,
    });
    // Until it knows how many it made, and for a job without children, the progress its attempt reports.
    assert.deepEqual(shownProgress({ progress: lastCheck, shards: { total: null, done: 1 } }), lastCheck);
    assert.deepEqual(shownProgress({ progress: lastCheck, shards: null }), lastCheck);
    assert.equal(shownProgress({ progress: null, shards: null }), null);
  });

  it("says a waiting job's error is as of its last attempt, and that a parent's counts shown are live", () => {
    const zone = process.env.TZ;
    process.env.TZ = "UTC";
    try {
      const waiting = {
        status: "deferred" as const,
        error: { code: "WAITING_FOR_SHARDS", message: "3 of 10 shard(s) finished" },
        started_at: new Date("2026-12-01T10:00:00Z"),
        shards: { total: 10, done: 9, succeeded: 2, failed: 7 },
      };
      assert.equal(
        waitingErrorNote(waiting),
        "As of its last attempt, started 2026-12-01 10:00:00 UTC: its children's counts shown here are live.",
      );
      const locked = { ...waiting, error: { code: "LOCK_HELD", message: "locks held by j2" }, shards: null };
      assert.equal(waitingErrorNote(locked), "As of its last attempt, started 2026-12-01 10:00:00 UTC.");
      // An ended job's error is its outcome's; a waiting job with none has nothing to date.
      assert.equal(waitingErrorNote({ ...waiting, status: "needs_review" }), null);
      assert.equal(waitingErrorNote({ ...waiting, error: null }), null);
    } finally {
      if (zone === undefined) delete process.env.TZ;
      else process.env.TZ = zone;
    }
  });
});

describe("the job page's frozen plan", () => {
  const frozen = { lease_epoch: 2 };
  const plan = { summary: "normalise the squat family", operations: [] };

  it("is shown while no attempt log from its own attempt on has a plan", () => {
    assert.equal(frozenPlanInAttemptLog(frozen, []), false);
    // An earlier attempt's plan, from before a retry froze this one.
    assert.equal(frozenPlanInAttemptLog(frozen, [{ plan, lease_epoch: 1 }]), false);
    // A later attempt that logged no plan (its lease expired, say).
    assert.equal(frozenPlanInAttemptLog(frozen, [{ plan: null, lease_epoch: 3 }]), false);
  });

  it("is shown when the log of its attempt holds only what the engine kept of a plan too large to store", () => {
    const operations = Array.from({ length: 900 }, (_, i) => ({ op: "patch_exercise", exercise_id: `e${i}` }));
    // What attempt-log.ts stores for a plan over its limit, and what it leaves when the record has no room for that either.
    const summarised = { truncated: true, bytes: 250_000, operation_count: 900, first_operations: operations.slice(0, 20) };
    for (const stored of [summarised, { truncated: true, bytes: 250_000 }]) {
      const { plan: cut } = sizedAttemptFields({ plan: stored });
      assert.equal(frozenPlanInAttemptLog(frozen, [{ plan: cut, lease_epoch: 2 }]), false);
      assert.equal(
        frozenPlanInAttemptLog(frozen, [
          { plan: cut, lease_epoch: 2 },
          { plan, lease_epoch: 3 },
        ]),
        true,
      );
    }
  });

  it("gives way to the log of the attempt that froze it, or of a later one", () => {
    assert.equal(frozenPlanInAttemptLog(frozen, [{ plan, lease_epoch: 2 }]), true);
    assert.equal(
      frozenPlanInAttemptLog(frozen, [
        { plan, lease_epoch: 1 },
        { plan: null, lease_epoch: 2 },
        { plan, lease_epoch: 3 },
      ]),
      true,
    );
  });
});

describe("the days", () => {
  it("are UTC days, oldest first, up to today's: the window moves on at UTC midnight", () => {
    assert.equal(dayKey(new Date("2026-12-31T23:59:59.999Z")), "2026-12-31");
    assert.equal(dayKey(new Date("2027-01-01T00:00:00.000Z")), "2027-01-01");
    assert.equal(dayKey(new Date("2026-12-31T20:00:00.000-05:00")), "2027-01-01");
    assert.deepEqual(lastDays("2026-12-31", 3), ["2026-12-29", "2026-12-30", "2026-12-31"]);
    assert.deepEqual(lastDays("2027-01-01", 3), ["2026-12-30", "2026-12-31", "2027-01-01"]);
    assert.deepEqual(lastDays("2026-03-01", 2), ["2026-02-28", "2026-03-01"]);
  });

  it("count a run's duration on the UTC day it finished, and a day without runs is a gap, not a zero", () => {
    const run = (finished: string | null, seconds: number) => ({
      finished_at: finished === null ? null : new Date(finished),
      duration_ms: seconds * 1000,
    });
    const durations = durationsByDay(
      ["2026-12-01", "2026-12-02", "2026-12-03"],
      [
        run("2026-12-01T23:59:59.999Z", 30),
        run("2026-12-01T08:00:00.000Z", 10),
        run("2026-12-03T00:00:00.000Z", 5),
        run("2026-11-30T23:59:59.999Z", 99),
        run(null, 99),
      ],
    );
    assert.deepEqual(durations, [[10, 30], [], [5]]);
    assert.deepEqual(
      durations.map((day) => percentile(day, 0.5)),
      [10, null, 5],
    );
  });
});

describe("formatting", () => {
  it("durations pick their unit", () => {
    assert.equal(duration(850), "850 ms");
    assert.equal(duration(12_340), "12.3 s");
    assert.equal(duration(245_000), "4m 05s");
    assert.equal(duration(7_800_000), "2h 10m");
  });

  it("relative times say which way", () => {
    const now = new Date("2026-12-01T12:00:00Z");
    assert.equal(relative(new Date("2026-12-01T12:04:12Z"), now), "in 4m 12s");
    assert.equal(relative(new Date("2026-12-01T11:59:57Z"), now), "3.0 s ago");
    assert.equal(relative(null, now), "—");
  });

  it("costs keep their cents, small ones their fractions", () => {
    assert.equal(usd(0.0123), "$0.0123");
    assert.equal(usd(12.5), "$12.50");
  });

  it("values read on one line; a plan operation's absent fields read as nothing", () => {
    assert.equal(inline("squat"), "squat");
    assert.equal(inline({ slug: "squat" }), '{"slug":"squat"}');
    assert.equal(inline(undefined), "(absent)");
    assert.equal(inlineOrBlank(undefined), "");
    assert.equal(inlineOrBlank(null), "");
    assert.equal(inlineOrBlank(["a", "b"]), '["a","b"]');
  });

  it("local times say their offset from UTC, as it was at that time", () => {
    const zone = process.env.TZ;
    const at = new Date("2026-12-02T08:33:09Z");
    try {
      const inZone = (tz: string, value = at) => {
        process.env.TZ = tz;
        return dateTime(value);
      };
      assert.equal(inZone("UTC"), "2026-12-02 08:33:09 UTC");
      assert.equal(inZone("Asia/Kolkata"), "2026-12-02 14:03:09 UTC+5:30");
      assert.equal(inZone("America/Sao_Paulo"), "2026-12-02 05:33:09 UTC-3");
      assert.equal(inZone("Europe/Berlin"), "2026-12-02 09:33:09 UTC+1");
      assert.equal(inZone("Europe/Berlin", new Date("2026-07-02T08:33:09Z")), "2026-07-02 10:33:09 UTC+2");
      assert.equal(inline(at), "2026-12-02 09:33:09 UTC+1");
    } finally {
      if (zone === undefined) delete process.env.TZ;
      else process.env.TZ = zone;
    }
    assert.equal(dateTime(null), "—");
  });

  it("a failure says what the console could not do", () => {
    assert.equal(couldNot("sign out", new Error("network-request-failed")), "Could not sign out: network-request-failed");
    assert.equal(couldNot("load job j1", new Error("permission denied")), "Could not load job j1: permission denied");
  });

  it("a plan operation names what it acts on, by its op's own fields", () => {
    const subject = (op: Record<string, unknown>) => operationSubject({ rationale: "why", risk: "low", ...op });
    for (const op of ["create_exercise", "patch_fields", "rename_exercise", "deprecate_exercise", "reassign_family"])
      assert.equal(subject({ op, exercise_id: "squat__squat-barbell", merged_into: "x", to_family: "lunge" }), "squat__squat-barbell", op);
    // An alias pointing at an exercise is named by its slug, not by the exercise's id.
    assert.equal(
      subject({ op: "upsert_alias", alias_slug: "back-squat", exercise_id: "squat__squat-barbell" }),
      "back-squat → squat__squat-barbell",
    );
    assert.equal(
      subject({ op: "upsert_alias", alias_slug: "squats", family_slug: "squat", is_family_alias: true }),
      "squats → family squat",
    );
    assert.equal(subject({ op: "delete_alias", alias_slug: "back-squat" }), "back-squat");
    assert.equal(
      subject({ op: "merge_exercises", source_id: "squat__old", target_id: "squat__new", target_patch: {} }),
      "squat__old → squat__new",
    );
    assert.equal(subject({ op: "update_family_registry", family_slug: "squat", status: "merged", merged_into: "lunge" }), "squat");
    assert.equal(subject({ op: "no_change", target: "exercises/squat__squat-barbell" }), "exercises/squat__squat-barbell");
    assert.equal(subject({ op: "no_change" }), "");
  });

  it("a range through the last day a timestamp holds has no end, as the CLI's --to 9999-12-31", () => {
    assert.deepEqual(rangeEnd("2026-12-01"), new Date("2026-12-02T00:00:00Z"));
    // 10000-01-01 is past what a Firestore timestamp holds: a query bound by it throws.
    assert.equal(rangeEnd("9999-12-31"), undefined);
  });

  it("a range of UTC days whose end is before its start is refused, as the CLI refuses it", () => {
    assert.equal(dayRangeProblem("2026-12-05", "2026-12-01"), "To 2026-12-01 is before From 2026-12-05");
    assert.equal(dayRangeProblem("2026-12-05", "2026-12-05"), null);
    assert.equal(dayRangeProblem("2026-12-01", "2026-12-05"), null);
    assert.equal(dayRangeProblem("", "2026-12-01"), null);
    assert.equal(dayRangeProblem("2026-12-05", ""), null);
  });

  it("a day starts at UTC midnight", () => {
    assert.deepEqual(dayStart("2026-12-31"), new Date("2026-12-31T00:00:00Z"));
    assert.deepEqual(dayStart("2026-12-31", 1), new Date("2027-01-01T00:00:00Z"));
  });

  it("takes nearest-rank percentiles, and none of no values", () => {
    const twenty = Array.from({ length: 20 }, (_, i) => i + 1);
    assert.equal(percentile(twenty, 0.95), 19); // not the maximum
    assert.equal(percentile(twenty, 0.5), 10);
    assert.equal(percentile([1, 2, 3, 4], 0.5), 2);
    assert.equal(percentile([7], 0.95), 7);
    assert.equal(percentile([], 0.5), null);
  });

  it("reads anything thrown as an Error, keeping an Error as it is", () => {
    const error = new TypeError("offline");
    assert.equal(asError(error), error);
    assert.equal(asError("quota exceeded").message, "quota exceeded");
    assert.ok(asError({ code: 7 }) instanceof Error);
  });
});
