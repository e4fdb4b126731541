/** A Chart.js chart as a component, with only the pieces the console uses registered (keeps the bundle small). */
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  type ChartConfiguration,
  type ChartData,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
} from "chart.js";
import type { ComponentChildren } from "preact";
import { useEffect, useRef } from "preact/hooks";

Chart.register(BarController, BarElement, LineController, LineElement, PointElement, CategoryScale, LinearScale, Legend, Tooltip);

/** Distinct, colour-blind-friendly series colours (Okabe–Ito). */
export const PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"];

/**
 * More colours, as distinct from each other as so many can be (Sasha Trubetskoy's twenty, the palest left out), for a
 * chart with more series than PALETTE has colours: the job types.
 */
export const WIDE_PALETTE = [
  "#4363D8",
  "#F58231",
  "#3CB44B",
  "#E6194B",
  "#911EB4",
  "#42D4F4",
  "#FFE119",
  "#A9A9A9",
  "#F032E6",
  "#BFEF45",
  "#9A6324",
  "#469990",
  "#000075",
  "#808000",
  "#800000",
];

/**
 * Takes `next` into a chart's `shown` data in place. Chart.js keeps a dataset's state (hidden from the
 * legend, say) with the dataset object, so a dataset whose label is still there stays the same object,
 * its fields replaced by the new ones; new labels come in as they are, and gone ones go.
 */
export function mergeChartData(shown: ChartData, next: ChartData): void {
  const byLabel = new Map(shown.datasets.map((dataset) => [dataset.label, dataset]));
  shown.labels = next.labels;
  shown.datasets = next.datasets.map((dataset) => {
    const kept = byLabel.get(dataset.label);
    if (!kept) return dataset;
    byLabel.delete(dataset.label);
    for (const key of Object.keys(kept)) Reflect.deleteProperty(kept, key);
    return Object.assign(kept, dataset);
  });
}

/**
 * New data updates the chart in place, so what the reader hid in its legend stays hidden; a new chart
 * type builds it anew. Options stay those it was built with (each of the console's charts keeps its own).
 * Its data follows as a table (`ChartTable`): the canvas is a picture, named by `label` alone. `children` (a legend of
 * the page's own) come between the two.
 */
export function ChartCanvas(props: { config: ChartConfiguration; label: string; labelsName: string; children?: ComponentChildren }) {
  const { config, label } = props;
  const canvas = useRef<HTMLCanvasElement>(null);
  const chart = useRef<Chart | null>(null);
  useEffect(() => {
    const shown = chart.current;
    // `in`: Chart.js types the config it holds as one that may have no type of its own.
    if (shown && "type" in shown.config && shown.config.type === config.type) {
      mergeChartData(shown.data, config.data);
      shown.update();
      return;
    }
    shown?.destroy();
    chart.current =
      canvas.current &&
      new Chart(canvas.current, {
        ...config,
        options: { responsive: true, maintainAspectRatio: false, animation: false, ...config.options },
      });
  }, [config]);
  useEffect(() => () => chart.current?.destroy(), []);
  return (
    <>
      <div class="chart">
        <canvas ref={canvas} role="img" aria-label={label} />
      </div>
      {props.children}
      <ChartTable data={config.data} label={label} labelsName={props.labelsName} />
    </>
  );
}

/**
 * What a chart draws, in words and numbers, for a screen reader and for the exact values: a row per label (named by
 * `labelsName`, "Day (UTC)"), a column per series, every series whether or not the reader hid it on the chart; a
 * dash where the chart has a gap.
 */
export function ChartTable({ data, label, labelsName }: { data: ChartData; label: string; labelsName: string }) {
  return (
    <details class="chart-data">
      <summary>{label}, as a table</summary>
      <div class="overflow-auto">
        <table>
          <thead>
            <tr>
              <th scope="col">{labelsName}</th>
              {data.datasets.map((series, i) => (
                <th key={i} scope="col">
                  {series.label}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {(data.labels ?? []).map((name, row) => (
              <tr key={row}>
                <th scope="row">{String(name)}</th>
                {data.datasets.map((series, i) => {
                  const value = series.data[row];
                  return <td key={i}>{typeof value === "number" ? value.toLocaleString("en-US", { maximumFractionDigits: 4 }) : "—"}</td>;
                })}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </details>
  );
}
