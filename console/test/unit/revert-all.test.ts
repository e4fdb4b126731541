/**
 * What the job page's Revert all says it did (views/job.tsx), in the words of the CLI's `revert --job`, and what keeps
 * its error: the page runs in a component that renders nothing, so no DOM is needed; the test reads the elements it
 * returns, its listeners and the callable answering when the test says.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { FunctionsError } from "firebase/functions";
import { type ComponentChildren, type FunctionComponent, h, isValidElement, render } from "preact";
import { act } from "preact/test-utils";
import { actionFailure, type OperatorActions } from "../../src/actions";
import type { Bounded, ConsoleData, Listener } from "../../src/data";
import { revertedAllNotice } from "../../src/format";
import type { Attempt, Change, Job, RevertJobAnswer } from "../../src/model";
import { ActionOutcome } from "../../src/ui/outcome";
import { ActionButton, LiveView, Notice } from "../../src/ui/parts";
import { JobView, RevertAllButton, RevertAllNotice } from "../../src/views/job";
import { type Element, text } from "./vnodes";

describe("Revert all's notice", () => {
  it("counts the changes it reverted, newest first, and those reverted before", () => {
    assert.equal(revertedAllNotice("j1", { reverted: 3, already_reverted: 0 }), "Reverted 3 changes of job j1, newest first.");
    assert.equal(
      revertedAllNotice("j1", { reverted: 1, already_reverted: 2 }),
      "Reverted 1 change of job j1, newest first (2 reverted before).",
    );
  });

  it("says nothing changed when another curator reverted them first", () => {
    assert.equal(
      revertedAllNotice("j1", { reverted: 0, already_reverted: 2 }),
      "Job j1 has no applied change left to revert (2 reverted before); nothing changed.",
    );
  });
});

/** The components the test renders, those that tell Revert all and its outcome: they hold no hooks. */
const rendered: readonly FunctionComponent<never>[] = [RevertAllButton, RevertAllNotice, ActionOutcome, Notice];

/**
 * The elements in `node` as the page shows them: a LiveView's content once loaded, and the elements a component is
 * handed to place (the job's sections); of the function components, only the `rendered` ones' own.
 */
function shown(node: ComponentChildren): Element[] {
  if (Array.isArray(node)) return node.flatMap((child: ComponentChildren) => shown(child));
  if (!isValidElement(node)) return [];
  const element = node as Element;
  const { type, props } = element;
  if (type === LiveView) {
    const { live, isEmpty, empty, children } = props as Parameters<typeof LiveView<unknown>>[0];
    const content = live.state !== "ready" ? null : isEmpty?.(live.value) ? empty : children(live.value);
    return [element, ...shown(content)];
  }
  const own = rendered.includes(type as FunctionComponent<never>) ? (type as FunctionComponent)(props) : null;
  const placed = Object.values(props).filter((value) => isValidElement(value) || Array.isArray(value));
  return [element, ...shown(own), ...placed.flatMap((value) => shown(value as ComponentChildren))];
}

/** Job j1, ended: its changes can be reverted. */
const j1: Job = {
  id: "j1",
  type: "TARGETED_FIX",
  queue: "priority",
  priority: 0,
  status: "succeeded",
  payload: {},
  attempts: 1,
  max_attempts: 3,
  run_after: new Date("2026-12-01T10:00:00Z"),
  lease_owner: null,
  lease_expires_at: null,
  lease_epoch: 1,
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
};

/** Change `id` of j1. */
const change = (id: string, status: Change["status"]): Change => ({
  id,
  job_id: "j1",
  job_type: "TARGETED_FIX",
  op: "patch_exercise",
  rationale: "unit test",
  targets: [],
  documents: [],
  status,
  applied_at: new Date("2026-12-01T10:00:00Z"),
  reverted_at: status === "reverted" ? new Date("2026-12-01T11:00:00Z") : null,
});

