/**
 * What a retry's notice tells, and for how long, and what keeps its error (ui/retry.tsx): the hook runs in a component that renders nothing,
 * so no DOM is needed; each render passes the jobs as the view's listener reads them then.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { h, render } from "preact";
import { FunctionsError } from "firebase/functions";
import { act } from "preact/test-utils";
import { actionFailure, type OperatorActions } from "../../src/actions";
import type { Job, RetryAnswer } from "../../src/model";
import { type Retries, useRetry } from "../../src/ui/retry";

/** Job j1 as the listener reads it: Retry is pressed on it failed at epoch 2; the retry queues it at 3, its lease runs it at 4. */
const j1 = (status: Job["status"], lease_epoch: number): Job => ({
  id: "j1",
  type: "FAMILY_AUDIT",
  queue: "maintenance",
  priority: 0,
  status,
  payload: {},
  attempts: 0,
  max_attempts: 3,
  run_after: new Date("2026-12-01T10:00:00Z"),
  lease_owner: null,
  lease_expires_at: null,
  lease_epoch,
  created_at: null,
  updated_at: null,
  started_at: null,
  finished_at: null,
  created_by: null,
  error: null,
  result_summary: null,
  progress: null,
  parent_job_id: null,
  shards: null,
  cancel_requested: false,
  plan_id: null,
  llm_usage: null,
  requeued_at: null,
});

/** A view holding useRetry, with the retry callable's answer, or its error, given when the test says. */
function retryView() {
  let giveAnswer = (_: RetryAnswer) => {};
  let giveError = (_: Error) => {};
  const actions: OperatorActions = {
    retryJob: () =>
      new Promise((resolve, reject) => {
        giveAnswer = resolve;
        giveError = reject;
      }),
    cancelJob: () => Promise.reject(new Error("not called")),
    revertChange: () => Promise.reject(new Error("not called")),
    revertJob: () => Promise.reject(new Error("not called")),
  };
  let retries: Retries | null = null;
  let pressed: Promise<void> = Promise.resolve();
  const View = ({ seen }: { seen: Job[] }) => {
    retries = useRetry(actions, seen);
    return null;
  };
  const root = {} as Element;
  const current = () => retries ?? assert.fail("not rendered");
  return {
    /** Renders the view as the listener reads these jobs (none: the job is not among those it reads). */
    show: (...seen: Job[]) => act(() => render(h(View, { seen }), root)),
    notice: () => current().notice?.text ?? null,
    /** The failed retry the view keeps: its job, and what it says. */
    failure: () => {
      const kept = current().failure;
      return kept && `${kept.jobId}: ${actionFailure(kept.error)}`;
    },
    press: (job: Job) => void (pressed = current().retry(job)),
    answer: (answer: RetryAnswer) =>
      act(async () => {
        giveAnswer(answer);
        await pressed;
      }),
    fail: (error: Error) =>
      act(async () => {
        giveError(error);
        await pressed;
      }),
  };
}

const queuedAgain: RetryAnswer = { children_requeued: 0, wakeup_sent: true };

