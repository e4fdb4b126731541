/** New data shown on a chart that is already drawn (src/ui/chart.tsx). */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Chart, type ChartData } from "chart.js";
import { mergeChartData } from "../../src/ui/chart";

/** A canvas whose 2D context draws nothing: enough for Chart.js to lay a chart out without a DOM. */
function blankCanvas(): HTMLCanvasElement {
  const canvas = { width: 300, height: 150, style: {}, getContext: () => context };
  // Every method draws nothing (and measures text as no width); properties set read back.
  const props: Record<string | symbol, unknown> = {};
  const context: object = new Proxy(props, {
    get: (_, name) => (name === "canvas" ? canvas : name in props ? props[name] : () => ({ width: 0 })),
    set: (_, name, value) => ((props[name] = value), true),
  });
  return canvas as unknown as HTMLCanvasElement;
}

const runsByStatus = (succeeded: number[], failed: number[]): ChartData<"bar"> => ({
  labels: ["12-01", "12-02"],
  datasets: [
    { label: "failed", data: failed },
    { label: "succeeded", data: succeeded },
  ],
});

describe("new chart data", () => {
  it("keeps a dataset the reader hid in the legend hidden", () => {
    const chart = new Chart(blankCanvas(), {
      type: "bar",
      data: runsByStatus([3, 4], [1, 0]),
      options: { animation: false, responsive: false },
    });
    chart.setDatasetVisibility(0, false);
    chart.update();
    const next: ChartData<"bar"> = {
      labels: ["12-01", "12-02", "12-03"],
      datasets: [{ label: "deadletter", data: [0, 0, 1] }, ...runsByStatus([3, 4, 2], [1, 0, 5]).datasets],
    };
    mergeChartData(chart.data, next);
    chart.update();
    const shown = chart.data.datasets.map((dataset, i) => [dataset.label, dataset.data, chart.isDatasetVisible(i)]);
    assert.deepEqual(shown, [
      ["deadletter", [0, 0, 1], true],
      ["failed", [1, 0, 5], false],
      ["succeeded", [3, 4, 2], true],
    ]);
    assert.deepEqual(chart.data.labels, ["12-01", "12-02", "12-03"]);
    chart.destroy();
  });

  it("are the new labels and datasets, a dataset still there kept as the same object with the new fields only", () => {
    const failed = { label: "failed", data: [1], backgroundColor: "#D55E00", stack: "runs" };
    const shown: ChartData = { labels: ["12-01"], datasets: [failed, { label: "cancelled", data: [2] }] };
    const next: ChartData = {
      labels: ["12-02"],
      datasets: [
        { label: "succeeded", data: [3] },
        { label: "failed", data: [4], backgroundColor: "#0072B2" },
      ],
    };
    mergeChartData(shown, structuredClone(next));
    assert.deepEqual(shown, next);
    assert.equal(shown.datasets[1], failed);
  });
});
