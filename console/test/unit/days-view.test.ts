/**
 * What the Days view (src/views/days.tsx) says and offers while other days load or the console is not connected, and
 * its legend's toggles: the view runs in a component that renders nothing, so no DOM is needed; the test reads the
 * elements it returns, its listeners answering when the test says.
 */
import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it, mock } from "node:test";
import { type ComponentChildren, type FunctionComponent, h, render } from "preact";
import { act } from "preact/test-utils";
import type { ConsoleData, Listener, Read } from "../../src/data";
import { sumShards } from "../../src/documents";
import type { DailyTotals, RunSummary } from "../../src/model";
import { type Live, READ_AGAIN_MS } from "../../src/ui/live";
import { DaysView } from "../../src/views/days";
import { type Element, find, text } from "./vnodes";

/** The one button whose text starts with `label`. */
function button(tree: ComponentChildren, label: string): Element {
  const [only, ...others] = find(tree, (e) => e.type === "button" && text(e.props.children).startsWith(label));
  assert.ok(only && others.length === 0, `one button "${label}…"`);
  return only;
}

/** Presses a button as a click or the keyboard does, whatever the state of it says. */
const press = (element: Element) => act(() => (element.props.onClick as () => void)());

/** `count` days with no run, ending on 2026-12-31. */
const daysWithoutRuns = (count: number): DailyTotals[] =>
  Array.from({ length: count }, (_, i) => sumShards(`2026-12-${String(32 - count + i).padStart(2, "0")}`, []));

/**
 * The Days view over data whose daily totals' listeners, one per range, answer when the test says; each day's run
 * durations as `runsBetween` answers them (by default never).
 */
function daysView(runsBetween: () => Promise<Read<RunSummary[]>> = () => new Promise(() => {})) {
  const listeners = new Map<number, Listener<DailyTotals[]>>();
  const data = {
    watchDailyTotals: (days: string[], listener: Listener<DailyTotals[]>) => {
      listeners.set(days.length, listener);
      return () => listeners.delete(days.length);
    },
    runsBetween,
  } as unknown as ConsoleData;
  let tree: ComponentChildren = null;
  const View = () => {
    tree = DaysView({ data });
    return null;
  };
  const root = {} as globalThis.Element;
  return {
    show: () => act(() => render(h(View, null), root)),
    close: () => act(() => render(null, root)),
    answer: (range: number, fromCache = false) =>
      act(() => (listeners.get(range) ?? assert.fail(`no listener of ${range} days`)).next(daysWithoutRuns(range), fromCache)),
    tree: () => tree,
    /** What the daily summaries' section says when they hold no run. */
    emptySaid: () => find(tree, (e) => e.props.what === "daily summaries")[0]?.props.empty,
    pressed: () => find(tree, (e) => e.type === "button" && e.props["aria-pressed"] === true).map((e) => text(e.props.children)),
    /** Whether the range says it waits for the connection. */
    rangeWaits: () => find(tree, (e) => e.props.what === "other days can be shown").length > 0,
    /** What the view says it shows, whether from the cache alone or not: the daily totals and the run durations. */
    shown: () => find(tree, (e) => Array.isArray(e.props.lives))[0]?.props.lives as Live<unknown>[] | undefined,
  };
}

/** Lets the reads started answer. */
const settle = () => act(() => new Promise<void>((resolve) => setImmediate(resolve)));