describe("a retry's notice", () => {
  it("tells the job is queued again while the run it queued is open, then how that run ended", async () => {
    const view = retryView();
    await view.show(j1("failed", 2));
    view.press(j1("failed", 2));
    await view.show(j1("queued", 3));
    await view.answer(queuedAgain);
    assert.equal(view.notice(), "Job j1 is queued again.");
    await view.show(j1("running", 4));
    assert.equal(view.notice(), "Job j1 is queued again.");
    await view.show(j1("succeeded", 4));
    assert.equal(view.notice(), "Job j1 is queued again. It has run since: succeeded.");
    // Kept while the view no longer reads the job (the queue's lists are capped).
    await view.show();
    assert.equal(view.notice(), "Job j1 is queued again. It has run since: succeeded.");
    // Forgotten once someone else's retry takes the job on, and not brought back by that run's end.
    await view.show(j1("queued", 5));
    assert.equal(view.notice(), null);
    await view.show(j1("failed", 6));
    assert.equal(view.notice(), null);
  });

  it("says the run it queued has run, with its status, when the lane ended it before the answer came", async () => {
    const view = retryView();
    await view.show(j1("failed", 2));
    view.press(j1("failed", 2));
    await view.show(j1("running", 4));
    await view.show(j1("succeeded", 4));
    await view.answer(queuedAgain);
    assert.equal(view.notice(), "Job j1 is queued again. It has run since: succeeded.");
    // Still so on the listener's next reads of that end.
    await view.show(j1("succeeded", 4));
    assert.equal(view.notice(), "Job j1 is queued again. It has run since: succeeded.");
    // Forgotten once the job moves on (someone else's retry), and not brought back when the view no longer reads
    // the job nor by that run's end.
    await view.show(j1("queued", 5));
    assert.equal(view.notice(), null);
    await view.show();
    assert.equal(view.notice(), null);
    await view.show(j1("running", 6));
    await view.show(j1("failed", 6));
    assert.equal(view.notice(), null);
  });

  it("says the job it queued ended without running when it was cancelled while it waited", async () => {
    const view = retryView();
    await view.show(j1("failed", 2));
    view.press(j1("failed", 2));
    await view.show(j1("queued", 3));
    await view.answer(queuedAgain);
    // Cancelled before a lease took it: its epoch is still the retry's.
    await view.show(j1("cancelled", 3));
    assert.equal(view.notice(), "Job j1 is queued again. It has ended since without running: cancelled.");
    await view.show();
    assert.equal(view.notice(), "Job j1 is queued again. It has ended since without running: cancelled.");
  });

  it("tells a failure of the run it queued too, when the lane ended it before the answer came", async () => {
    const view = retryView();
    await view.show(j1("failed", 2));
    view.press(j1("failed", 2));
    await view.show(j1("failed", 4));
    await view.answer(queuedAgain);
    assert.equal(view.notice(), "Job j1 is queued again. It has run since: failed.");
  });
});

describe("a retry's failure", () => {
  const j2 = (status: Job["status"], lease_epoch: number): Job => ({ ...j1(status, lease_epoch), id: "j2" });

  it("is kept by the view once the job's row has gone, until a retry of that job succeeds", async () => {
    const view = retryView();
    await view.show(j1("failed", 2));
    view.press(j1("failed", 2));
    // The job leaves the view's list while the retry runs (the queue's window moved on, or newer jobs crowded it out).
    await view.show();
    // No answer before the SDK's own timer ran out.
    await view.fail(new FunctionsError("deadline-exceeded", "deadline-exceeded"));
    const noAnswer = /^j1: the console could not reach the engine /;
    assert.match(view.failure() ?? "", noAnswer);
    // A retry of another job that succeeds leaves it.
    view.press(j2("failed", 2));
    await view.answer(queuedAgain);
    assert.match(view.failure() ?? "", noAnswer);
    // The last failure is the one kept, in the engine's words.
    view.press(j2("failed", 2));
    await view.fail(new FunctionsError("failed-precondition", "cannot retry job j2: it is queued [400]"));
    assert.equal(view.failure(), "j2: cannot retry job j2: it is queued");
    view.press(j2("failed", 2));
    await view.answer(queuedAgain);
    assert.equal(view.failure(), null);
  });

  it("is forgotten once the job moves on from how it read when the retry failed, and not brought back", async () => {
    const view = retryView();
    // The view had not yet heard that someone else's retry had the job run again.
    await view.show(j1("failed", 2));
    view.press(j1("failed", 2));
    await view.show(j1("running", 4));
    await view.fail(new FunctionsError("failed-precondition", "cannot retry job j1: it is running [400]"));
    assert.equal(view.failure(), "j1: cannot retry job j1: it is running");
    // Still so while the job is as the refusal found it, or the view no longer reads it.
    await view.show(j1("running", 4));
    await view.show();
    assert.equal(view.failure(), "j1: cannot retry job j1: it is running");
    // The run has ended: "it is running" no longer holds.
    await view.show(j1("failed", 4));
    assert.equal(view.failure(), null);
    await view.show(j1("running", 4));
    assert.equal(view.failure(), null);
  });
});