/** Job j1's page, its listeners answering when the test says, and the revertJob callable's answer or error too. */
function jobPage() {
  let showChanges = (_: Change[], _more: boolean) => {};
  let giveAnswer = (_: RevertJobAnswer) => {};
  let giveError = (_: Error) => {};
  const data = {
    watchJob: (_: string, listener: Listener<Job | null>) => (listener.next(j1, false), () => {}),
    watchAttempts: (_: string, listener: Listener<Bounded<Attempt>>) => (listener.next({ items: [], more: false }, false), () => {}),
    watchChanges: (_: string, _shown: number, listener: Listener<Bounded<Change>>) => {
      showChanges = (items, more) => listener.next({ items, more }, false);
      return () => {};
    },
  } as unknown as ConsoleData;
  const actions: OperatorActions = {
    retryJob: () => Promise.reject(new Error("not called")),
    cancelJob: () => Promise.reject(new Error("not called")),
    revertChange: () => Promise.resolve(),
    revertJob: () =>
      new Promise((resolve, reject) => {
        giveAnswer = resolve;
        giveError = reject;
      }),
  };
  let tree: ComponentChildren = null;
  let pressed: Promise<string> = Promise.resolve("not pressed");
  const View = () => {
    tree = JobView({ jobId: "j1", data, actions });
    return null;
  };
  const root = {} as globalThis.Element;
  const elements = (type: unknown) => shown(tree).filter((element) => element.type === type);
  const revertAllButtons = () => elements(ActionButton).filter((element) => element.props.label === "Revert all");
  return {
    show: () => act(() => render(h(View, null), root)),
    showChanges: (items: Change[], more: boolean) => act(() => showChanges(items, more)),
    offered: () => revertAllButtons().length > 0,
    /** Presses Revert all, confirmed: the button runs its action; `focusAfter` is where it moves focus once it is done. */
    press: () => {
      const [action, ...others] = revertAllButtons();
      assert.ok(action && others.length === 0, "one Revert all");
      // As ActionButton takes the action's end: an error it shows itself, gone with it if it has gone meanwhile.
      pressed = (action.props.run as () => Promise<void>)().then(
        () => "moves focus to the outcome",
        (err: unknown) => `shows its own error: ${actionFailure(err)}`,
      );
      return action.props.focusAfter;
    },
    /** The callable's answer, or its error: what the button then does. */
    answer: (answer: RevertJobAnswer) =>
      act(async () => {
        giveAnswer(answer);
        await pressed;
      }).then(() => pressed),
    fail: (error: Error) =>
      act(async () => {
        giveError(error);
        await pressed;
      }).then(() => pressed),
    /** Revert all's button's props. */
    revertAllButton: () => revertAllButtons()[0]?.props ?? assert.fail("no Revert all"),
    /** The Revert of change `id` as its part of the page draws it: its button's props. */
    revertOf: async (id: string) => {
      const [details] = shown(tree).filter((element) => (element.props.change as Change | undefined)?.id === id);
      assert.ok(details, `no change ${id}`);
      let drawn: ComponentChildren = null;
      const Details = () => {
        drawn = (details.type as FunctionComponent)(details.props);
        return null;
      };
      await act(() => render(h(Details, null), {} as globalThis.Element));
      const [revert] = shown(drawn).filter((element) => element.type === ActionButton);
      return revert?.props ?? assert.fail(`no Revert of ${id}`);
    },
    /** Where the page tells Revert all's outcome, and what its alert and its notice say there. */
    outcome: () => {
      const [notice, ...others] = elements(RevertAllNotice);
      assert.ok(notice && others.length === 0, "one outcome of Revert all");
      const told = shown(notice);
      return {
        ref: told.find((element) => element.props["data-testid"] === "revert-all-outcome")?.ref,
        alert: told.filter((element) => element.props.role === "alert").map((element) => text(element.props.children)),
        notice: text(told.find((element) => element.props["data-testid"] === "revert-all-notice")?.props.children),
      };
    },
  };
}

