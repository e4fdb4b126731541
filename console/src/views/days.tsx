/** Charts of the daily summaries: jobs by status and type, LLM tokens and cost, durations (from run summaries). */
import type { ChartConfiguration } from "chart.js";
import { useMemo, useState } from "preact/hooks";
import { type ConsoleData, RUNS_PER_DAY_LIMIT } from "../data";
import { count, dayKey, dayStart, durationsByDay, lastDays, percentile, usd } from "../format";
import type { ATTEMPT_STATUSES, DailyTotals, RunSummary } from "../model";
import { ChartCanvas, PALETTE } from "../ui/chart";
import { ViewHeading } from "../ui/focus";
import { useLive, useNotConnected, useNow, useRead } from "../ui/live";
import { LiveView, NotConnectedNote, type SeriesColours, WaitsForConnection } from "../ui/parts";

const RANGES = [7, 14, 30];

export function DaysView({ data }: { data: ConsoleData }) {
  const [range, setRange] = useState(14);
  // The window moves on at UTC midnight: today's key changes once a day, and the days (and their listeners) with it.
  const today = dayKey(useNow(60_000));
  const days = useMemo(() => lastDays(today, range), [today, range]);
  const totals = useLive<DailyTotals[]>((l) => data.watchDailyTotals(days, l), [data, days]);
  // A query per day, so a busy day cannot crowd the others out of the sample.
  const runs = useRead<RunSummary[]>(async () => {
    const perDay = await Promise.all(days.map((day) => data.runsBetween(dayStart(day), dayStart(day, 1))));
    return { value: perDay.flatMap((day) => day.value), fromCache: perDay.some((day) => day.fromCache) };
  }, [data, days]);
  const notConnected = useNotConnected([totals, runs]);
  return (
    <section>
      <header class="job-header">
        {/* UTC days, as the engine keys its daily summaries: times elsewhere are local, and say their offset. */}
        <ViewHeading>Days (UTC)</ViewHeading>
        <div class="range-bar">
          {notConnected && <WaitsForConnection what="other days can be shown" />}
          <div role="group" class="range">
            {RANGES.map((n) => (
              <button
                key={n}
                type="button"
                class={n === range ? "small" : "small secondary"}
                aria-pressed={n === range}
                disabled={notConnected}
                onClick={() => setRange(n)}
              >
                {n} days
              </button>
            ))}
          </div>
        </div>
      </header>
      <NotConnectedNote lives={[totals, runs]} />
      <LiveView
        live={totals}
        what="daily summaries"
        isEmpty={(t) => t.every((d) => d.runs === 0)}
        empty={`No run in the last ${range} days.`}
      >
        {(t) => (
          <>
            <div class="grid-2">
              <figure>
                <figcaption>Runs by status</figcaption>
                <ChartCanvas label="Runs by status per day" config={stackedBars(t, "by_status", statusSeriesColours)} />
              </figure>
              <figure>
                <figcaption>Runs by type</figcaption>
                <ChartCanvas label="Runs by type per day" config={stackedBars(t, "by_type", paletteColours)} />
              </figure>
              <figure>
                <figcaption>LLM tokens and cost</figcaption>
                <ChartCanvas label="LLM tokens and cost per day" config={llmChart(t)} />
              </figure>
              <figure>
                <figcaption>Run durations (each day's latest {RUNS_PER_DAY_LIMIT} runs at most, as of when the view opened)</figcaption>
                <LiveView live={runs} what="run durations" isEmpty={(r) => r.length === 0}>
                  {(r) => <ChartCanvas label="Run durations per day" config={durationChart(days, r)} />}
                </LiveView>
              </figure>
            </div>
            <Totals totals={t} />
          </>
        )}
      </LiveView>
    </section>
  );
}

/**
 * A colour of its own for each way a run ends, the same whatever else the days show (the badges' pastels, shared by
 * statuses of one kind, would not tell failed from deadletter on a chart): the palette's eight and a grey.
 */
const GREY = "#999999";
const STATUS_COLOURS: Record<(typeof ATTEMPT_STATUSES)[number], string> = {
  queued: PALETTE[0],
  lease_expired: PALETTE[1],
  succeeded: PALETTE[2],
  failed: PALETTE[3],
  needs_review: PALETTE[4],
  succeeded_dry_run: PALETTE[5],
  deferred: PALETTE[6],
  deadletter: PALETTE[7],
  cancelled: GREY,
};

/** A series filled and edged in one colour. */
const solid = (colour: string): SeriesColours => ({ backgroundColor: colour, borderColor: colour });

/** A status's series colours (STATUS_COLOURS); grey for one the console does not know. */
export const statusSeriesColours = (status: string): SeriesColours => solid((STATUS_COLOURS as Record<string, string>)[status] ?? GREY);

/** The palette's colours in the order of the names shown: for series with no colour of their own (job types). */
const paletteColours = (_name: string, index: number): SeriesColours => solid(PALETTE[index % PALETTE.length]);

/** Each day's counts by `key`, a series per name in alphabetical order, coloured by `coloursOf`. */
export function stackedBars(
  totals: DailyTotals[],
  key: "by_status" | "by_type",
  coloursOf: (name: string, index: number) => SeriesColours,
): ChartConfiguration {
  const names = [...new Set(totals.flatMap((d) => Object.keys(d[key])))].sort();
  return {
    type: "bar",
    data: {
      labels: totals.map((d) => d.day.slice(5)),
      datasets: names.map((name, i) => ({
        label: name,
        data: totals.map((d) => d[key][name] ?? 0),
        borderWidth: 1,
        ...coloursOf(name, i),
      })),
    },
    options: {
      scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } },
      plugins: { legend: { position: "bottom" } },
    },
  };
}

