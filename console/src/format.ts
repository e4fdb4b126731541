/** How times, durations, money and values read in the console. */
import { FirebaseError } from "firebase/app";
import {
  type CancelAnswer,
  type ChildCounts,
  childCounts,
  type Job,
  type JobStatus,
  type RetryAnswer,
  type RevertJobAnswer,
  type RunSummary,
  WAITING_STATUSES,
  WORKER_STATUSES,
} from "./model";

const pad = (n: number) => String(n).padStart(2, "0");

/**
 * Local date and time, to the second, with its offset from UTC: "2026-12-02 14:03:09 UTC+1". The offset is said
 * because other times are UTC: the Days view's and the History filters' days, and every time the CLI prints.
 */
export function dateTime(value: Date | null): string {
  if (!value) return "—";
  return `${value.getFullYear()}-${pad(value.getMonth() + 1)}-${pad(value.getDate())} ${pad(value.getHours())}:${pad(value.getMinutes())}:${pad(value.getSeconds())} ${utcOffset(value)}`;
}

/** The local offset from UTC at that time (summer time included): "UTC", "UTC+1", "UTC+5:30", "UTC-3". */
function utcOffset(value: Date): string {
  const minutes = -value.getTimezoneOffset();
  if (minutes === 0) return "UTC";
  const abs = Math.abs(minutes);
  return `UTC${minutes > 0 ? "+" : "-"}${Math.floor(abs / 60)}${abs % 60 === 0 ? "" : `:${pad(abs % 60)}`}`;
}

/**
 * Which attempt a run was: "#2", with its lease epoch when that differs ("#1 (epoch 3)"), since a retry starts the
 * count of attempts again and a deferral refunds one, while the lease epoch only grows.
 */
export function attemptLabel(run: Pick<RunSummary, "attempt" | "lease_epoch">): string {
  return `#${run.attempt}${run.lease_epoch === run.attempt ? "" : ` (epoch ${run.lease_epoch})`}`;
}

/** A job's lane and priority, "—" for what it has not got (intake never took it in): "priority · 100", "— · 50", "—". */
export function lanePriority(job: Pick<Job, "queue" | "priority">): string {
  if (job.queue === null && job.priority === null) return "—";
  return `${job.queue ?? "—"} · ${job.priority ?? "—"}`;
}

