/** Charts of the daily summaries: jobs by status and type, LLM tokens and cost, durations (from run summaries). */
import type { ChartConfiguration } from "chart.js";
import { useMemo, useState } from "preact/hooks";
import { type ConsoleData, RUNS_PER_DAY_LIMIT } from "../data";
import { count, dayKey, dayStart, durationsByDay, lastDays, percentile, usd } from "../format";
import { ATTEMPT_STATUSES, type DailyTotals, JOB_TYPES, type RunSummary } from "../model";
import { ChartCanvas, PALETTE, WIDE_PALETTE } from "../ui/chart";
import { ViewHeading } from "../ui/focus";
import { DAYS_HEADING } from "../routes";
import { useLive, useNotConnected, useNow, useRead } from "../ui/live";
import { LiveView, NotConnectedNote, type SeriesColours, WaitsForConnection } from "../ui/parts";

const RANGES = [7, 14, 30];

/** What the charts' labels and the totals' rows are: the days the daily summaries count by. */
const DAY = "Day (UTC)";

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
  // Another range replaces the totals' listeners (WaitsForConnection); the durations' read is read again once the
  // console reconnects (useRead), and whether it came from the cache must not keep the range waiting.
  const rangeWaits = useNotConnected([totals]);
  // The totals shown stay while another range's totals load (useLive): the empty message counts their days, not the range asked for.
  const shownDays = totals.state === "ready" ? totals.value.length : range;
  return (
    <section>
      <header class="job-header">
        <ViewHeading>{DAYS_HEADING}</ViewHeading>
        <div class="range-bar">
          {rangeWaits && <WaitsForConnection what="other days can be shown" />}
          <div role="group" class="range" aria-label="Days shown">
            {RANGES.map((n) => (
              <button
                key={n}
                type="button"
                class={n === range ? "small" : "small secondary"}
                aria-pressed={n === range}
                // Not `disabled`, which would take the focus off the button when the connection drops.
                aria-disabled={rangeWaits}
                onClick={() => !rangeWaits && setRange(n)}
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
        empty={`No run in the last ${shownDays} days.`}
      >
        {(t) => (
          <>
            <div class="grid-2">
              <RunsBy caption="Runs by status" totals={t} breakdown="by_status" known={ATTEMPT_STATUSES} coloursOf={statusSeriesColours} />
              <RunsBy caption="Runs by type" totals={t} breakdown="by_type" known={JOB_TYPES} coloursOf={typeSeriesColours} />
              <figure>
                <figcaption>LLM tokens and cost</figcaption>
                <ChartCanvas label="LLM tokens and cost per day" labelsName={DAY} config={llmChart(t)} />
              </figure>
              <figure>
                <figcaption>Run durations (each day's latest {RUNS_PER_DAY_LIMIT} runs at most, as of when the view opened)</figcaption>
                <LiveView live={runs} what="run durations" isEmpty={(r) => r.length === 0}>
                  {(r) => <ChartCanvas label="Run durations per day" labelsName={DAY} config={durationChart(days, r)} />}
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

/** A colour of its own for each job type, the same whatever the days show: JOB_TYPES' in order from WIDE_PALETTE. */
const TYPE_COLOURS = new Map<string, string>(JOB_TYPES.map((type, i) => [type, WIDE_PALETTE[i]]));

/** A job type's series colours (TYPE_COLOURS); grey for one the console does not know. */
export const typeSeriesColours = (type: string): SeriesColours => solid(TYPE_COLOURS.get(type) ?? GREY);

type Breakdown = "by_status" | "by_type";

/** A name of a legend, and its runs over the days shown. */
interface LegendEntry {
  name: string;
  runs: number;
}

/** Every name `known` and any other the days show, in alphabetical order, each with its runs over the days. */
export function legendEntries(totals: DailyTotals[], breakdown: Breakdown, known: readonly string[]): LegendEntry[] {
  const names = [...new Set([...known, ...totals.flatMap((d) => Object.keys(d[breakdown]))])].sort();
  return names.map((name) => ({ name, runs: totals.reduce((sum, d) => sum + (d[breakdown][name] ?? 0), 0) }));
}

/**
 * Each day's counts by `breakdown`, a series per name in alphabetical order, coloured by `coloursOf`, those `hidden`
 * left out. No legend on the canvas: `RunsBy`'s is the page's.
 */
export function stackedBars(
  totals: DailyTotals[],
  breakdown: Breakdown,
  coloursOf: (name: string) => SeriesColours,
  hidden: ReadonlySet<string> = new Set(),
): ChartConfiguration {
  const names = [...new Set(totals.flatMap((d) => Object.keys(d[breakdown])))].sort();
  return {
    type: "bar",
    data: {
      labels: totals.map((d) => d.day.slice(5)),
      datasets: names.map((name) => ({
        label: name,
        data: totals.map((d) => d[breakdown][name] ?? 0),
        borderWidth: 1,
        hidden: hidden.has(name),
        ...coloursOf(name),
      })),
    },
    options: {
      scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } },
      plugins: { legend: { display: false } },
    },
  };
}

/**
 * Each day's runs by status or type, stacked, under a legend of the page's own: every name the console knows and any
 * other the days show, with its colour and its runs over the days, a button that hides or shows it on the chart. A
 * canvas's legend would crowd the chart out of its height with fifteen types, and no keyboard reaches it.
 */
function RunsBy(props: {
  caption: string;
  totals: DailyTotals[];
  breakdown: Breakdown;
  known: readonly string[];
  coloursOf: (name: string) => SeriesColours;
}) {
  const { caption, totals, breakdown, coloursOf } = props;
  const [hidden, setHidden] = useState<ReadonlySet<string>>(new Set());
  const toggle = (name: string) => {
    const next = new Set(hidden);
    if (!next.delete(name)) next.add(name);
    setHidden(next);
  };
  return (
    <figure>
      <figcaption>{caption}</figcaption>
      <ChartCanvas label={`${caption} per day`} labelsName={DAY} config={stackedBars(totals, breakdown, coloursOf, hidden)}>
        <ul class="legend" aria-label={`${caption}: legend`} data-testid={`legend-${breakdown}`}>
          {legendEntries(totals, breakdown, props.known).map(({ name, runs }) => (
            <li key={name}>
              {/* Not `disabled`, which would take the focus off the toggle pressed (its runs gone with another range). */}
              <button type="button" aria-pressed={!hidden.has(name)} aria-disabled={runs === 0} onClick={() => runs > 0 && toggle(name)}>
                <span class="swatch" style={{ backgroundColor: coloursOf(name).backgroundColor }} />
                {name} <span class="muted">{count(runs)}</span>
              </button>
            </li>
          ))}
        </ul>
      </ChartCanvas>
    </figure>
  );
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
export function durationChart(days: string[], runs: readonly Pick<RunSummary, "finished_at" | "duration_ms">[]): ChartConfiguration {
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
            <th>{DAY}</th>
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