function llmChart(totals: DailyTotals[]): ChartConfiguration {
  return {
    type: "bar",
    data: {
      labels: totals.map((d) => d.day.slice(5)),
      datasets: [
        {
          label: "input tokens",
          data: totals.map((d) => d.llm_input_tokens),
          backgroundColor: PALETTE[0],
          stack: "tokens",
          yAxisID: "tokens",
        },
        {
          label: "output tokens",
          data: totals.map((d) => d.llm_output_tokens),
          backgroundColor: PALETTE[1],
          stack: "tokens",
          yAxisID: "tokens",
        },
        {
          type: "line",
          label: "cost (USD)",
          data: totals.map((d) => d.llm_cost_usd),
          borderColor: PALETTE[3],
          backgroundColor: PALETTE[3],
          yAxisID: "cost",
        },
      ],
    },
    options: {
      scales: {
        x: { stacked: true },
        tokens: { type: "linear", position: "left", stacked: true, beginAtZero: true },
        cost: { type: "linear", position: "right", beginAtZero: true, grid: { drawOnChartArea: false } },
      },
      plugins: { legend: { position: "bottom" } },
    },
  };
}

/** Median and 95th percentile of run durations per day (the daily documents hold no durations). */
function durationChart(days: string[], runs: RunSummary[]): ChartConfiguration {
  const sorted = durationsByDay(days, runs);
  return {
    type: "line",
    data: {
      labels: days.map((d) => d.slice(5)),
      datasets: [
        { label: "median (s)", data: sorted.map((s) => percentile(s, 0.5)), borderColor: PALETTE[0], backgroundColor: PALETTE[0] },
        { label: "p95 (s)", data: sorted.map((s) => percentile(s, 0.95)), borderColor: PALETTE[3], backgroundColor: PALETTE[3] },
      ],
    },
    options: { scales: { y: { beginAtZero: true } }, plugins: { legend: { position: "bottom" } } },
  };
}

function Totals({ totals }: { totals: DailyTotals[] }) {
  return (
    <div class="overflow-auto">
      <table data-testid="daily-totals">
        <thead>
          <tr>
            <th>Day (UTC)</th>
            <th>Runs</th>
            <th>Changes</th>
            <th>Scanner fails</th>
            <th>LLM calls</th>
            <th>Tokens in · out</th>
            <th>Cost</th>
          </tr>
        </thead>
        <tbody>
          {[...totals].reverse().map((d) => (
            <tr key={d.day}>
              <td>{d.day}</td>
              <td>{count(d.runs)}</td>
              <td>{count(d.changes)}</td>
              <td>{count(d.scanner_fail)}</td>
              <td>{count(d.llm_calls)}</td>
              <td>
                {count(d.llm_input_tokens)} · {count(d.llm_output_tokens)}
              </td>
              <td>{usd(d.llm_cost_usd)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
