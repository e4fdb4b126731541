/** The benchmark's output: one table of the rows, the targets, the details; and the JSON of it all. */
import { cpus, loadavg } from "node:os";
import type { BenchSettings } from "./settings";
import { type Row, perUnit } from "./support/row";
import { round } from "./support/stats";
import { type TargetResult, evaluateTargets } from "./targets";
import { NAIVE_ROW } from "./scenarios/naive";

interface VsNaive {
  throughput: number | null;
  reads: number | null;
  writes: number | null;
  p50: number | null;
}

interface ReportRow extends Row {
  per_unit: ReturnType<typeof perUnit>;
  /**
   * Each figure of the round run beside the naive baseline over the baseline's, at the same number of
   * workers (the no-change worker-path rows, the only ones the baseline runs beside).
   */
  vs_naive: VsNaive | null;
}

export interface BenchReport {
  generated_at: string;
  /** The load averages at the end of the run tell whether something else shared the machine. */
  machine: { cpus: number; node: string; platform: string; loadavg: number[] };
  backend: string;
  settings: BenchSettings;
  seconds: number;
  rows: ReportRow[];
  targets: TargetResult[];
}

const over = (a: number | null | undefined, b: number | null | undefined) =>
  a === null || a === undefined || b === null || b === undefined || b === 0 ? null : a / b;

function vsNaive(row: Row, rows: readonly Row[]): VsNaive | null {
  const match = /^worker\.no_change@(\d+)$/.exec(row.id);
  const naive = match ? rows.find((other) => other.id === `${NAIVE_ROW}${match[1]}`) : undefined;
  if (!naive) return null;
  const beside = row.besideNaive ?? row;
  const [mine, theirs] = [perUnit(beside), perUnit(naive)];
  return {
    throughput: over(beside.throughput, naive.throughput),
    reads: over(mine?.reads, theirs?.reads),
    writes: over(mine?.writes, theirs?.writes),
    p50: over(beside.latencyMs?.p50, naive.latencyMs?.p50),
  };
}

export function buildReport(rows: readonly Row[], backend: string, settings: BenchSettings, seconds: number): BenchReport {
  return {
    generated_at: new Date().toISOString(),
    machine: { cpus: cpus().length, node: process.version, platform: `${process.platform}-${process.arch}`, loadavg: loadavg().map(round) },
    backend,
    settings,
    seconds,
    // The round beside the baseline is one of the row's rounds (its jobs/s in `rounds_jobs_per_s`, first).
    rows: rows.map(({ besideNaive, ...row }) => ({ ...row, per_unit: perUnit(row), vs_naive: vsNaive({ ...row, besideNaive }, rows) })),
    targets: evaluateTargets(rows),
  };
}

const show = (value: number | null | undefined, suffix = "") => (value === null || value === undefined ? "–" : `${round(value)}${suffix}`);
/** A target's measured value to four significant digits: one just past its limit does not read as the limit. */
const showMeasured = (value: number | null) => (value === null ? "–" : String(Number(value.toPrecision(4))));
const mark = (met: boolean | null) => (met === null ? "not measured" : met ? "PASS" : "MISS");

function table(header: string[], lines: string[][]): string {
  return [header, header.map(() => "---"), ...lines].map((cells) => `| ${cells.join(" | ")} |`).join("\n");
}

function vsNaiveText(vs: VsNaive | null): string {
  if (!vs) return "";
  return `jobs/s ${show(vs.throughput, "×")}, reads ${show(vs.reads, "×")}, writes ${show(vs.writes, "×")}, p50 ${show(vs.p50, "×")}`;
}

/** Where a row's reads and RPCs went, per unit, and its refused commits. */
function countDetails(row: Row): string[] {
  if (!row.counts || row.completed === 0) return [];
  const perUnitOf = (tally: Record<string, number>) =>
    Object.entries(tally)
      .sort(([, a], [, b]) => b - a)
      .map(([method, n]) => `${method} ${show(n / row.completed)}`)
      .join(" + ");
  return [
    `reads/${row.per}=${perUnitOf(row.counts.readsByMethod)} (index batches ${show(row.counts.indexReads / row.completed)})`,
    `rpcs/${row.per}=${perUnitOf(row.counts.byMethod)}`,
    `refused_commits=${row.counts.failedCommits}`,
  ];
}

export function renderReport(report: BenchReport): string {
  const main = table(
    ["scenario", "workers / mode", "per", "done", "reads", "writes", "rpcs", "jobs/s", "p50 ms", "p95 ms", "max ms", "vs naive", "targets"],
    report.rows.map((row) => [
      row.scenario,
      row.variant,
      row.per,
      `${row.completed}/${row.units}`,
      show(row.per_unit?.reads),
      show(row.per_unit?.writes),
      show(row.per_unit?.rpcs),
      show(row.throughput),
      show(row.latencyMs?.p50),
      show(row.latencyMs?.p95),
      show(row.latencyMs?.max),
      vsNaiveText(row.vs_naive),
      report.targets
        .filter((target) => target.row === row.id)
        .map((target) => mark(target.met))
        .join(" "),
    ]),
  );
  const targets = table(
    ["row", "target", "measured", "limit", "met"],
    report.targets.map((target) => [
      target.row,
      target.what,
      showMeasured(target.measured),
      `${target.compare} ${target.limit}`,
      mark(target.met),
    ]),
  );
  const details = report.rows.map((row) => {
    const extras = Object.entries(row.extra).map(([key, value]) => `${key}=${value}`);
    return `- ${row.id}: ${[`seconds=${show(row.seconds)}`, ...countDetails(row), ...extras].join(", ")}`;
  });
  return [
    `Catalog Jobs benchmark — ${report.generated_at}, ${report.machine.cpus} cores (load average ${report.machine.loadavg.join(" ")}), Node ${report.machine.node}, Firestore emulator: ${report.backend}, ${report.settings.quick ? "quick sizes" : "full sizes"}, ${show(report.seconds)} s`,
    "",
    main,
    "",
    "Targets (issue 12):",
    "",
    targets,
    "",
    "Details:",
    "",
    ...details,
  ].join("\n");
}