/** "850 ms", "12.3 s", "4m 05s", "2h 10m". */
export function duration(ms: number): string {
  if (!Number.isFinite(ms)) return "—";
  const abs = Math.abs(ms);
  if (abs < 1000) return `${Math.round(ms)} ms`;
  if (abs < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const minutes = Math.floor(abs / 60_000);
  if (minutes < 60) return `${minutes}m ${pad(Math.floor((abs % 60_000) / 1000))}s`;
  return `${Math.floor(minutes / 60)}h ${pad(minutes % 60)}m`;
}

/** "in 4m 12s" or "3.0 s ago", relative to `now`. */
export function relative(value: Date | null, now: Date): string {
  if (!value) return "—";
  const ms = value.getTime() - now.getTime();
  return ms >= 0 ? `in ${duration(ms)}` : `${duration(-ms)} ago`;
}

export function usd(value: number): string {
  return `$${value < 1 ? value.toFixed(4) : value.toFixed(2)}`;
}

export function count(value: number): string {
  return value.toLocaleString("en-US");
}

/** A count of things, the noun in the plural unless there is one: "1 error", "3 errors", "1,200 errors". */
export function counted(value: number, noun: string): string {
  return `${count(value)} ${noun}${value === 1 ? "" : "s"}`;
}

/** A value of a document as one line: strings as they are, everything else as JSON. */
export function inline(value: unknown): string {
  if (value === undefined) return "(absent)";
  if (typeof value === "string") return value;
  if (value instanceof Date) return dateTime(value);
  return JSON.stringify(value);
}

/** As `inline`, with nothing shown for an absent or null value (a plan operation's optional fields). */
export function inlineOrBlank(value: unknown): string {
  return value === undefined || value === null ? "" : inline(value);
}

/**
 * What a plan operation acts on, by its op's own fields (functions/src/apply/plan.ts): an alias op its alias (an
 * upsert's with what it points at), a merge its source and target, a registry update its family, `no_change` its
 * optional target, every other op its exercise.
 */
export function operationSubject(op: Record<string, unknown>): string {
  const field = (key: string) => inlineOrBlank(op[key]);
  switch (op.op) {
    case "upsert_alias":
      return `${field("alias_slug")} → ${typeof op.family_slug === "string" ? `family ${field("family_slug")}` : field("exercise_id")}`;
    case "delete_alias":
      return field("alias_slug");
    case "merge_exercises":
      return `${field("source_id")} → ${field("target_id")}`;
    case "update_family_registry":
      return field("family_slug");
    case "no_change":
      return field("target");
    default:
      return field("exercise_id");
  }
}

export const DAY_MS = 86_400_000;

/** YYYY-MM-DD of a UTC day, as the engine keys its daily summaries. */
export function dayKey(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/** The `count` UTC days up to and including `last` (`YYYY-MM-DD`), oldest first. */
export function lastDays(last: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => dayKey(dayStart(last, i - (count - 1))));
}

/** The start of a UTC day (`YYYY-MM-DD`), or of the day `after` days later. */
export function dayStart(day: string, after = 0): Date {
  return new Date(Date.parse(`${day}T00:00:00Z`) + after * DAY_MS);
}

/** The last day a Firestore timestamp holds: no day starts after it. */
const LAST_DAY = "9999-12-31";

/** Where a range through `day` ends (the next day's start), or nothing past the last day, as the CLI's `--to`. */
export function rangeEnd(day: string): Date | undefined {
  return day === LAST_DAY ? undefined : dayStart(day, 1);
}

/**
 * Why a range of UTC days (`YYYY-MM-DD`, either end may be empty, `to` included) holds no day, or null when it holds
 * some: what the CLI refuses (`--to … is before --from …`), rather than reading nothing.
 */
export function dayRangeProblem(from: string, to: string): string | null {
  return from && to && to < from ? `To ${to} is before From ${from}` : null;
}

/**
 * How many jobs finished in the last 24 hours, of which a list shows the latest `shown` of the `held` jobs a read holds:
 * "The latest 25 of the 134 jobs finished in the last 24 hours.", or all of them: "3 jobs finished in the last 24
 * hours." A read as full as its `readLimit` may leave out more: "of 300 or more".
 */
export function recentlyFinishedNote(shown: number, held: number, readLimit: number): string {
  if (held <= shown) return `${counted(held, "job")} finished in the last 24 hours.`;
  return `The latest ${count(shown)} of the ${count(held)}${held >= readLimit ? " or more" : ""} jobs finished in the last 24 hours.`;
}

/** A size in bytes, as kB. */
export function kilobytes(bytes: number): string {
  return `${Math.round(bytes / 1000)} kB`;
}

/**
 * Each day's run durations in seconds, shortest first: a run counts on the UTC day it finished, and a
 * day without runs has none (a gap in the chart, not a zero: `percentile`).
 */
export function durationsByDay(days: readonly string[], runs: readonly Pick<RunSummary, "finished_at" | "duration_ms">[]): number[][] {
  const byDay = new Map(days.map((day) => [day, [] as number[]]));
  for (const run of runs) byDay.get(run.finished_at ? dayKey(run.finished_at) : "")?.push(run.duration_ms / 1000);
  return days.map((day) => (byDay.get(day) ?? []).sort((a, b) => a - b));
}

/** The nearest-rank percentile; null for a day without runs (a gap in the chart, not a zero). */
export function percentile(sorted: number[], p: number): number | null {
  return sorted.length === 0 ? null : sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)];
}

/** A failure, as what the console could not do: "Could not sign out: …", "Could not load job j1: …". */
export function couldNot(what: string, error: Error): string {
  return `Could not ${what}: ${failureReason(error)}`;
}

/**
 * Why something failed: Firestore's refusal of a read in plain words (its own message names no cause a curator can act
 * on); any other error's message as it is (a missing index's names the index, with a link to create it).
 */
export function failureReason(error: Error): string {
  if (error instanceof FirebaseError && error.code === "permission-denied")
    return (
      "Firestore refused to let this account read it (permission-denied): the account may no longer be a curator, or " +
      "the security rules changed. Sign out and in again; if it is still refused, an operator checks the account's claim."
    );
  return error.message;
}

/** Names in a sentence: "a", "a and b", "a, b and c". */
export function listed(names: readonly string[]): string {
  return names.length <= 1 ? names.join("") : `${names.slice(0, -1).join(", ")} and ${names[names.length - 1]}`;
}

/** What was thrown or rejected, as an Error (a rejection may carry anything). */
export function asError(thrown: unknown): Error {
  return thrown instanceof Error ? thrown : new Error(String(thrown));
}

/** A notice's text, and the ids in it (a job's, a plan's), which read as code. */
export interface NoticeText {
  text: string;
  ids: readonly string[];
}

