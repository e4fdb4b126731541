/**
 * What a one-off read (ui/live.ts's useRead) shows while the read its deps ask for again loads, and when it reads again
 * an answer only the cache gave: the hook runs in a component that renders nothing, so no DOM is needed; each read
 * answers when the test says.
 */
import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it, mock } from "node:test";
import { h, render } from "preact";
import { act } from "preact/test-utils";
import type { Read } from "../../src/data";
import { type Live, READ_AGAIN_MS, useRead } from "../../src/ui/live";

/** A view reading the runs of the last `range` days, as the Days view does, each read answered by `answer`. */
function rangeView(options?: { keepPrevious: boolean }) {
  const answers = new Map<number, (read: Read<string>) => void>();
  let shown: Live<string> = { state: "loading" };
  const View = ({ range }: { range: number }) => {
    shown = useRead(() => new Promise<Read<string>>((resolve) => answers.set(range, resolve)), [range], options);
    return null;
  };
  const root = {} as Element;
  return {
    show: (range: number) => act(() => render(h(View, { range }), root)),
    answer: (range: number) =>
      act(async () => {
        const resolve = answers.get(range) ?? assert.fail(`no read of ${range} days`);
        resolve({ value: `runs of ${range} days`, fromCache: false });
        await Promise.resolve();
      }),
    shown: () => shown,
  };
}

describe("a one-off read read again", () => {
  it("loads, the value read for the deps before not shown as the new deps' (a longer range's days would show no runs)", async () => {
    const view = rangeView();
    await view.show(7);
    await view.answer(7);
    assert.deepEqual(view.shown(), { state: "ready", value: "runs of 7 days", fromCache: false });
    await view.show(30);
    assert.deepEqual(view.shown(), { state: "loading" });
    await view.answer(30);
    assert.deepEqual(view.shown(), { state: "ready", value: "runs of 30 days", fromCache: false });
  });

  it("keeps the value it had until the new read answers when the caller asks it to (History's pager keeps the focus)", async () => {
    const view = rangeView({ keepPrevious: true });
    await view.show(7);
    assert.deepEqual(view.shown(), { state: "loading" });
    await view.answer(7);
    await view.show(30);
    assert.deepEqual(view.shown(), { state: "ready", value: "runs of 7 days", fromCache: false });
    await view.answer(30);
    assert.deepEqual(view.shown(), { state: "ready", value: "runs of 30 days", fromCache: false });
  });
});

describe("a one-off read only the cache answered", () => {
  beforeEach(() => mock.timers.enable({ apis: ["setTimeout"] }));
  afterEach(() => mock.timers.reset());

  /** A view of one read (History's page), each of its reads answered by the cache alone until `online`. */
  function offlineView() {
    const said = { reads: 0, online: false };
    let shown: Live<string> = { state: "loading" };
    const View = () => {
      shown = useRead(() => Promise.resolve({ value: `read ${++said.reads}`, fromCache: !said.online }), []);
      return null;
    };
    const root = {} as Element;
    /** Lets the reads started answer. */
    const settle = () => act(() => new Promise<void>((resolve) => setImmediate(resolve)));
    return {
      said,
      show: async () => {
        await act(() => render(h(View, null), root));
        await settle();
      },
      wait: async (ms: number) => {
        await act(() => mock.timers.tick(ms));
        await settle();
      },
      close: () => act(() => render(null, root)),
      shown: () => shown,
    };
  }

  it("is read again, shown meanwhile, until the server answers (the view catches up once connected again)", async () => {
    const view = offlineView();
    await view.show();
    assert.deepEqual(view.shown(), { state: "ready", value: "read 1", fromCache: true });
    await view.wait(READ_AGAIN_MS - 1);
    assert.equal(view.said.reads, 1);
    await view.wait(1);
    // Still offline: the cache's answer again, never a loading state between.
    assert.deepEqual(view.shown(), { state: "ready", value: "read 2", fromCache: true });
    view.said.online = true;
    await view.wait(READ_AGAIN_MS);
    assert.deepEqual(view.shown(), { state: "ready", value: "read 3", fromCache: false });
    // The server's answer is not read again.
    await view.wait(10 * READ_AGAIN_MS);
    assert.equal(view.said.reads, 3);
    await view.close();
  });

  it("is not read again once the view has gone", async () => {
    const view = offlineView();
    await view.show();
    await view.close();
    await view.wait(10 * READ_AGAIN_MS);
    assert.equal(view.said.reads, 1);
  });
});
