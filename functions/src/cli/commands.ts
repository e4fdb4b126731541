/**
 * The operator CLI's commands, one entry each. They act through the engine's use cases (retry,
 * cancel, revert, runWatchdog), `submitJob` and the schedules' producer, never by writing job state
 * themselves; reads go to the engine's collections. `curators` grants and revokes the console's
 * curator claim through Firebase Auth.
 */
import { z } from "zod";
import { CURATOR_CLAIM } from "../adapters/curators";
import { documentId } from "../util/document-id";
import { APPLY_COLLECTIONS } from "../apply/collections";
import { registry } from "../handlers";
import { JOB_COLLECTIONS } from "../jobs/collections";
import { JobNotFoundError, isRetryableWrite } from "../jobs/errors";
import { CHILD_CHECK_INTERVAL_MS } from "../jobs/flows";
import { type WakeupOutcome, submitJob } from "../jobs/intake";
import { ATTEMPT_STATUSES, JOB_STATUSES, WORKER_STATUSES } from "../jobs/lifecycle";
import { type CreateJobInput, DEFAULT_PRIORITY, LANES, jobDocumentSchema } from "../jobs/model";
import { InvalidJobError } from "../jobs/queue";
import { type ConfigError, MAX_PRIORITY, PARAMS, type Reading } from "../config";
import { DAILY_BREAKDOWNS, DAILY_COUNTERS, dayKey, mergeCounts } from "../jobs/run-history";
import { type RunHistoryFilter, runHistoryPage } from "../jobs/run-history-pages";
import { catalogHoldsDocuments, seedDemoCatalog } from "../local/seed";
import { type ScheduledRun, invalidParams, produceScheduledScan, scheduledSettings } from "../schedules/producer";
import { SCAN_SCHEDULES, findScanSchedule, invalidScheduleParams, scheduleOf, scheduledFunctionName } from "../schedules/scans";
import { forEachBounded } from "../util/bounded";
import { nextRunTimes } from "../util/cron";
import type { Engine } from "../create-engine";
import type { CliContext, CommandSpec, ParsedOptions } from "./command";
import { refusal, usageError } from "./errors";
import { daysBetween, endOfRange, parseDay } from "./dates";
import { table, toJson } from "./format";
import {
  LOCAL_ENGINE_RUNS_IT,
  LOCAL_ENGINE_TAKES_IT_IN,
  LocalEngineWakeups,
  NO_TASKS_EMULATOR,
  NoTasksEmulatorError,
} from "./local-engine";

const DEFAULT_LIMIT = 20;
const MAX_LIMIT = 500;
const CLI_USER = "system:cli";

/**
 * `--<name>`, one of `values` (a lane; a job's status for `list`, an attempt's for `history`; a
 * registered job type): a typo is refused rather than answered with "nothing found".
 */
function choiceOption<S extends string>(options: ParsedOptions, name: string, values: readonly S[]): S | undefined {
  const value = options.text(name);
  if (value === undefined || (values as readonly string[]).includes(value)) return value as S | undefined;
  // A filter matches exactly, so a value in other letters is refused too, naming the one meant (as `submit` names a type).
  const meant = values.find((known) => known.toLowerCase() === value.toLowerCase());
  throw usageError(
    meant ? `--${name} "${value}": did you mean ${meant}?` : `--${name} must be one of ${values.join(", ")}, not "${value}"`,
  );
}

/**
 * What still wakes a job whose wake-up task was not sent: a created job's create trigger (deployed, or
 * the Emulator Suite's) takes it in and sends its own; a job queued again runs when a wake-up drains its
 * lane past it, or is found by the watchdog, which wakes a lane's last ready jobs.
 */
const WOKEN_INSTEAD = {
  created: "its create trigger (onJobCreated) sends one as it takes the job in",
  requeued: `the job runs when a wake-up of a job after it in its lane drains past it, or the watchdog wakes it once it has waited ${PARAMS.staleQueuedMs.param.name} among its lane's last ready jobs`,
};

/**
 * The warning for a job whose wake-up was not sent, or null when it was: the job is written either way
 * (so the command succeeds: run again, `submit` would create a second job). Printed on stderr, and in `--json` as a field.
 * Without a tasks emulator the local engine (`npm start`) wakes the job: a created one in one short line, as its
 * intake takes the job in at once; a queued one with each case of when its wake-up comes.
 */
function notWokenWarning({ wakeupError }: WakeupOutcome, job: keyof typeof WOKEN_INSTEAD): string | null {
  if (!wakeupError) return null;
  if (!(wakeupError instanceof NoTasksEmulatorError))
    return `the job's wake-up task was not sent (${wakeupError.message}); ${WOKEN_INSTEAD[job]}`;
  if (job === "created") return `no wake-up task sent (${NO_TASKS_EMULATOR}); ${LOCAL_ENGINE_TAKES_IT_IN}`;
  return `the job's wake-up task was not sent (${wakeupError.message}); the job runs ${LOCAL_ENGINE_RUNS_IT}`;
}

function warn(ctx: CliContext, warning: string | null): void {
  if (warning) ctx.err(`warning: ${warning}`);
}

/**
 * The engine on Firestore's time (`CliContext.useFirestoreTime`), for a command that compares leases
 * with its clock or dates what it writes by it: taken once its own arguments are checked, so a usage
 * error still reaches no Firestore.
 */
async function engineOnFirestoreTime(ctx: CliContext): Promise<Engine> {
  await ctx.useFirestoreTime?.();
  return ctx.engine();
}

