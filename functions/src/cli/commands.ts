/**
 * The operator CLI's commands: submit, list, show, retry, cancel, history, daily, watchdog, seed.
 * `runCli(argv, io)` is the whole CLI minus process wiring, so tests drive it directly.
 */
import { type Firestore, Timestamp } from "firebase-admin/firestore";
import { display, isPlainRecord } from "../util/object-paths";
import type { Engine } from "../create-engine";
import { JOB_COLLECTIONS } from "../jobs/collections";
import { InvalidJobError } from "../jobs/queue";
import { JOB_STATUSES } from "../jobs/lifecycle";
import { LANES, type Lane } from "../jobs/model";
import { registry } from "../handlers";
import { dayKey } from "../jobs/run-history";
import { seedDemoCatalog } from "../local/seed";

export interface CliIo {
  db: Firestore;
  engine: Engine;
  out: (line: string) => void;
}

const USAGE = `usage: npm run cli -- <command> [args]
  submit <TYPE> '<payload json>' [--lane priority|maintenance] [--priority N] [--dedup-key K]
  list [--status S] [--type T] [--limit N]
  show <jobId>                 the job and its attempt log
  retry <jobId>                re-run a failed, needs_review, deadletter or cancelled job
  cancel <jobId>               cancel a waiting job, or ask a running one to stop
  history [--job ID] [--limit N]
  daily [YYYY-MM-DD]           per-day totals (default today, UTC)
  watchdog                     run one watchdog sweep now
  seed [--broken]              write the demo catalog (and its broken data)
job types: ${registry.types.join(", ")}`;

export class CliError extends Error {}

/** Splits `--name value` options from positional arguments. */
export function parseArgs(argv: string[]): { positional: string[]; options: Record<string, string | true> } {
  const positional: string[] = [];
  const options: Record<string, string | true> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith("--")) {
      positional.push(arg);
      continue;
    }
    const next = argv[i + 1];
    if (next === undefined || next.startsWith("--")) options[arg.slice(2)] = true;
    else options[arg.slice(2)] = argv[++i];
  }
  return { positional, options };
}

function stringOption(options: Record<string, string | true>, name: string): string | undefined {
  const value = options[name];
  if (value === true) throw new CliError(`--${name} needs a value`);
  return value;
}

function intOption(options: Record<string, string | true>, name: string, fallback: number): number {
  const raw = stringOption(options, name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new CliError(`--${name} must be a non-negative integer`);
  return value;
}

/** Timestamps as ISO strings, for printing. */
function withIsoTimes(value: unknown): unknown {
  if (value instanceof Timestamp) return value.toDate().toISOString();
  if (Array.isArray(value)) return value.map(withIsoTimes);
  if (isPlainRecord(value)) return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, withIsoTimes(item)]));
  return value;
}

const json = (value: unknown) => JSON.stringify(withIsoTimes(value), null, 2);

export async function runCli(argv: string[], io: CliIo): Promise<void> {
  const { positional, options } = parseArgs(argv);
  const [command, ...args] = positional;
  const { db, engine, out } = io;
  const queue = engine.queue;
  switch (command) {
    case "submit": {
      const [type, payloadJson = "{}"] = args;
      if (!type) throw new CliError("submit needs a job type");
      let payload: Record<string, unknown>;
      try {
        payload = JSON.parse(payloadJson) as Record<string, unknown>;
      } catch {
        throw new CliError("the payload is not valid JSON");
      }
      const lane = stringOption(options, "lane");
      if (lane !== undefined && !LANES.includes(lane as Lane)) throw new CliError(`--lane must be one of ${LANES.join(", ")}`);
      try {
        const result = await queue.createJob({
          type,
          payload,
          queue: lane as Lane | undefined,
          priority: options.priority === undefined ? undefined : intOption(options, "priority", 100),
          dedup_key: stringOption(options, "dedup-key"),
          created_by: "system:cli",
        });
        out(result.created ? `created ${result.jobId}` : `not created: ${result.reason} (open job ${result.jobId})`);
      } catch (err) {
        if (err instanceof InvalidJobError) throw new CliError(err.message);
        throw err;
      }
      return;
    }
    case "list": {
      let query: FirebaseFirestore.Query = db.collection(JOB_COLLECTIONS.jobs);
      const status = stringOption(options, "status");
      const type = stringOption(options, "type");
      if (status && !JOB_STATUSES.includes(status as never)) throw new CliError(`unknown status ${status}`);
      if (status) query = query.where("status", "==", status);
      if (type) query = query.where("type", "==", type);
      const snap = await query
        .orderBy("created_at", "desc")
        .limit(intOption(options, "limit", 20))
        .get();
      for (const doc of snap.docs) {
        const d = doc.data() as {
          status: string;
          type: string;
          queue: string;
          priority: number;
          attempts: number;
          max_attempts: number;
          error?: { code: string } | null;
        };
        out(
          `${String(d.status).padEnd(18)} ${String(d.type).padEnd(27)} ${String(d.queue).padEnd(11)} p${d.priority} a${d.attempts}/${d.max_attempts} ${doc.id}${d.error ? `  ${d.error.code}` : ""}`,
        );
      }
      if (snap.empty) out("no jobs");
      return;
    }
    case "show": {
      const [jobId] = args;
      if (!jobId) throw new CliError("show needs a job id");
      const snap = await queue.jobRef(jobId).get();
      if (!snap.exists) throw new CliError(`job ${jobId} does not exist`);
      out(json({ id: jobId, ...snap.data() }));
      const attempts = await snap.ref.collection(JOB_COLLECTIONS.attempts).get();
      for (const attempt of attempts.docs) out(json({ attempt: attempt.id, ...attempt.data() }));
      return;
    }
    case "retry":
    case "cancel": {
      const [jobId] = args;
      if (!jobId) throw new CliError(`${command} needs a job id`);
      if (command === "retry") {
        await engine.retry(jobId);
        out(`requeued ${jobId}`);
      } else {
        const result = await engine.cancel(jobId);
        out(result.cancelRequested ? `cancel requested for running job ${jobId}` : `cancelled ${jobId}`);
      }
      return;
    }
    case "history": {
      const rows = await engine.history.getRunHistory({ jobId: stringOption(options, "job"), limit: intOption(options, "limit", 20) });
      for (const row of rows)
        out(
          `${json(row.finished_at)} ${display(row.type).padEnd(27)} ${display(row.job_status).padEnd(18)} ${display(row.job_id)} #${display(row.attempt)}`,
        );
      if (rows.length === 0) out("no runs recorded");
      return;
    }
    case "daily": {
      const day = args[0] ?? dayKey(engine.now());
      if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) throw new CliError("daily takes a date as YYYY-MM-DD");
      out(json(await engine.history.getDailySummary(day)));
      return;
    }
    case "watchdog": {
      out(json(await engine.runWatchdog()));
      return;
    }
    case "seed": {
      const counts = await seedDemoCatalog(db, { includeBroken: options.broken === true });
      out(`seeded ${counts.exercises} exercises, ${counts.aliases} aliases, ${counts.families} families`);
      return;
    }
    default:
      throw new CliError(command ? `unknown command "${command}"\n${USAGE}` : USAGE);
  }
}
