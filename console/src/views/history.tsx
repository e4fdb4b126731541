/** Run history: one row per attempt, filtered by type, status, family and date range, or one job's runs, a page at a time. */
import { Fragment } from "preact";
import { useState } from "preact/hooks";
import type { ConsoleData, HistoryCursor, HistoryFilter, HistoryPage } from "../data";
import { attemptLabel, count, dateTime, dayRangeProblem, dayStart, duration, rangeEnd, usd } from "../format";
import { ATTEMPT_STATUSES, JOB_TYPES } from "../model";
import { ViewHeading } from "../ui/focus";
import { useRead } from "../ui/live";
import { ErrorCell, JobLink, LiveView, NotConnectedNote, StatusBadge } from "../ui/parts";

const PAGE_SIZE = 25;

interface FormState {
  job: string;
  type: string;
  status: string;
  family: string;
  from: string;
  to: string;
}

const EMPTY_FORM: FormState = { job: "", type: "", status: "", family: "", from: "", to: "" };

/** Dates of the form are UTC days, like the engine's daily summaries; `to` includes its day. */
export function toFilter(form: FormState): HistoryFilter {
  const until = form.to ? rangeEnd(form.to) : undefined;
  const range = { ...(form.from ? { from: dayStart(form.from) } : {}), ...(until ? { until } : {}) };
  // A field of spaces only names no job (nor does it reach a job whose id is all spaces); any other id is taken as it
  // is, spaces around it too (the job page links its runs here by it).
  if (form.job.trim()) return { ...range, job: form.job };
  return {
    ...range,
    ...(form.type ? { type: form.type } : {}),
    ...(form.status ? { status: form.status } : {}),
    ...(form.family.trim() ? { family: form.family.trim() } : {}),
  };
}

/**
 * Filters refused before any read, as the CLI's `history` refuses them: the field at fault and why; null for filters
 * that can be read. A range no run can be in would read as "No run matches."
 */
export function historyFilterProblem(form: FormState): { field: "job" | "to"; why: string } | null {
  if (form.job.trim() && (form.type || form.status || form.family.trim()))
    return {
      field: "job",
      why: "Job is not combined with Type, Status or Family (no index serves them together, as for the CLI's history --job)",
    };
  const range = dayRangeProblem(form.from, form.to);
  return range === null ? null : { field: "to", why: range };
}

/** The history view; `jobId` is the job whose runs the address names (`#/history?job=<id>`): its filters start with it. */
export function HistoryView({ data, jobId = "" }: { data: ConsoleData; jobId?: string }) {
  return <FilteredHistory key={jobId} data={data} start={{ ...EMPTY_FORM, job: jobId }} />;
}

/** The columns of a run's row; a failed run's error reads whole in a row of its own below it, the table's width. */
const COLUMNS = ["Finished", "Job", "Type", "Status", "Mode", "Duration", "Changes", "LLM tokens · cost"];

/** The page of runs asked for: the filters applied, and the cursors of the pages before it, so "Previous" can go back. */
interface PageAsked {
  filters: FormState;
  cursors: (HistoryCursor | undefined)[];
}