/** A job or change id, checked as the console's callables check it: a path (`<job>/attempts/1`) is refused, not followed. */
function idArgument(kind: "job" | "change", raw: string): string {
  const parsed = documentId.safeParse(raw);
  if (!parsed.success) throw usageError(`"${raw}" is not a ${kind} id: ${parsed.error.issues.map((issue) => issue.message).join("; ")}`);
  return parsed.data;
}

/** A text option that must name something: an empty `--family ""` would read as no filter, `--page-token ""` as the first page. */
function nonEmptyOption(options: ParsedOptions, name: string): string | undefined {
  const value = options.text(name);
  if (value === "") throw usageError(`--${name} needs a value, not ""`);
  return value;
}

function limitOption(options: ParsedOptions): number {
  return options.count("limit", DEFAULT_LIMIT, { min: 1, max: MAX_LIMIT });
}

function parsePayload(json: string): Record<string, unknown> {
  let payload: unknown;
  try {
    payload = JSON.parse(json);
  } catch (err) {
    throw usageError(`the payload is not valid JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  if (payload === null || typeof payload !== "object" || Array.isArray(payload)) throw usageError("the payload must be a JSON object");
  return payload as Record<string, unknown>;
}

/** A day's (or a range's) totals as the daily summaries keep them: every counter and breakdown, zero on a day with no runs. */
type Totals = Record<string, unknown>;

const usd = (value: unknown) => (typeof value === "number" ? value.toFixed(4) : "");

/** One column per counter, one table per breakdown with counts: the keys `--json` prints. */
function printTotals(out: CliContext["out"], days: Totals[], total: Totals): void {
  const row = (label: string, t: Totals) => [label, ...DAILY_COUNTERS.map((key) => (key === "llm_cost_usd" ? usd(t[key]) : t[key]))];
  const rows = days.map((day) => row(String(day.day), day));
  if (days.length > 1) rows.push(row("total", total));
  table(["DAY", ...DAILY_COUNTERS.map((key) => key.toUpperCase())], rows).forEach(out);
  for (const key of DAILY_BREAKDOWNS) {
    const counts = Object.entries(total[key] as Record<string, number>);
    if (counts.length === 0) continue;
    out("");
    table([key.slice("by_".length).toUpperCase(), "RUNS"], counts).forEach(out);
  }
}

async function dailyTotals(ctx: CliContext, days: string[]): Promise<{ days: Totals[]; total: Totals }> {
  const { history } = await ctx.engine();
  const byDay = new Map<string, Totals>();
  await forEachBounded(days, 8, async (day) => {
    byDay.set(day, await history.getDailySummary(day));
  });
  const perDay = days.map((day) => byDay.get(day)!);
  const total: Totals = {};
  for (const day of perDay) mergeCounts(total, day);
  return { days: perDay, total };
}

/** The job types only the engine makes, as children of the job that fans them out: `submit` refuses them, `list` and `history` filter by them. */
export const ENGINE_ONLY_TYPES = registry.types.filter((type) => !registry.requestableTypes.includes(type));

const submit: CommandSpec = {
  name: "submit",
  args: "<TYPE> [PAYLOAD_JSON]",
  positionals: { min: 1, max: 2 },
  summary: "Create a job (created_by system:cli) and wake its lane. The payload defaults to {} and its mode to dry_run.",
  details: [`job types: ${registry.requestableTypes.join(", ")}`],
  options: {
    lane: { type: "string", value: "LANE", description: `${LANES.join(" or ")} (default: the job type's own)` },
    priority: { type: "string", value: "N", description: `0 to ${MAX_PRIORITY}, higher runs first (default ${DEFAULT_PRIORITY})` },
    "dedup-key": { type: "string", value: "KEY", description: "create nothing while an open job has this key" },
  },
  interrupted:
    "the job may be created already: check `list` before submitting it again, which would create a second one (with --dedup-key, submitting again creates nothing while that job is open)",
  async run({ args: [type, payloadJson = "{}"], options, json }, ctx) {
    if (ENGINE_ONLY_TYPES.includes(type))
      throw usageError(`${type} is made only by the engine, as a child of the job that fans it out: submit that job instead`);
    const request: CreateJobInput = {
      type,
      queue: choiceOption(options, "lane", LANES),
      payload: parsePayload(payloadJson),
      priority: options.text("priority") === undefined ? undefined : options.count("priority", 0, { max: MAX_PRIORITY }),
      dedup_key: nonEmptyOption(options, "dedup-key"),
      created_by: CLI_USER,
    };
    // Parsed as `createJob` parses it (it does again): a request it would refuse is a usage error before any Firestore,
    // not a failure where no emulator answers, nor refused only after a read of Firestore's clock.
    const parsed = registry.parseRequest(request);
    if (!parsed.ok) throw new InvalidJobError(parsed.issues);
    const engine = await engineOnFirestoreTime(ctx);
    const result = await submitJob(engine.queue, engine.tasks, request);
    if (!result.created) {
      const { jobId, reason } = result;
      return ctx.out(json ? toJson({ outcome: "not_created", job_id: jobId, reason }) : `not created: ${reason} (job ${jobId})`);
    }
    const warning = notWokenWarning(result, "created");
    ctx.out(
      json ? toJson({ outcome: "created", job_id: result.jobId, wakeup_sent: !result.wakeupError, warning }) : `created ${result.jobId}`,
    );
    warn(ctx, warning);
  },
};

const list: CommandSpec = {
  name: "list",
  positionals: { min: 0, max: 0 },
  summary: "The latest jobs, newest first.",
  options: {
    status: { type: "string", value: "STATUS", description: `one of ${JOB_STATUSES.join(", ")}` },
    type: { type: "string", value: "TYPE", description: "a job type" },
    limit: { type: "string", value: "N", description: `how many (default ${DEFAULT_LIMIT}, at most ${MAX_LIMIT})` },
  },
  async run({ options, json }, ctx) {
    const status = choiceOption(options, "status", JOB_STATUSES);
    const type = choiceOption(options, "type", registry.types);
    const limit = limitOption(options);
    let query: FirebaseFirestore.Query = (await ctx.engine()).db.collection(JOB_COLLECTIONS.jobs);
    if (status) query = query.where("status", "==", status);
    if (type) query = query.where("type", "==", type);
    const snap = await query.orderBy("created_at", "desc").limit(limit).get();
    const jobs = snap.docs.map((doc) => ({ id: doc.id, ...doc.data() }));
    if (json) return ctx.out(toJson(jobs));
    if (jobs.length === 0) return ctx.out("no jobs");
    table(
      ["ID", "TYPE", "STATUS", "LANE", "PRIORITY", "ATTEMPTS", "CREATED", "ERROR"],
      snap.docs.map((doc): unknown[] => {
        const d = doc.data();
        const error = d.error as { code?: string } | null | undefined;
        // A document intake refused (or has not taken in yet) has no max_attempts.
        const attempts = `${String(d.attempts ?? "-")}/${String(d.max_attempts ?? "-")}`;
        return [doc.id, d.type, d.status, d.queue, d.priority, attempts, d.created_at, error?.code];
      }),
    ).forEach(ctx.out);
  },
};

/** The long structured fields, shown after the others. */
const LONG_JOB_FIELDS = ["payload", "result_summary", "llm_usage"];
/** The job document's own fields (its lease and frozen plan too), in the schema's order. */
const SCHEMA_FIELDS = Object.keys(jobDocumentSchema.shape).filter((field) => !LONG_JOB_FIELDS.includes(field));

/** Every field of a stored job: the schema's, then those it does not name (`expire_at`, `slot`, ...), then the long ones. */
function jobFields(job: Record<string, unknown>): string[] {
  const others = Object.keys(job)
    .filter((field) => !SCHEMA_FIELDS.includes(field) && !LONG_JOB_FIELDS.includes(field))
    .sort();
  return [...SCHEMA_FIELDS, ...others, ...LONG_JOB_FIELDS];
}

/**
 * The job's entries in the change journal, the ids `revert` takes, newest first (index job_id,
 * applied_at desc): the order to revert them in, as a later change of a document is reverted first.
 */
async function changesOf(ctx: CliContext, jobId: string) {
  const snap = await (
    await ctx.engine()
  ).db
    .collection(APPLY_COLLECTIONS.changes)
    .where("job_id", "==", jobId)
    .orderBy("applied_at", "desc")
    .select("op", "targets", "status", "applied_at")
    .get();
  return snap.docs.map((doc) => ({
    id: doc.id,
    op: doc.get("op") as unknown,
    targets: doc.get("targets") as unknown,
    status: doc.get("status") as unknown,
    applied_at: doc.get("applied_at") as unknown,
  }));
}

/**
 * Why `show` finds a job's changes but not the job: its record goes once it has been finished for its retention,
 * its journal entries stay longer (as the console's page of a gone job says).
 */
const JOB_RECORD_GONE =
  `its record was deleted once it had been finished for ${PARAMS.retainJobsMs.param.name}; ` +
  `the journal keeps its changes longer (${PARAMS.retainJournalMs.param.name}): those still applied can be reverted`;

const show: CommandSpec = {
  name: "show",
  args: "<jobId>",
  positionals: { min: 1, max: 1 },
  summary:
    "A job, its attempts and its changes in the journal (catalog_changes): the ids `revert` takes, newest first (the order to revert them in).",
  details: [
    `A job whose record was deleted (${PARAMS.retainJobsMs.param.name} after it finished) is shown by what is left of it: its changes,`,
    `which the journal keeps longer (${PARAMS.retainJournalMs.param.name}), and any attempts left, under a line that says so (job null in`,
    "--json). Not found (exit 3) when neither its record nor a change of it is left.",
  ],
  async run({ args: [arg], json }, ctx) {
    const jobId = idArgument("job", arg);
    const ref = (await ctx.engine()).queue.jobRef(jobId);
    const [snap, attemptsSnap, changes] = await Promise.all([
      ref.get(),
      ref.collection(JOB_COLLECTIONS.attempts).orderBy("started_at").get(),
      changesOf(ctx, jobId),
    ]);
    const job = snap.data();
    if (!job && changes.length === 0) throw new JobNotFoundError(jobId);
    const attempts = attemptsSnap.docs.map((doc) => doc.data());
    if (json) return ctx.out(toJson({ job: job ? { id: jobId, ...job } : null, attempts, changes }));
    if (job)
      table(
        ["FIELD", "VALUE"],
        [
          ["id", jobId],
          ...jobFields(job)
            .filter((field) => job[field] !== undefined && job[field] !== null)
            .map((field): unknown[] => [field, job[field]]),
        ],
      ).forEach(ctx.out);
    else ctx.out(`job ${jobId}: ${JOB_RECORD_GONE}`);
    // A deleted job's attempts go by a TTL of their own: listed while any are left.
    if (job || attempts.length > 0) {
      ctx.out("");
      if (attempts.length === 0) ctx.out("no attempts yet");
      else
        table(
          ["ATTEMPT", "STATUS", "WORKER", "EPOCH", "STARTED", "FINISHED", "ERROR"],
          attempts.map((a): unknown[] => [
            a.attempt,
            a.status,
            a.worker_id,
            a.lease_epoch,
            a.started_at,
            a.finished_at,
            (a.error as { code?: string } | null)?.code,
          ]),
        ).forEach(ctx.out);
    }
    ctx.out("");
    if (changes.length === 0) return ctx.out("no changes");
    table(
      ["CHANGE", "OP", "STATUS", "APPLIED", "TARGETS"],
      changes.map((c) => [c.id, c.op, c.status, c.applied_at, Array.isArray(c.targets) ? c.targets.join(", ") : c.targets]),
    ).forEach(ctx.out);
  },
};

const retry: CommandSpec = {
  name: "retry",
  args: "<jobId>",
  positionals: { min: 1, max: 1 },
  summary:
    "Queue a finished job again (failed, needs_review, deadletter or cancelled; a parent with its unsuccessful children) and wake its lane.",
  interrupted: "a retry cut short (a parent's children are queued again one transaction each) is finished by running it again",
  async run({ args: [arg], json }, ctx) {
    const jobId = idArgument("job", arg);
    const outcome = await (await engineOnFirestoreTime(ctx)).retry(jobId).catch((err: unknown) => {
      // An outage may cut it short part-way through a parent's children (each re-queued in a transaction
      // of its own): run again, it re-queues what is left first, then the parent. Any other error
      // (a refusal, missing permissions) would only come back.
      if (!isRetryableWrite(err)) throw err;
      throw refusal(`${err instanceof Error ? err.message : String(err)}; run the retry again to finish it`);
    });
    const n = outcome.childrenRequeued;
    const children = n > 0 ? ` and its ${n} unsuccessful child${n === 1 ? "" : "ren"}` : "";
    // Said, as it does not plan again from the catalog as it is now: the plan is kept for what it left undone (`JobQueue.requeueIn`).
    const resumes = outcome.resumesPlan
      ? `: it resumes its frozen plan ${outcome.resumesPlan} (applied operations are skipped; to plan again instead, revert its changes once it ends: its next retry stops at PLAN_REVERTED, the one after plans again)`
      : "";
    const warning = notWokenWarning(outcome, "requeued");
    ctx.out(
      json
        ? toJson({
            outcome: "requeued",
            job_id: jobId,
            children_requeued: n,
            resumes_plan: outcome.resumesPlan,
            wakeup_sent: !outcome.wakeupError,
            warning,
          })
        : `requeued ${jobId}${children}${resumes}`,
    );
    warn(ctx, warning);
  },
};

/**
 * What a cancel did, as `--json` names it: asked a job to stop (or found it asked), cancelled it, or only an ended
 * parent's open children (one cancelled already included: the cancel that ended it was an earlier one).
 */
function cancelOutcome({ cancelRequested, alreadyRequested, alreadyEnded }: Awaited<ReturnType<Engine["cancel"]>>) {
  if (cancelRequested) return alreadyRequested ? "cancel_already_requested" : "cancel_requested";
  return alreadyEnded ? "children_cancelled" : "cancelled";
}

const cancel: CommandSpec = {
  name: "cancel",
  args: "<jobId>",
  positionals: { min: 1, max: 1 },
  summary: "Cancel a waiting job at once, or ask a running one to stop at its next safe point.",
  interrupted: "a cancel cut short (a parent's open children are cancelled one transaction each) is finished by running it again",
  async run({ args: [arg], json }, ctx) {
    const jobId = idArgument("job", arg);
    const result = await (await engineOnFirestoreTime(ctx)).cancel(jobId);
    const n = result.childrenCancelled;
    // Those this command cancelled or asked: a worker leasing a child meanwhile cancels it on its own.
    const children = n > 0 ? ` and ${n} of its open children (any more a worker leased meanwhile stop on their own)` : "";
    // Asked, not done: a running job, or a deferred one holding a frozen plan or waiting for its children (it
    // settles over them), stops at its next safe point.
    // An ended parent keeps its status: only the children its retry queued again are cancelled.
    const outcome = cancelOutcome(result);
    // The parent it made due (the job, its last children closed; or the job's parent) checks its children again in a while.
    const warning = result.wakeupError
      ? `the wake-up of the parent this cancel made due was not sent (${result.wakeupError.message}); it ends at its next ` +
        `check of its children, within ${CHILD_CHECK_INTERVAL_MS / 1000} seconds, while an engine runs`
      : null;
    if (json) {
      ctx.out(toJson({ outcome, job_id: jobId, status: result.status, children_cancelled: n, warning }));
      return warn(ctx, warning);
    }
    // A worker that is gone reaches no safe point: its job ends once the watchdog finds the lease expired (the answer
    // does not say when it expires, and the line is not worth a read).
    const workerGone = WORKER_STATUSES.includes(result.status)
      ? ", or, if its worker is gone, once its lease expires and the watchdog runs"
      : "";
    const asked = `for ${result.status} job ${jobId}${children}: it stops at its next safe point${workerGone}`;
    const lines = {
      cancelled: `cancelled ${jobId}${children}`,
      cancel_requested: `cancel requested ${asked}`,
      cancel_already_requested: `cancel already requested ${asked}`,
      children_cancelled: `cancelled the ${n} open child${n === 1 ? "" : "ren"} of ${result.status} job ${jobId}`,
    };
    ctx.out(lines[outcome]);
    warn(ctx, warning);
  },
};

const revert: CommandSpec = {
  name: "revert",
  args: "<changeId> | --job <jobId>",
  positionals: { min: 0, max: 1 },
  summary:
    "Restore what a change of the journal (catalog_changes) changed, once its job has ended and if its documents are still as it left them; with --job, all of a job's changes.",
  details: [
    "--job reverts the job's applied changes newest first (last applied, first reverted), one transaction each, but first judges",
    "them all and reverts none while any would be refused. Refused part-way anyway (a change landing meanwhile), it stops there,",
    "says what it reverted and what is left, and run again goes on with what is left.",
  ],
  options: { job: { type: "string", value: "JOB_ID", description: "revert all of this job's changes" } },
  interrupted:
    "a revert is one transaction, done whole or not at all: running it again is safe; a job's revert (--job) run again goes on with the changes left",
  async run({ args: [arg], options, json }, ctx) {
    const jobText = options.text("job");
    if ((arg === undefined) === (jobText === undefined)) throw usageError("name a change, or a job with --job, not both");
    if (jobText !== undefined) return revertWholeJob(ctx, idArgument("job", jobText), json);
    const changeId = idArgument("change", arg);
    const result = await (await engineOnFirestoreTime(ctx)).revert(changeId, CLI_USER);
    if (json) return ctx.out(toJson({ outcome: result.status, change_id: changeId, job_id: result.job_id, targets: result.targets }));
    ctx.out(
      result.status === "reverted"
        ? `reverted ${changeId} (made by job ${result.job_id}): ${result.targets.join(", ")}`
        : `${changeId} was already reverted; nothing changed`,
    );
  },
};

/** `revert --job`: every applied change of the job, newest first, one line each. */
async function revertWholeJob(ctx: CliContext, jobId: string, json: boolean): Promise<void> {
  const result = await (await engineOnFirestoreTime(ctx)).revertJob(jobId, CLI_USER);
  const changes = result.reverted.map(({ change_id: changeId, status, targets }) => ({ change_id: changeId, status, targets }));
  const outcome = changes.length > 0 ? "reverted" : "nothing_to_revert";
  if (json) return ctx.out(toJson({ outcome, job_id: jobId, changes, already_reverted: result.already_reverted }));
  const before = result.already_reverted > 0 ? ` (${result.already_reverted} reverted before)` : "";
  if (changes.length === 0) return ctx.out(`job ${jobId} has no applied change left to revert${before}; nothing changed`);
  ctx.out(`reverted ${changes.length} change${changes.length === 1 ? "" : "s"} of job ${jobId}, newest first${before}:`);
  for (const change of changes) ctx.out(`  ${change.change_id}: ${change.targets.join(", ")}`);
}

const history: CommandSpec = {
  name: "history",
  positionals: { min: 0, max: 0 },
  summary: "Run history, one row per attempt, newest first, a page at a time.",
  details: ["Days are UTC, both ends included. A page that another follows ends with the token of the next one."],
  options: {
    type: { type: "string", value: "TYPE", description: "runs of this job type" },
    status: { type: "string", value: "STATUS", description: `attempts that ended with this status: ${ATTEMPT_STATUSES.join(", ")}` },
    family: { type: "string", value: "FAMILY", description: "runs of jobs whose payload names this family (their `subjects`)" },
    job: { type: "string", value: "JOB_ID", description: "the attempts of one job (not with --type, --status, --family)" },
    from: { type: "string", value: "YYYY-MM-DD", description: "finished on or after this day" },
    to: { type: "string", value: "YYYY-MM-DD", description: "finished on or before this day" },
    limit: { type: "string", value: "N", description: `rows per page (default ${DEFAULT_LIMIT}, at most ${MAX_LIMIT})` },
    "page-token": { type: "string", value: "TOKEN", description: "the next page, as the previous page printed it" },
  },
  async run({ options, json }, ctx) {
    const fromText = options.text("from");
    const toText = options.text("to");
    const from = fromText === undefined ? undefined : parseDay("--from", fromText);
    const to = toText === undefined ? undefined : parseDay("--to", toText);
    if (from && to && to < from) throw usageError(`--to ${toText} is before --from ${fromText}`);
    const range = { from, until: to && endOfRange(to) };
    const jobText = options.text("job");
    const jobId = jobText === undefined ? undefined : idArgument("job", jobText);
    // A run's subjects are the families its job's payload names (the catalog's registry says so).
    const narrowing = {
      type: choiceOption(options, "type", registry.types),
      status: choiceOption(options, "status", ATTEMPT_STATUSES),
      subject: nonEmptyOption(options, "family"),
    };
    if (jobId !== undefined && Object.values(narrowing).some((value) => value !== undefined))
      throw usageError("--job cannot be combined with --type, --status or --family");
    const filter: RunHistoryFilter = jobId === undefined ? { ...range, ...narrowing } : { ...range, jobId };
    const paging = { limit: limitOption(options), pageToken: nonEmptyOption(options, "page-token") };
    const page = await runHistoryPage((await ctx.engine()).db, filter, paging);
    if (json) return ctx.out(toJson({ runs: page.rows, next_page_token: page.nextPageToken }));
    if (page.rows.length === 0) return ctx.out("no runs recorded");
    table(
      ["FINISHED", "TYPE", "STATUS", "JOB_STATUS", "MODE", "MS", "CHANGES", "FAMILIES", "JOB"],
      page.rows.map((r) => [
        r.finished_at,
        r.type,
        r.attempt_status,
        r.job_status,
        r.mode,
        r.duration_ms,
        r.changes_count,
        ((r.subjects as string[] | undefined) ?? []).join(","),
        // A retry starts the count of attempts again and a deferral refunds one; the lease epoch only grows.
        `${String(r.job_id)}#${String(r.attempt)}${r.lease_epoch === r.attempt ? "" : `@${String(r.lease_epoch)}`}`,
      ]),
    ).forEach(ctx.out);
    if (page.nextPageToken) ctx.out(`next page: --page-token ${page.nextPageToken}`);
  },
};

const daily: CommandSpec = {
  name: "daily",
  args: "[YYYY-MM-DD]",
  positionals: { min: 0, max: 1 },
  summary: "One day's totals (default today, UTC).",
  async run({ args: [dayText], json }, ctx) {
    const day = dayText === undefined ? dayKey((await ctx.engine()).now()) : dayKey(parseDay("the day", dayText));
    const { days, total } = await dailyTotals(ctx, [day]);
    if (json) return ctx.out(toJson(days[0]));
    printTotals(ctx.out, days, total);
  },
};

const summary: CommandSpec = {
  name: "summary",
  positionals: { min: 0, max: 0 },
  summary: "The daily totals of a range of days (UTC, both ends included), each day and added up.",
  options: {
    from: { type: "string", value: "YYYY-MM-DD", description: "first day (required)" },
    to: { type: "string", value: "YYYY-MM-DD", description: "last day (required)" },
  },
  async run({ options, json }, ctx) {
    const fromText = options.text("from");
    const toText = options.text("to");
    if (fromText === undefined || toText === undefined) throw usageError("summary needs --from and --to");
    const range = daysBetween(parseDay("--from", fromText), parseDay("--to", toText));
    const { days, total } = await dailyTotals(ctx, range);
    if (json) return ctx.out(toJson({ from: fromText, to: toText, total, days }));
    printTotals(ctx.out, days, total);
  },
};

const watchdog: CommandSpec = {
  name: "watchdog",
  positionals: { min: 0, max: 0 },
  summary: "Run one watchdog sweep now and print its report.",
  details: [
    "A sweep that met errors (a failed step or item, left for the next run) prints its report and exits 1.",
    "Without a tasks emulator (CLOUD_TASKS_EMULATOR_HOST) on an emulator, the wake-ups it would send are counted among its",
    "errors: when they are all its errors, a warning says so and when the local engine (npm start) runs those jobs, and it exits 0.",
  ],
  interrupted: "a sweep cut short changes nothing twice: running it again is safe, and goes through what it left",
  async run({ json }, ctx) {
    const engine = await engineOnFirestoreTime(ctx);
    const unsentWakeups = () => (engine.tasks instanceof LocalEngineWakeups ? engine.tasks.unsent : 0);
    const unsentBefore = unsentWakeups();
    const report = await engine.runWatchdog();
    // Each one failed the item that asked for it, so it is one of the sweep's errors.
    const unsent = unsentWakeups() - unsentBefore;
    if (json) ctx.out(toJson(report));
    else table(["FIELD", "VALUE"], Object.entries(report)).forEach(ctx.out);
    if (report.errors === 0) return;
    const noTasksEmulator = `wake-up tasks not sent as ${NO_TASKS_EMULATOR}`;
    // Jobs left to the local engine, as `retry` leaves one: the sweep did the rest of its work.
    if (unsent === report.errors && report.failed_steps.length === 0)
      return ctx.err(`warning: the sweep's ${unsent} error(s) are ${noTasksEmulator}; each of those jobs runs ${LOCAL_ENGINE_RUNS_IT}`);
    const steps = report.failed_steps.length > 0 ? ` (failed steps: ${report.failed_steps.join(", ")})` : "";
    const unsentAmong = unsent > 0 ? `, ${unsent} of them ${noTasksEmulator}` : "";
    throw refusal(
      `the sweep met ${report.errors} error(s)${steps}${unsentAmong}; the engine's logs name them (run with VERBOSE=1 to see them on stderr), and the next sweep goes through them again`,
    );
  },
};

const seed: CommandSpec = {
  name: "seed",
  positionals: { min: 0, max: 0 },
  summary: "Write the demo catalog (exercises, aliases, families) into an empty catalog.",
  details: [
    "It writes past the change journal, so over a catalog that holds documents it would undo the changes applied since:",
    "then it refuses (exit 1) unless --force.",
  ],
  options: {
    broken: { type: "boolean", description: "also the broken data the scans find" },
    force: { type: "boolean", description: "write it even over a catalog that holds documents" },
  },
  interrupted:
    "part of the demo catalog may be written: running it again with --force is safe and finishes it (without --force, it refuses the documents written)",
  async run({ options, json }, ctx) {
    const { db } = await ctx.engine();
    if (!options.flag("force") && (await catalogHoldsDocuments(db)))
      throw refusal("the catalog already holds documents: seeding would overwrite them past the change journal (--force seeds anyway)");
    const counts = await seedDemoCatalog(db, { includeBroken: options.flag("broken") });
    if (json) return ctx.out(toJson({ outcome: "seeded", ...counts }));
    ctx.out(`seeded ${counts.exercises} exercises, ${counts.aliases} aliases, ${counts.families} families`);
  },
};

const scanNames = SCAN_SCHEDULES.map((scan) => scan.type).join(", ");

/** How the table shows a setting whose params do not parse (null in `--json`). */
const INVALID_CELL = "invalid";

const schedules: CommandSpec = {
  name: "schedules",
  positionals: { min: 0, max: 0 },
  summary: "The scheduled scans: schedule, time zone, period, switch, mode, priority, next run and payload.",
  details: [
    `Run one now with \`schedules run <SCAN>\` (${scanNames}).`,
    "A param that does not parse is named on stderr and the exit code is 1. For a schedule or the time zone, the rows show the",
    `default the functions are deployed with in its place; for one a run reads (switch, mode, priority, payload), its cells show`,
    `"${INVALID_CELL}" (null in --json), and each scheduled run that reads it creates its period's job failed CONFIG_INVALID.`,
  ],
  run({ json }, ctx) {
    const engine = ctx.settings();
    const readings = SCAN_SCHEDULES.map((scan) => scheduledSettings(scan, engine.config));
    const shown = <T>(reading: Reading<T>): T | null => (reading.ok ? reading.value : null);
    const rows = SCAN_SCHEDULES.map((scan, index) => {
      const { cron, timeZone } = scheduleOf(scan, engine.config);
      const settings = readings[index];
      // A switch that does not parse still lets the function run (its runs create refused jobs): only one that is off has no next run.
      const off = settings.enabled.ok && !settings.enabled.value;
      return {
        scan: scan.type,
        function: scheduledFunctionName(scan),
        schedule: cron,
        time_zone: timeZone,
        period: scan.period,
        enabled: shown(settings.enabled),
        mode: shown(settings.mode),
        priority: shown(settings.priority),
        lane: engine.registry.defaultLane(scan.type),
        // Always a key of the JSON: null when switched off (or, should a valid schedule have no run left, then too).
        next_run: off ? null : (nextRunTimes(cron, timeZone, engine.now())[0] ?? null),
        payload: shown(settings.payload),
      };
    });
    if (json) ctx.out(toJson(rows));
    else
      table(
        ["SCAN", "FUNCTION", "SCHEDULE", "TIME_ZONE", "PERIOD", "ENABLED", "MODE", "PRIORITY", "LANE", "NEXT_RUN", "PAYLOAD"],
        rows.map((r) => [
          r.scan,
          r.function,
          r.schedule,
          r.time_zone,
          r.period,
          r.enabled ?? INVALID_CELL,
          r.mode ?? INVALID_CELL,
          r.priority ?? INVALID_CELL,
          r.lane,
          r.next_run ?? (r.enabled === false ? "off" : "never"),
          r.payload ?? INVALID_CELL,
        ]),
      ).forEach(ctx.out);
    // Deploying falls back to the defaults with no more than a log line, and the runs fail their jobs: the exit code is
    // what a check before deploying sees.
    const problems = (invalid: ConfigError[], consequence: string) =>
      invalid.length > 0 ? [`${invalid.map((problem) => problem.message).join("; ")} (${consequence})`] : [];
    const found = [
      ...problems(invalidScheduleParams(engine.config), "the rows show the default deployed in its place"),
      ...problems(
        invalidParams(readings.flatMap((settings) => Object.values(settings))),
        "each scheduled run that reads it creates its period's job failed CONFIG_INVALID",
      ),
    ];
    if (found.length > 0) throw refusal(found.join("; "));
  },
};

/** A scheduled run as `--json` prints it, in snake_case as the rest of the CLI's JSON (and the callables' answers). */
function scheduledRunJson(run: ScheduledRun): Record<string, unknown> {
  switch (run.outcome) {
    case "created":
      return {
        outcome: run.outcome,
        job_id: run.jobId,
        period: run.period,
        mode: run.mode,
        wakeup_sent: !run.wakeupError,
        warning: notWokenWarning(run, "created"),
      };
    case "exists":
      return { outcome: run.outcome, job_id: run.jobId, period: run.period };
    case "disabled":
      return { outcome: run.outcome, param: run.param };
    case "config_invalid":
      return {
        outcome: run.outcome,
        job_id: run.jobId,
        period: run.period,
        created: run.created,
        refusal: run.refusal,
        params: run.invalid.map((problem) => problem.param),
      };
  }
}

function scheduledRunLine(run: ScheduledRun): string {
  switch (run.outcome) {
    case "created":
      return `created ${run.jobId} (period ${run.period}, ${run.mode})`;
    case "exists":
      return `not created: job ${run.jobId} already exists for period ${run.period}`;
    case "disabled":
      return `not created: the schedule is switched off (${run.param}=false)`;
    case "config_invalid":
      if (run.created) return `created ${run.jobId} failed CONFIG_INVALID (period ${run.period}): its params do not parse`;
      // What the period's id holds is an earlier run's refusal, not its job: said so, lest it read as a job to wait for.
      return run.refusal
        ? `not created: ${run.jobId} is the period's refusal already, failed CONFIG_INVALID (period ${run.period}): its params still do not parse`
        : `not created: job ${run.jobId} already exists for period ${run.period}`;
  }
}

type ConfigInvalidRun = Extract<ScheduledRun, { outcome: "config_invalid" }>;

/**
 * What a run whose params do not parse leaves the operator to do. The period's refusal, created by this run or an
 * earlier one, makes way for the job at the first run that finds the params fixed; a job the period got while they
 * parsed stays its job, so the fix applies from the next period.
 */
function configInvalidNextStep(run: ConfigInvalidRun): string {
  const [them, apply] = run.invalid.length > 1 ? ["them", "they apply"] : ["it", "it applies"];
  if (run.refusal) return `no job was built; fix ${them}, then run this again`;
  return `the period's job exists already (${run.jobId}), so no run creates another: fix ${them}; ${apply} from the next period`;
}

const schedulesRun: CommandSpec = {
  name: "schedules run",
  args: "<SCAN>",
  positionals: { min: 1, max: 1 },
  summary: "Do now what a scan's schedule does: create the job of the current period, unless it exists or the scan is switched off.",
  details: [
    `scans: ${scanNames}`,
    `Refused (exit 1), creating nothing, while ${PARAMS.scheduleTimeZone.param.name} does not parse: it names the period, so the job.`,
    "A param the run reads that does not parse (its switch, mode, priority or payload) exits 1 too: as the schedule does, it",
    "creates the period's job failed CONFIG_INVALID, which a run once the param is fixed replaces with the job; when the period",
    "has its job already, the fixed param applies from the next period.",
  ],
  interrupted: "running it again is safe: it creates no second job for the period",
  async run({ args: [name], json }, ctx) {
    const scan = findScanSchedule(name);
    if (!scan) throw usageError(`no scheduled scan "${name}"; scans: ${scanNames}`);
    const engine = await engineOnFirestoreTime(ctx);
    // The time zone names the period, so the job's id: one in the default's zone may be another day's job.
    const zone = invalidScheduleParams(engine.config).find((problem) => problem.param === PARAMS.scheduleTimeZone.param.name);
    if (zone)
      throw refusal(`${zone.message}: nothing created (its period would be the default zone's, ${PARAMS.scheduleTimeZone.defaultValue})`);
    const run = await produceScheduledScan(engine, scan, engine.now());
    ctx.out(json ? toJson(scheduledRunJson(run)) : scheduledRunLine(run));
    if (run.outcome === "created") warn(ctx, notWokenWarning(run, "created"));
    if (run.outcome === "config_invalid")
      throw refusal(`${run.invalid.map((problem) => problem.message).join("; ")}: ${configInvalidNextStep(run)}`);
  },
};

/** An email's shape, checked before Firebase Auth is asked (which would refuse a malformed one as a failure, exit 1). */
function emailArgument(raw: string): string {
  if (!z.email().safeParse(raw).success) throw usageError(`"${raw}" is not an email address`);
  return raw;
}

const GRANT_TAKES_EFFECT = "It takes effect with the user's next ID token: at the next sign-in, or within the hour.";
/** The callables read the account's claim as it is now; the rules trust the ID token the account holds until it expires. */
const REVOKE_TAKES_EFFECT =
  "The console's actions refuse the account at once (they read its claim as it is now); what the Firestore rules let a curator do ends when its ID token expires, within the hour.";

const curators: CommandSpec = {
  name: "curators",
  positionals: { min: 0, max: 0 },
  summary: `The accounts with the curator claim (${CURATOR_CLAIM}): they see the console's data and act there.`,
  details: [
    "Grant or revoke it with `curators grant <EMAIL>` and `curators revoke <EMAIL>`.",
    "An account whose email is not verified (VERIFIED false) cannot act until it is: stderr names them.",
  ],
  async run({ json }, ctx) {
    const accounts = await (await ctx.curators()).listCurators();
    const unverified = accounts.filter((account) => !account.email_verified);
    if (unverified.length > 0)
      ctx.err(
        `warning: ${unverified.map((account) => account.email ?? account.uid).join(", ")} cannot act until they verify their email (the rules and the callables ignore the claim without it)`,
      );
    if (json) return ctx.out(toJson(accounts));
    if (accounts.length === 0) return ctx.out("no curators");
    table(
      ["EMAIL", "UID", "VERIFIED"],
      accounts.map((account) => [account.email ?? "", account.uid, account.email_verified]),
    ).forEach(ctx.out);
  },
};

/** `curators grant` and `curators revoke`: set or clear the claim of one account, keeping its other claims. */
function curatorChange(curator: boolean): CommandSpec {
  const verb = curator ? "grant" : "revoke";
  return {
    name: `curators ${verb}`,
    args: "<EMAIL>",
    positionals: { min: 1, max: 1 },
    summary: curator
      ? `Give the account with this email the curator claim (${CURATOR_CLAIM}): it may use the console and act there.`
      : `Take the curator claim (${CURATOR_CLAIM}) from the account with this email.`,
    details: [
      "The account must exist in Firebase Auth; its other custom claims are kept.",
      ...(curator
        ? [
            "Its email must be verified (anyone may sign up with an address first): an account whose email is not verified is refused (exit 1).",
          ]
        : []),
      curator ? GRANT_TAKES_EFFECT : REVOKE_TAKES_EFFECT,
    ],
    verb: `${verb} the curator claim of`,
    interrupted: `the claim may be ${curator ? "given" : "taken"} already or not: running it again is safe`,
    async run({ args: [arg], json }, ctx) {
      const email = emailArgument(arg);
      const account = await (await ctx.curators()).setCurator(email, curator);
      if (json) return ctx.out(toJson({ ...account, curator }));
      const now = curator ? "is a curator" : "is not a curator";
      ctx.out(`${email} (${account.uid}) ${account.changed ? `${now} now` : `${now} already: nothing changed`}`);
    },
  };
}

export const COMMANDS: readonly CommandSpec[] = [
  submit,
  list,
  show,
  retry,
  cancel,
  revert,
  history,
  daily,
  summary,
  watchdog,
  seed,
  schedules,
  schedulesRun,
  curators,
  curatorChange(true),
  curatorChange(false),
];
