/** What the views tell by colour or in a picture, told in words too: validation issues' levels, the charts' data. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type ComponentChildren, type FunctionComponent, h, type VNode } from "preact";
import { sumShards } from "../../src/documents";
import type { Attempt, ValidationIssue } from "../../src/model";
import { ChartTable } from "../../src/ui/chart";
import { durationChart, stackedBars, statusSeriesColours } from "../../src/views/days";
import { Validation } from "../../src/views/job";

type Element = VNode<{ children?: ComponentChildren }>;

/** The elements of `type` in what a component renders, its function components (hook-free ones) rendered too. */
function elements(node: ComponentChildren, type: string): Element[] {
  if (node === null || node === undefined || typeof node !== "object") return [];
  if (Array.isArray(node)) return node.flatMap((child: ComponentChildren) => elements(child, type));
  const vnode = node as Element;
  if (typeof vnode.type === "function") return elements((vnode.type as FunctionComponent)(vnode.props), type);
  return vnode.type === type ? [vnode] : elements(vnode.props.children, type);
}

/** The text of the elements of `type`. */
const texts = (node: ComponentChildren, type: string) => elements(node, type).map(text);

function text(node: ComponentChildren): string {
  if (node === null || node === undefined || typeof node === "boolean") return "";
  if (typeof node !== "object") return String(node);
  if (Array.isArray(node)) return node.map((child: ComponentChildren) => text(child)).join("");
  const vnode = node as Element;
  if (typeof vnode.type === "function") return text((vnode.type as FunctionComponent)(vnode.props));
  return text(vnode.props.children);
}

const issue = (code: string, message: string): ValidationIssue => ({ code, message, operation_index: 0, path: "alias_slug" });

const validated = (validation: Attempt["validation"]) => h(Validation, { attempt: { validation } as Attempt });

describe("validation issues", () => {
  it("each say in words whether they are an error or a warning, and the heading counts both", () => {
    const shown = validated({
      ok: false,
      errors: [issue("SLUG_COLLISION", "taken")],
      warnings: [issue("NON_CANONICAL_EQUIPMENT", "not in the registry")],
    });
    assert.deepEqual(texts(shown, "h3"), ["Validation: 1 error, 1 warning"]);
    assert.deepEqual(texts(shown, "li"), [
      "error: SLUG_COLLISION taken (operation 0, alias_slug)",
      "warning: NON_CANONICAL_EQUIPMENT not in the registry (operation 0, alias_slug)",
    ]);
  });

  it("of a plan that passed with warnings say so in the heading", () => {
    const shown = validated({
      ok: true,
      errors: [],
      warnings: [issue("NON_CANONICAL_EQUIPMENT", "a"), issue("NON_CANONICAL_EQUIPMENT", "b")],
    });
    assert.deepEqual(texts(shown, "h3"), ["Validation: passed, 2 warnings"]);
    assert.deepEqual(texts(validated({ ok: true, errors: [], warnings: [] }), "h3"), ["Validation: passed"]);
  });
});

describe("a chart's data table", () => {
  const table = (config: ReturnType<typeof stackedBars>) => h(ChartTable, { data: config.data, label: "a chart", labelsName: "Day (UTC)" });
  /** Each row's cells, its header first. */
  const rows = (config: ReturnType<typeof stackedBars>) =>
    elements(table(config), "tr").map((row) => [...texts(row, "th"), ...texts(row, "td")]);

  it("holds each day's runs by status, a column per status the chart draws, one hidden on the chart too", () => {
    const totals = [
      sumShards("2026-12-01", [{ runs: 3, by_status: { failed: 1, succeeded: 2 } }]),
      sumShards("2026-12-02", [{ runs: 1, by_status: { succeeded: 1 } }]),
    ];
    const config = stackedBars(totals, "by_status", statusSeriesColours, new Set(["failed"]));
    assert.deepEqual(rows(config), [
      ["Day (UTC)", "failed", "succeeded"],
      ["12-01", "1", "2"],
      ["12-02", "0", "1"],
    ]);
  });

  it("holds each day's median and p95 run durations in seconds, a dash for a day without runs", () => {
    const finished = (day: string, seconds: number) => ({ finished_at: new Date(`${day}T12:00:00Z`), duration_ms: seconds * 1000 });
    const runs = [finished("2026-12-01", 1.5), finished("2026-12-01", 2), finished("2026-12-01", 40)];
    const config = durationChart(["2026-12-01", "2026-12-02"], runs);
    assert.deepEqual(rows(config), [
      ["Day (UTC)", "median (s)", "p95 (s)"],
      ["12-01", "2", "40"],
      ["12-02", "—", "—"],
    ]);
  });
});