describe("Revert all's failure", () => {
  it("is told by the page, focus moving there, when its button went as the changes shown were reverted", async () => {
    const page = jobPage();
    await page.show();
    // Its latest two shown, an older one not.
    await page.showChanges([change("c3", "applied"), change("c2", "applied")], true);
    const focusAfter = page.press();
    // The engine reverts newest first, each in a transaction the listener shows: the changes shown are all reverted, the
    // button gone with them, while the engine goes on with the older one.
    await page.showChanges([change("c3", "reverted"), change("c2", "reverted")], true);
    assert.equal(page.offered(), false);
    const stopped =
      "job j1's revert stopped with 2 of its changes reverted (c3, c2) and 1 left (c1): change c1 cannot be reverted: " +
      "exercise e1 changed since; revert the job again to go on with those left";
    const buttonDid = await page.fail(new FunctionsError("failed-precondition", `${stopped} [400]`));
    const outcome = page.outcome();
    assert.deepEqual(outcome.alert, [`Revert all of job j1: ${stopped}`]);
    assert.equal(buttonDid, "moves focus to the outcome");
    assert.ok(outcome.ref !== undefined && focusAfter === outcome.ref);
  });

  it("stays until a Revert all of the job succeeds, whose notice replaces it", async () => {
    const page = jobPage();
    await page.show();
    await page.showChanges([change("c2", "applied"), change("c1", "applied")], false);
    page.press();
    // No answer before the SDK's own timer ran out.
    assert.equal(await page.fail(new FunctionsError("deadline-exceeded", "deadline-exceeded")), "moves focus to the outcome");
    const noAnswer = /^Revert all of job j1: the console could not reach the engine /;
    assert.match(page.outcome().alert.join(), noAnswer);
    page.press();
    assert.equal(await page.answer({ reverted: 2, already_reverted: 0 }), "moves focus to the outcome");
    assert.deepEqual(page.outcome().alert, []);
    assert.equal(page.outcome().notice, "Reverted 2 changes of job j1, newest first.");
  });
});

describe("Revert all's confirmation", () => {
  it("says every change still applied is reverted, and those not shown too when the page shows only the latest", async () => {
    const page = jobPage();
    await page.show();
    await page.showChanges([change("c2", "applied"), change("c1", "reverted")], false);
    assert.equal(page.revertAllButton().scope, "Every change of the job still applied is reverted, newest first.");
    await page.showChanges([change("c3", "applied"), change("c2", "applied")], true);
    assert.equal(
      page.revertAllButton().scope,
      "Every change of the job still applied is reverted, newest first, those not shown here too.",
    );
  });
});

describe("Revert all's failure, once a change is reverted on its own", () => {
  it("is forgotten: it named the job's changes as they were", async () => {
    const page = jobPage();
    await page.show();
    await page.showChanges([change("c2", "applied"), change("c1", "applied")], false);
    page.press();
    const refused = "job j1 cannot be reverted, nothing was: change c1 cannot be reverted: exercise e1 changed since";
    await page.fail(new FunctionsError("failed-precondition", `${refused} [400]`));
    assert.deepEqual(page.outcome().alert, [`Revert all of job j1: ${refused}`]);
    const revert = await page.revertOf("c2");
    await act(() => (revert.run as () => Promise<void>)());
    assert.deepEqual(page.outcome().alert, []);
  });
});

describe("a change's Revert that got no answer", () => {
  it("says to check the change, which it acted on, before acting again", async () => {
    const page = jobPage();
    await page.show();
    await page.showChanges([change("c1", "applied")], false);
    const revert = await page.revertOf("c1");
    const said = (revert.failure as (thrown: unknown) => string)(new FunctionsError("deadline-exceeded", "deadline-exceeded"));
    assert.match(said, /^the console could not reach the engine .*: check the change before acting again$/);
  });
});
