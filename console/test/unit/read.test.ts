/**
 * What a one-off read (ui/live.ts's useRead) shows while the read its deps ask for again loads: the hook runs in a
 * component that renders nothing, so no DOM is needed; each read answers when the test says.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { h, render } from "preact";
import { act } from "preact/test-utils";
import type { Read } from "../../src/data";
import { type Live, useRead } from "../../src/ui/live";

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