describe("the Days view", () => {
  beforeEach(() => mock.timers.enable({ apis: ["setTimeout", "setInterval", "Date"], now: new Date("2026-12-31T12:00:00Z") }));
  afterEach(() => mock.timers.reset());

  it("while a longer range loads, says no run of the days it shows, not of the range asked for", async () => {
    const view = daysView();
    await view.show();
    await press(button(view.tree(), "7 days"));
    await view.answer(7);
    assert.equal(view.emptySaid(), "No run in the last 7 days.");
    await press(button(view.tree(), "30 days"));
    // The last 7 days' totals are still shown: that 30 had no run is not known yet.
    assert.deepEqual(view.pressed(), ["30 days"]);
    assert.equal(view.emptySaid(), "No run in the last 7 days.");
    await view.answer(30);
    assert.equal(view.emptySaid(), "No run in the last 30 days.");
    await view.close();
  });

  it("while not connected, keeps the range's buttons focusable, saying they cannot act, and pressing one does nothing", async () => {
    const view = daysView();
    await view.show();
    await view.answer(14, true);
    await act(() => mock.timers.tick(2_000));
    for (const range of ["7 days", "14 days", "30 days"]) {
      const shown = button(view.tree(), range);
      assert.notEqual(shown.props.disabled, true, `${range} is disabled, which would drop the focus`);
      assert.equal(shown.props["aria-disabled"], true, `${range} does not say it cannot act`);
    }
    await press(button(view.tree(), "7 days"));
    assert.deepEqual(view.pressed(), ["14 days"]);
    await view.close();
  });

  it("once the server answers again, lets the range change, and reads again the durations only the cache gave", async () => {
    const connection = { online: false, reads: 0 };
    const view = daysView(() => {
      connection.reads++;
      return Promise.resolve({ value: [], fromCache: !connection.online });
    });
    await view.show();
    // Offline: the totals' listeners and the durations' read are answered by the cache.
    await view.answer(14, true);
    await settle();
    await act(() => mock.timers.tick(2_000));
    assert.equal(button(view.tree(), "7 days").props["aria-disabled"], true);
    // Connected again: the server answers the totals' listeners, and the range no longer waits, whatever the
    // durations' read says.
    connection.online = true;
    await view.answer(14);
    assert.equal(button(view.tree(), "7 days").props["aria-disabled"], false);
    assert.equal(view.rangeWaits(), false);
    // The durations are read again (a query a day), the server answering.
    const readBefore = connection.reads;
    await act(() => mock.timers.tick(READ_AGAIN_MS));
    await settle();
    assert.equal(connection.reads, readBefore + 14);
    assert.deepEqual(view.shown()?.[1], { state: "ready", value: [], fromCache: false });
    await press(button(view.tree(), "7 days"));
    assert.deepEqual(view.pressed(), ["7 days"]);
    await view.close();
  });

  it("names the group of its range's buttons", async () => {
    const view = daysView();
    await view.show();
    const [range] = find(view.tree(), (e) => e.props.role === "group");
    assert.equal(range?.props["aria-label"], "Days shown");
    await view.close();
  });

  it("keeps a legend's toggle of a name without runs focusable, saying it cannot act, and pressing it does nothing", async () => {
    // The legend as the view shows it for these totals.
    const totals = [sumShards("2026-12-31", [{ runs: 2, by_type: { QUALITY_SCAN: 2 } }])];
    const days = daysView();
    await days.show();
    await days.answer(14);
    const section = find(days.tree(), (e) => e.props.what === "daily summaries")[0];
    const children = section.props.children as (value: DailyTotals[]) => ComponentChildren;
    const byType = find(children(totals), (e) => e.props.breakdown === "by_type")[0];
    let legend: ComponentChildren = null;
    const Legend = () => {
      legend = (byType.type as FunctionComponent)(byType.props);
      return null;
    };
    const root = {} as globalThis.Element;
    await act(() => render(h(Legend, null), root));

    const noRuns = button(legend, "FAMILY_AUDIT ");
    assert.notEqual(noRuns.props.disabled, true, "a toggle without runs is disabled, which would drop the focus");
    assert.equal(noRuns.props["aria-disabled"], true);
    await press(noRuns);
    assert.equal(button(legend, "FAMILY_AUDIT ").props["aria-pressed"], true);

    const withRuns = button(legend, "QUALITY_SCAN ");
    assert.equal(withRuns.props["aria-disabled"], false);
    await press(withRuns);
    assert.equal(button(legend, "QUALITY_SCAN ").props["aria-pressed"], false);
    await act(() => render(null, root));
    await days.close();
  });
});