function FilteredHistory({ data, start }: { data: ConsoleData; start: FormState }) {
  const [form, setForm] = useState<FormState>(start);
  const [asked, setAsked] = useState<PageAsked>({ filters: start, cursors: [undefined] });
  // The page shown stays while the next is read (keepPrevious), its Next or Previous keeping the focus: each page says
  // what it was read for, so the view knows when it is not yet the one asked for.
  const page = useRead<HistoryPage & { asked: PageAsked }>(
    async () => {
      const { value, fromCache } = await data.historyPage(toFilter(asked.filters), PAGE_SIZE, asked.cursors[asked.cursors.length - 1]);
      return { value: { ...value, asked }, fromCache };
    },
    [data, asked],
    { keepPrevious: true },
  );
  const reading = page.state === "ready" && page.value.asked !== asked;
  const pageNumber = asked.cursors.length;
  const [refused, setRefused] = useState<ReturnType<typeof historyFilterProblem>>(null);
  const set = (key: keyof FormState) => (e: Event) => setForm({ ...form, [key]: (e.currentTarget as HTMLInputElement).value });
  const submit = (e: Event) => {
    e.preventDefault();
    const problem = historyFilterProblem(form);
    setRefused(problem);
    if (problem) return;
    // A new object each time, so the read runs again even when the filters are the ones applied (runs finish in between).
    setAsked({ filters: { ...form }, cursors: [undefined] });
  };
  return (
    <section>
      <ViewHeading>Run history</ViewHeading>
      <form class="filters" onSubmit={submit} data-testid="history-filters">
        <label>
          Type
          <select value={form.type} onChange={set("type")} name="type">
            <option value="">any</option>
            {JOB_TYPES.map((t) => (
              <option key={t}>{t}</option>
            ))}
          </select>
        </label>
        <label>
          Status
          <select value={form.status} onChange={set("status")} name="status">
            <option value="">any</option>
            {ATTEMPT_STATUSES.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>
        <label>
          Family
          <input value={form.family} onInput={set("family")} name="family" placeholder="e.g. bench_press" />
        </label>
        <label>
          Job
          <input
            value={form.job}
            onInput={set("job")}
            name="job"
            placeholder="a job's id"
            aria-invalid={refused?.field === "job" || undefined}
          />
        </label>
        <label>
          From (UTC)
          <input type="date" value={form.from} onInput={set("from")} name="from" />
        </label>
        <label>
          To (UTC)
          <input type="date" value={form.to} onInput={set("to")} name="to" aria-invalid={refused?.field === "to" || undefined} />
        </label>
        <button type="submit">Filter</button>
      </form>
      {refused && (
        <p class="error-box" role="alert" data-testid="history-refused">
          {refused.why}: the filters were not applied, and the runs below are those of the filters applied before.
        </p>
      )}
      <NotConnectedNote lives={[page]} />
      <LiveView live={page} what="run history" isEmpty={(p) => p.rows.length === 0 && p.asked.cursors.length === 1} empty="No run matches.">
        {(p) => (
          <>
            <div class="overflow-auto">
              <table data-testid="history-table">
                <thead>
                  <tr>
                    {COLUMNS.map((column) => (
                      <th key={column}>{column}</th>
                    ))}
                  </tr>
                </thead>
                <tbody>
                  {p.rows.map((run) => (
                    <Fragment key={run.id}>
                      <tr class={run.error ? "has-error" : undefined}>
                        <td class="nowrap">{dateTime(run.finished_at)}</td>
                        <td>
                          <JobLink id={run.job_id} />{" "}
                          <small class="muted" data-testid="run-attempt">
                            {attemptLabel(run)}
                          </small>
                        </td>
                        <td>{run.type}</td>
                        <td>
                          <StatusBadge status={run.attempt_status} />
                          {run.job_status !== run.attempt_status && <small class="muted"> job {run.job_status}</small>}
                        </td>
                        <td>{run.mode}</td>
                        <td>{duration(run.duration_ms)}</td>
                        <td title={run.changes_preview.join("\n")}>{run.changes_count}</td>
                        <td>
                          {run.llm && run.llm.calls > 0
                            ? `${count(run.llm.input_tokens + run.llm.output_tokens)} · ${usd(run.llm.estimated_cost_usd)}`
                            : "—"}
                        </td>
                      </tr>
                      {run.error && (
                        <tr class="error-row">
                          <ErrorCell error={run.error} colSpan={COLUMNS.length} />
                        </tr>
                      )}
                    </Fragment>
                  ))}
                </tbody>
              </table>
            </div>
            {/* Not `disabled`, which would take the focus off the button pressed (Next, on reaching the last page). */}
            <nav class="pager" aria-label="Pages of runs">
              <button
                type="button"
                class="secondary small"
                aria-disabled={reading || pageNumber === 1}
                onClick={() => !reading && pageNumber > 1 && setAsked({ ...asked, cursors: asked.cursors.slice(0, -1) })}
              >
                Previous
              </button>
              {/* Said as it changes, the focus staying on the button pressed. */}
              <small role="status" aria-busy={reading}>
                {reading ? `Loading page ${pageNumber}…` : `Page ${pageNumber}`}
              </small>
              <button
                type="button"
                class="secondary small"
                aria-disabled={reading || !p.next}
                onClick={() => !reading && p.next && setAsked({ ...asked, cursors: [...asked.cursors, p.next] })}
              >
                Next
              </button>
            </nav>
          </>
        )}
      </LiveView>
      <p class="muted">
        <small>
          Family: runs of jobs whose payload names the family (a merge's source and target, a rename's old and new slug, ...), as the CLI's
          history --family.
        </small>
      </p>
    </section>
  );
}
