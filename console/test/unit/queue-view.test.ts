/**
 * What the queue view (src/views/queue.tsx) shows: its counts while only the cache answers, how many jobs finished and
 * where History is, its times to come, and what its Cancel asks. The view runs in a component that renders nothing, so
 * no DOM is needed: the test reads the elements it returns, its function components drawn as they would be (but those
 * holding hooks, whose own props tell), its listeners answering when the test says.
 */
import assert from "node:assert/strict";
import { afterEach, describe, it } from "node:test";
import { type ComponentChildren, type FunctionComponent, h, isValidElement, render } from "preact";
import { Timestamp } from "firebase/firestore";
import { act } from "preact/test-utils";
import type { OperatorActions } from "../../src/actions";
import type { ConsoleData, Listener } from "../../src/data";
import { toJob } from "../../src/documents";
import { dateTime } from "../../src/format";
import type { Job } from "../../src/model";
import { ViewHeading } from "../../src/ui/focus";
import { ActionButton, LiveView, NotConnectedNote } from "../../src/ui/parts";
import { QueueView } from "../../src/views/queue";
import { type Element, find, text } from "./vnodes";

/** The function components that hold hooks: drawn by a render only, so left as elements, their props read. */
const withHooks: readonly unknown[] = [ActionButton, NotConnectedNote, ViewHeading];

/** `node` as the page draws it: a LiveView's content once loaded, every other function component's output (but `withHooks`). */
function drawn(node: ComponentChildren): ComponentChildren {
  if (Array.isArray(node)) return node.map((child: ComponentChildren) => drawn(child));
  if (!isValidElement(node)) return node;
  const element = node as Element;
  const { type, props } = element;
  if (type === LiveView) {
    const { live, isEmpty, empty, children } = props as Parameters<typeof LiveView<unknown>>[0];
    return live.state !== "ready" ? null : drawn(isEmpty?.(live.value) ? empty : children(live.value));
  }
  if (typeof type === "function" && !withHooks.includes(type)) return drawn((type as FunctionComponent)(props));
  return { ...element, props: { ...props, children: drawn(props.children) } } as Element;
}

const byTestId = (tree: ComponentChildren, testId: string) => find(tree, (e) => e.props["data-testid"] === testId);

type Read = "running" | "waiting" | "finished" | "failed";

/** The views a test opened: closed after it, whether it passed or not (their clocks tick until then). */
const opened: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of opened.splice(0)) await close();
});

/** The queue view, its four listeners answering when the test says; no action is run. */
function queueView() {
  const listeners = new Map<Read, Listener<Job[]>>();
  const listen = (read: Read) => (listener: Listener<Job[]>) => (listeners.set(read, listener), () => listeners.delete(read));
  const data = {
    watchRunningJobs: listen("running"),
    watchWaitingJobs: listen("waiting"),
    watchFinishedJobs: (_since: Date, listener: Listener<Job[]>) => listen("finished")(listener),
    watchFailedJobs: (_since: Date, listener: Listener<Job[]>) => listen("failed")(listener),
  } as unknown as ConsoleData;
  const refused = () => Promise.reject(new Error("not called"));
  const actions: OperatorActions = { retryJob: refused, cancelJob: refused, revertChange: refused, revertJob: refused };
  let tree: ComponentChildren = null;
  const View = () => {
    tree = QueueView({ data, actions });
    return null;
  };
  const root = {} as globalThis.Element;
  return {
    show: async () => {
      await act(() => render(h(View, null), root));
      opened.push(() => act(() => render(null, root)));
    },
    /** Every read answers: with `jobs` of its own, the others with none. */
    answer: (jobs: Partial<Record<Read, Job[]>>, fromCache = false) =>
      act(() => {
        for (const read of ["running", "waiting", "finished", "failed"] as const)
          (listeners.get(read) ?? assert.fail(`no listener of ${read} jobs`)).next(jobs[read] ?? [], fromCache);
      }),
    drawn: () => drawn(tree),
  };
}

/** As Firestore stores times, which the data module reads as Dates. */
const minutesFromNow = (minutes: number) => Timestamp.fromMillis(Date.now() + minutes * 60_000);

