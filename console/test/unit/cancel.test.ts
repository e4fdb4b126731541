/**
 * What keeps a cancel's error (ui/cancel.tsx): the hook runs in a component that renders nothing, so no DOM is needed;
 * each render passes the jobs as the view's listener reads them then.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { FunctionsError } from "firebase/functions";
import { h, render } from "preact";
import { act } from "preact/test-utils";
import { actionFailure, type OperatorActions } from "../../src/actions";
import { toJob } from "../../src/documents";
import type { Job } from "../../src/model";
import { type Cancels, useCancels } from "../../src/ui/cancel";

/** Job j1 as the listener reads it. */
const j1 = (status: Job["status"], lease_epoch: number, cancel_requested = false): Job =>
  toJob("j1", { type: "FAMILY_NORMALIZE", queue: "maintenance", status, lease_epoch, cancel_requested });

/** A view holding useCancels, the cancel callable failing with the error the test gives. */
function cancelView() {
  let giveError = (_: Error) => {};
  const refused = () => Promise.reject(new Error("not called"));
  const actions: OperatorActions = {
    retryJob: refused,
    cancelJob: () => new Promise((_, reject) => (giveError = reject)),
    revertChange: refused,
    revertJob: refused,
  };
  let cancels: Cancels | null = null;
  let pressed: Promise<void> = Promise.resolve();
  const View = ({ seen }: { seen: Job[] }) => {
    cancels = useCancels(actions, seen);
    return null;
  };
  const root = {} as Element;
  const current = () => cancels ?? assert.fail("not rendered");
  return {
    show: (...seen: Job[]) => act(() => render(h(View, { seen }), root)),
    press: () => void (pressed = current().run("j1")),
    fail: (error: Error) =>
      act(async () => {
        giveError(error);
        await pressed;
      }),
    /** The failed cancel the view keeps, as it reads. */
    failure: () => {
      const kept = current().failure;
      return kept && `${kept.jobId}: ${actionFailure(kept.error)}`;
    },
  };
}

describe("a cancel's failure", () => {
  it("is forgotten once the job moves on from how it read when the cancel failed", async () => {
    const view = cancelView();
    await view.show(j1("queued", 0));
    view.press();
    // The job ran and ended before the cancel came.
    await view.show(j1("succeeded", 1));
    await view.fail(new FunctionsError("failed-precondition", "job j1 is succeeded; cannot cancel [400]"));
    assert.equal(view.failure(), "j1: job j1 is succeeded; cannot cancel");
    await view.show(j1("succeeded", 1));
    await view.show();
    assert.equal(view.failure(), "j1: job j1 is succeeded; cannot cancel");
    // Someone's retry queued it again: the refusal no longer tells of it.
    await view.show(j1("queued", 2));
    assert.equal(view.failure(), null);
  });

  it("is kept when the view hears after the failure that the cancel itself cancelled the job, or asked it to stop", async () => {
    const notAll = new FunctionsError(
      "unavailable",
      "job j1 was cancelled, but not all of its open children were: run the cancel again [503]",
    );
    for (const [pressedOn, cancelled] of [
      [j1("deferred", 1), j1("cancelled", 1)],
      [j1("running", 1), j1("running", 1, true)],
    ]) {
      const view = cancelView();
      await view.show(pressedOn);
      view.press();
      await view.fail(notAll);
      await view.show(cancelled);
      assert.match(view.failure() ?? "", /^j1: job j1 was cancelled, but not all of its open children were/);
      // A retry moves the job on.
      await view.show(j1("queued", 2));
      assert.equal(view.failure(), null);
    }
  });
});