/** `text` in pieces, each occurrence of one of `ids` a piece of its own (`id`: true), to set ids apart as code. */
export function idPieces({ text, ids }: NoticeText): { text: string; id: boolean }[] {
  const wanted = ids.filter((id) => id.length > 0);
  if (wanted.length === 0) return text ? [{ text, id: false }] : [];
  // Longest first, so an id that holds another is taken whole.
  const alternatives = [...wanted].sort((a, b) => b.length - a.length).map((id) => id.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
  return text
    .split(new RegExp(`(${alternatives.join("|")})`))
    .map((piece, i) => ({ text: piece, id: i % 2 === 1 }))
    .filter((piece) => piece.text.length > 0);
}

/**
 * What a retry did: the job is queued again, and a parent's children that had not succeeded with it. `endedSince`: the
 * status the job it queued ended in, once it has (its wake-up no longer matters then), and whether it ran before (a
 * job cancelled while it waited did not).
 */
export function retriedNotice(jobId: string, answer: RetryAnswer, endedSince?: { status: JobStatus; ran: boolean }): string {
  const children = answer.children_requeued;
  const withChildren = children > 0 ? `, with ${count(children)} of its children (those that had not succeeded)` : "";
  const plan = answer.resumes_plan
    ? ` It resumes its frozen plan ${answer.resumes_plan}: the operations applied are skipped (to plan again instead, revert its changes once it ends: its next retry stops at PLAN_REVERTED, the one after plans again).`
    : "";
  const queued = `Job ${jobId} is queued again${withChildren}.${plan}`;
  if (endedSince)
    return endedSince.ran
      ? `${queued} It has run since: ${endedSince.status}.`
      : `${queued} It has ended since without running: ${endedSince.status}.`;
  return answer.wakeup_sent
    ? queued
    : `${queued} Its wake-up could not be sent: it runs when another job's wake-up drains its lane past it, or when the watchdog wakes it.`;
}

/**
 * What a cancel did: the job is cancelled, or only asked to stop: running, or waiting while it holds a frozen plan
 * or is a parent waiting for the children it made (the answer does not say which: both settle at their next run).
 */
export function cancelledNotice(jobId: string, answer: CancelAnswer): string {
  if (!answer.cancel_requested) return `Job ${jobId} is ${answer.status}.`;
  const asked = `Job ${jobId} is asked to stop: it is ${answer.status}`;
  return WORKER_STATUSES.includes(answer.status)
    ? `${asked} until its next safe point (a frozen plan is finished first).`
    : `${asked} until its next run, which finishes its frozen plan, or, for a parent waiting for its children, ` +
        "settles it over them: cancelled with what they did if the cancel stopped one, else as they make it (succeeded if they all had).";
}

/**
 * What a Revert all did, as the CLI's `revert --job` says it. The changes' listener shows each change reverted; a
 * refusal, which reverted none, is told by the button (the engine's words, naming the changes in the way).
 */
export function revertedAllNotice(jobId: string, answer: RevertJobAnswer): string {
  const before = answer.already_reverted > 0 ? ` (${count(answer.already_reverted)} reverted before)` : "";
  return answer.reverted > 0
    ? `Reverted ${counted(answer.reverted, "change")} of job ${jobId}, newest first${before}.`
    : `Job ${jobId} has no applied change left to revert${before}; nothing changed.`;
}

/** A parent's counts of its children, labelled: "Children: 9 of 10 ended, 2 succeeded, 7 did not (cancelled ones included)." */
export function childrenSummary(counts: ChildCounts): string {
  const ended =
    counts.total === null
      ? `${count(counts.done)} ended (how many it makes is not recorded yet)`
      : `${count(counts.done)} of ${count(counts.total)} ended`;
  return `Children: ${ended}, ${count(counts.succeeded)} succeeded, ${count(counts.failed)} did not (cancelled ones included).`;
}

/**
 * When a waiting job's error was true: it is the reason its last attempt left it waiting (a deferral's, or the failure
 * it backs off from), as that attempt found things. A parent's counts of its children move on since, as each ends:
 * the page shows them live (`shownProgress`, `childrenSummary`). Null for a job not waiting, or waiting with no error.
 */
export function waitingErrorNote(job: Pick<Job, "status" | "error" | "started_at" | "shards">): string | null {
  if (job.error === null || !(WAITING_STATUSES as readonly JobStatus[]).includes(job.status)) return null;
  const asOf = `As of its last attempt${job.started_at ? `, started ${dateTime(job.started_at)}` : ""}`;
  return childCounts(job) ? `${asOf}: its children's counts shown here are live.` : `${asOf}.`;
}