const running = (id: string, fields: Record<string, unknown> = {}) =>
  toJob(id, { type: "FAMILY_AUDIT", queue: "priority", priority: 100, status: "running", lease_expires_at: minutesFromNow(4), ...fields });
const queued = (id: string) =>
  toJob(id, { type: "FAMILY_AUDIT", queue: "priority", priority: 100, status: "queued", run_after: minutesFromNow(60) });
const succeeded = (id: string) =>
  toJob(id, { type: "FAMILY_AUDIT", queue: "priority", status: "succeeded", finished_at: minutesFromNow(-5) });

/** The counts' cells of `status`, lane by lane, as they read. */
const countsOf = (tree: ComponentChildren, status: string) =>
  find(byTestId(tree, "queue-counts"), (e) => e.type === "td" && e.props["data-status"] === status).map((cell) => text(cell));

describe("the queue view", () => {
  it("counts none that only the cache holds as unknown, saying so, and as none once the server answers", async () => {
    const view = queueView();
    await view.show();
    await view.answer({ waiting: [queued("q1")] }, true);
    // What the cache holds is counted; what it lacks may be on the server.
    assert.deepEqual(countsOf(view.drawn(), "queued"), ["1", "?"]);
    assert.deepEqual(countsOf(view.drawn(), "running"), ["?", "?"]);
    assert.match(
      text(byTestId(view.drawn(), "counts-unknown")),
      /^\?: the cached data holds none, and whether the server does cannot be told/,
    );
    await view.answer({ waiting: [queued("q1")] });
    assert.deepEqual(countsOf(view.drawn(), "queued"), ["1", "0"]);
    assert.deepEqual(countsOf(view.drawn(), "running"), ["0", "0"]);
    assert.deepEqual(byTestId(view.drawn(), "counts-unknown"), []);
  });

  it("says how many jobs finished in the last 24 hours, and links History, however few finished", async () => {
    const view = queueView();
    await view.show();
    await view.answer({ finished: [succeeded("s1"), succeeded("s2"), succeeded("s3")] });
    const said = byTestId(view.drawn(), "finished-count");
    assert.equal(text(said), "3 jobs finished in the last 24 hours. History lists every run.");
    assert.deepEqual(
      find(said, (e) => e.type === "a").map((link) => link.props.href),
      ["#/history"],
    );
    await view.answer({});
    const section = find(view.drawn(), (e) => e.type === "section" && text(e).startsWith("Recently finished"))[0];
    assert.equal(text(section), "Recently finishedNo job finished in the last 24 hours. History lists every run.");
    assert.deepEqual(
      find(section, (e) => e.type === "a").map((link) => link.props.href),
      ["#/history"],
    );
  });

  it("shows when a lease expires and a waiting job runs as the time itself too, not in a title only", async () => {
    const view = queueView();
    await view.show();
    const runningJob = running("r1");
    const waitingJob = queued("q1");
    await view.answer({ running: [runningJob], waiting: [waitingJob] });
    for (const [at, job] of [
      [runningJob.lease_expires_at, runningJob],
      [waitingJob.run_after, waitingJob],
    ] as const) {
      const row = find(view.drawn(), (e) => e.type === "tr" && e.props["data-job"] === job.id)[0];
      const [time] = find(row, (e) => e.type === "time");
      assert.equal(time?.props.dateTime, at?.toISOString());
      assert.match(text(time), new RegExp(`^in \\S+ \\S+ ${dateTime(at)}$`));
      assert.deepEqual(
        find(row, (e) => e.props.title !== undefined),
        [],
      );
    }
  });

  it("asks to confirm a parent's cancel naming its open children, which go with it", async () => {
    const view = queueView();
    await view.show();
    await view.answer({ running: [running("p1", { shards: { total: 2, done: 0, succeeded: 0, failed: 0 } }), running("j1")] });
    const cancelOf = (jobId: string) =>
      find(view.drawn(), (e) => e.type === ActionButton && e.props.subject === `job ${jobId}`)[0]?.props ??
      assert.fail(`no Cancel of ${jobId}`);
    assert.equal(cancelOf("p1").scope, "Its open children are cancelled too.");
    assert.equal(cancelOf("j1").scope, undefined);
  });
});
