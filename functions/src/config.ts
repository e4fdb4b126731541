/**
 * Engine configuration: one table of Cloud Functions params. Each row names the param, its type,
 * default, limits and description; the config type and its loading are derived from the table.
 * Deployed functions get values from the params (`.env` files or prompts at deploy); the local
 * runtime, the CLI and tests read the same names from the environment and otherwise use the
 * declared defaults, so there is one default per setting.
 *
 * A value that does not parse never breaks loading: reading that setting throws a permanent
 * CONFIG_INVALID error naming the param, so only the jobs that need it fail, with a clear reason.
 */
import { type BooleanParam, type IntParam, type StringParam, defineBoolean, defineInt, defineString } from "firebase-functions/params";
import { canonicalTimeZone, cronProblem } from "./util/cron";
import { log } from "./util/log";

interface ParamSpec<T, P extends { name: string } = { name: string }> {
  /** The firebase-functions param (for declarations read at deploy, like rate limits). */
  param: P;
  defaultValue: T;
  /** The setting from the raw environment value; an error message when it is not acceptable. */
  parse(raw: string): T | { invalid: string };
}

function int(
  name: string,
  defaultValue: number,
  description: string,
  limits: { min?: number; max?: number } = {},
): ParamSpec<number, IntParam> {
  return {
    param: defineInt(name, { default: defaultValue, description }),
    defaultValue,
    parse(raw) {
      // Whole decimal numbers only: Number() would also take "0x10", "1e3" and a blank value (as 0).
      if (!/^[+-]?\d+$/.test(raw.trim())) return { invalid: `must be an integer, not "${raw}"` };
      const value = Number(raw);
      if (limits.min !== undefined && value < limits.min) return { invalid: `must be at least ${limits.min}, not ${value}` };
      if (limits.max !== undefined && value > limits.max) return { invalid: `must be at most ${limits.max}, not ${value}` };
      return value;
    },
  };
}

/** A duration declared in seconds (as operators think of it) and read as milliseconds. */
function seconds(
  name: string,
  defaultSeconds: number,
  description: string,
  limits: { min?: number; max?: number } = { min: 1 },
): ParamSpec<number, IntParam> {
  const spec = int(name, defaultSeconds, description, limits);
  return {
    ...spec,
    defaultValue: defaultSeconds * 1000,
    parse: (raw) => {
      const value = spec.parse(raw);
      return typeof value === "number" ? value * 1000 : value;
    },
  };
}

function bool(name: string, defaultValue: boolean, description: string): ParamSpec<boolean, BooleanParam> {
  return {
    param: defineBoolean(name, { default: defaultValue, description }),
    defaultValue,
    parse: (raw) => (raw === "true" ? true : raw === "false" ? false : { invalid: `must be true or false, not "${raw}"` }),
  };
}

/** A retention period declared in days and read as milliseconds. */
function days(name: string, defaultDays: number, description: string): ParamSpec<number, IntParam> {
  const spec = int(name, defaultDays, description, { min: 1 });
  const DAY_MS = 86_400_000;
  return {
    ...spec,
    defaultValue: defaultDays * DAY_MS,
    parse: (raw) => {
      const value = spec.parse(raw);
      return typeof value === "number" ? value * DAY_MS : value;
    },
  };
}

function text(name: string, defaultValue: string, description: string): ParamSpec<string, StringParam> {
  return { param: defineString(name, { default: defaultValue, description }), defaultValue, parse: (raw) => raw };
}

function choice<const C extends string>(
  name: string,
  choices: readonly C[],
  defaultValue: C,
  description: string,
): ParamSpec<C, StringParam> {
  return {
    param: defineString(name, { default: defaultValue, description, input: { select: { options: choices.map((value) => ({ value })) } } }),
    defaultValue,
    parse: (raw) => (choices.includes(raw as C) ? (raw as C) : { invalid: `must be one of ${choices.join(", ")}, not "${raw}"` }),
  };
}

/** A unix-cron schedule (read when the functions are declared, see `schedules/`). */
function cron(name: string, defaultValue: string, description: string): ParamSpec<string, StringParam> {
  return {
    param: defineString(name, { default: defaultValue, description }),
    defaultValue,
    parse: (raw) => {
      const problem = cronProblem(raw);
      return problem ? { invalid: problem } : raw.trim();
    },
  };
}

function timeZone(name: string, defaultValue: string, description: string): ParamSpec<string, StringParam> {
  return {
    param: defineString(name, { default: defaultValue, description }),
    defaultValue,
    parse: (raw) => canonicalTimeZone(raw) ?? { invalid: `must be an IANA time zone such as "Europe/Berlin" or "UTC", not "${raw}"` },
  };
}

/** Job priorities run from 0 to this (the job model's range; defined here so the scan params are held to it too). */
export const MAX_PRIORITY = 1000;
/** The most exercises one enrichment shard takes (its ledger is read in one go; ENRICH_SHARD_SIZE and a payload's `shard_size`). */
export const MAX_SHARD_SIZE = 100;
/** The watchdog function's timeout. */
export const WATCHDOG_TIMEOUT_SECONDS = 540;
/** The curator actions' timeout (callables): a retry or cancel of a parent writes its children one transaction each. */
export const CURATOR_ACTION_TIMEOUT_SECONDS = 540;
/**
 * The longest WATCHDOG_BUDGET_SECONDS: a run checks its budget between pages, so it leaves a minute
 * of the timeout for the page in hand and its report (cut off, the run would record nothing).
 */
const WATCHDOG_MAX_BUDGET_SECONDS = WATCHDOG_TIMEOUT_SECONDS - 60;
/** The most exercises one QUALITY_SCAN selects (its payload's `selection.limit`, and QUALITY_SCAN_LIMIT). */
export const QUALITY_SCAN_MAX_LIMIT = 2000;
/**
 * The longest a QUALITY_SCAN waits to rescan (its payload's `selection.stale_after_days`, and
 * QUALITY_SCAN_STALE_AFTER_DAYS), a century: its cutoff must be a date Firestore stores (from year 1 on).
 */
export const QUALITY_SCAN_MAX_STALE_AFTER_DAYS = 36_500;

/**
 * The four rows of a scheduled scan (`schedules/scans.ts`): `<TYPE>_SCHEDULE` (unix-cron, read at
 * deploy), `<TYPE>_SCHEDULE_ENABLED`, `<TYPE>_APPLY` (apply mode, if CATALOG_APPLY_ENABLED allows it
 * too) and `<TYPE>_PRIORITY`, under the keys `<key>Schedule`, `<key>Enabled`, `<key>Apply`, `<key>Priority`.
 */
function scanSchedule<const K extends string>(key: K, type: string, defaultCron: string) {
  return {
    [`${key}Schedule`]: cron(`${type}_SCHEDULE`, defaultCron, `When the scheduled ${type} runs (unix-cron, in SCHEDULE_TIME_ZONE).`),
    [`${key}Enabled`]: bool(`${type}_SCHEDULE_ENABLED`, true, `Whether the scheduled ${type} creates jobs.`),
    [`${key}Apply`]: bool(`${type}_APPLY`, false, `Scheduled ${type} jobs in apply mode (only if CATALOG_APPLY_ENABLED too).`),
    [`${key}Priority`]: int(`${type}_PRIORITY`, 100, `Priority of the scheduled ${type} jobs (0 to ${MAX_PRIORITY}).`, {
      min: 0,
      max: MAX_PRIORITY,
    }),
  } as Record<`${K}Schedule`, ParamSpec<string, StringParam>> &
    Record<`${K}Enabled` | `${K}Apply`, ParamSpec<boolean, BooleanParam>> &
    Record<`${K}Priority`, ParamSpec<number, IntParam>>;
}

export const PARAMS = {
  leaseMs: seconds("JOB_LEASE_SECONDS", 300, "Lease length of a running job; renewed by a heartbeat."),
  heartbeatMs: seconds("JOB_HEARTBEAT_SECONDS", 60, "How often a running job renews its lease and locks."),
  lockRetryMs: seconds("JOB_LOCK_RETRY_SECONDS", 30, "Delay before a job whose lock is held tries again."),
  // Equal jitter (`backoffDelayMs`): half of a delay is waited for sure, the other half at random.
  backoffBaseMs: seconds(
    "JOB_BACKOFF_BASE_SECONDS",
    10,
    "Retry delay after a job's first transient failure, doubled after each further one; a retry waits a random time between half of it and all of it.",
  ),
  backoffMaxMs: seconds(
    "JOB_BACKOFF_MAX_SECONDS",
    900,
    "Cap of the doubling retry delay; a capped retry waits a random time between half of it and all of it.",
  ),
  priorityMaxConcurrent: int("PRIORITY_LANE_MAX_CONCURRENT", 10, "Concurrent dispatches of the priority lane's task queue.", { min: 1 }),
  priorityMaxPerSecond: int("PRIORITY_LANE_MAX_PER_SECOND", 20, "Dispatch rate of the priority lane's task queue.", { min: 1 }),
  maintenanceMaxConcurrent: int("MAINTENANCE_LANE_MAX_CONCURRENT", 4, "Concurrent dispatches of the maintenance lane's task queue.", {
    min: 1,
  }),
  maintenanceMaxPerSecond: int("MAINTENANCE_LANE_MAX_PER_SECOND", 5, "Dispatch rate of the maintenance lane's task queue.", { min: 1 }),
  taskMaxAttempts: int("TASK_MAX_ATTEMPTS", 5, "Cloud Tasks attempts of one wake-up task, the first included.", { min: 1 }),
  watchdogIntervalMinutes: int("WATCHDOG_INTERVAL_MINUTES", 5, "Minutes between scheduled watchdog runs.", { min: 1, max: 59 }),
  watchdogBudgetMs: seconds(
    "WATCHDOG_BUDGET_SECONDS",
    240,
    `Time budget of one watchdog run (at most ${WATCHDOG_MAX_BUDGET_SECONDS}, inside the function's ${WATCHDOG_TIMEOUT_SECONDS} s timeout).`,
    { min: 1, max: WATCHDOG_MAX_BUDGET_SECONDS },
  ),
  staleQueuedMs: seconds(
    "WATCHDOG_STALE_QUEUED_SECONDS",
    180,
    "A lane's last ready jobs ready longer than this get new wake-up tasks; a client's job older than this that intake never took in is taken in.",
  ),
  applyEnabled: bool("CATALOG_APPLY_ENABLED", false, "Allow jobs in apply mode to write to the catalog."),
  maxRepairs: int("MAX_REPAIRS", 3, "LLM repair rounds for a plan that fails validation, per attempt.", { min: 0 }),
  shardSize: int("ENRICH_SHARD_SIZE", 20, "Exercises per enrichment shard job.", { min: 1, max: MAX_SHARD_SIZE }),
  enrichConcurrency: int("ENRICH_CONCURRENCY", 4, "Concurrent LLM calls inside one enrichment shard.", { min: 1 }),
  llmProvider: choice("LLM_PROVIDER", ["fake", "vertex"], "fake", "fake (deterministic, no credentials) or vertex."),
  llmAllowFake: bool(
    "LLM_ALLOW_FAKE",
    false,
    "Let deployed functions run LLM jobs on the fake LLM (LLM_PROVIDER=fake), e.g. in a staging project; refused otherwise.",
  ),
  llmLocation: text("LLM_LOCATION", "us-central1", "Vertex AI location."),
  llmFastModel: text("LLM_FAST_MODEL", "gemini-2.5-flash", "Model for routine calls."),
  llmStrongModel: text("LLM_STRONG_MODEL", "gemini-2.5-pro", "Model for use_pro_model and hard repairs."),
  llmTimeoutMs: seconds(
    "LLM_TIMEOUT_SECONDS",
    60,
    "Timeout of one LLM try (each retry gets its own) per 4,096 output tokens it allows; never less than this.",
  ),
  llmPricesJson: text("LLM_PRICES_JSON", "", "JSON price table {model: {input_per_million, output_per_million}} overriding the defaults."),
  retainJobsMs: days(
    "RETAIN_JOBS_DAYS",
    90,
    "Days a finished job is kept (with its attempt log, frozen plan, child markers and dedup claim) before its TTL policy deletes it; its operations' idempotency records as long from when they are written.",
  ),
  retainHistoryMs: days("RETAIN_HISTORY_DAYS", 400, "Days run summaries and daily totals are kept."),
  retainJournalMs: days(
    "RETAIN_JOURNAL_DAYS",
    365,
    "Days change-journal entries are kept (a change can be reverted while its entry exists).",
  ),
  retainWatchdogReportsMs: days("RETAIN_WATCHDOG_REPORTS_DAYS", 30, "Days watchdog run reports are kept."),
  taskLocation: text("TASKS_LOCATION", "us-central1", "Region of the Cloud Tasks queues and task functions."),
  scheduleTimeZone: timeZone("SCHEDULE_TIME_ZONE", "UTC", "Time zone of the scan schedules and of their periods (days, ISO weeks)."),
  ...scanSchedule("maintenanceScan", "MAINTENANCE_SCAN", "0 2 * * *"),
  maintenanceScanFamilyLimit: int(
    "MAINTENANCE_SCAN_FAMILY_LIMIT",
    0,
    "Families one scheduled maintenance scan asks for new jobs for (in apply mode, those whose findings were already answered do not count); 0: all.",
    {
      min: 0,
    },
  ),
  ...scanSchedule("aliasInvariantScan", "ALIAS_INVARIANT_SCAN", "30 2 * * *"),
  ...scanSchedule("duplicateDetectionScan", "DUPLICATE_DETECTION_SCAN", "0 3 * * 0"),
  ...scanSchedule("qualityScan", "QUALITY_SCAN", "0 4 * * *"),
  qualityScanStaleAfterDays: int(
    "QUALITY_SCAN_STALE_AFTER_DAYS",
    7,
    `The scheduled QUALITY_SCAN rescans exercises scanned longer ago (up to ${QUALITY_SCAN_MAX_STALE_AFTER_DAYS} days).`,
    { min: 1, max: QUALITY_SCAN_MAX_STALE_AFTER_DAYS },
  ),
  qualityScanLimit: int(
    "QUALITY_SCAN_LIMIT",
    200,
    `Exercises one scheduled QUALITY_SCAN scans at most (up to ${QUALITY_SCAN_MAX_LIMIT}).`,
    {
      min: 1,
      max: QUALITY_SCAN_MAX_LIMIT,
    },
  ),
} as const;

type Params = typeof PARAMS;
type ValueOf<S> = S extends { defaultValue: infer T } ? T : never;

export type EngineConfig = { readonly [K in keyof Params]: ValueOf<Params[K]> };

/** A setting whose param does not parse: permanent, since running the job again reads the same value. */
export class ConfigError extends Error {
  readonly code = "CONFIG_INVALID";
  readonly transient = false;
  constructor(
    readonly param: string,
    reason: string,
  ) {
    super(`param ${param} ${reason}`);
    this.name = "ConfigError";
  }
}

/** A setting read from the config, or every param it read that does not parse. */
export type Reading<T> = { ok: true; value: T } | { ok: false; invalid: ConfigError[] };

/**
 * `read(config)`, or every param it reads that does not parse: such a read goes on with the param's
 * default (the value is discarded then), so that one pass names them all, not only the first.
 */
export function readEvery<T>(config: EngineConfig, read: (config: EngineConfig) => T): Reading<T> {
  const invalid: ConfigError[] = [];
  const lenient = new Proxy(config, {
    get(target, key, receiver) {
      try {
        return Reflect.get(target, key, receiver) as unknown;
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        invalid.push(err);
        return PARAMS[key as keyof EngineConfig].defaultValue;
      }
    },
  });
  const value = read(lenient);
  return invalid.length === 0 ? { ok: true, value } : { ok: false, invalid };
}

/** The params whose values in `env` do not parse, or do not fit together, with why. */
export function configProblems(env: NodeJS.ProcessEnv = process.env): ConfigError[] {
  return Object.values(readParams(env)).filter((value) => value instanceof ConfigError);
}

/** Every param's value (or why it is invalid), then the rules between params that each parse. */
function readParams(env: NodeJS.ProcessEnv): Record<keyof Params, unknown> {
  const values = Object.fromEntries(
    (Object.entries(PARAMS) as Array<[keyof Params, ParamSpec<unknown>]>).map(([key, spec]) => [key, readParam(spec, env)]),
  ) as Record<keyof Params, unknown>;
  const { leaseMs, heartbeatMs } = values;
  // Renewals at most half a lease apart: one that fails (an outage) leaves the next in time. Any longer and a
  // single slow or failed renewal lets the lease lapse, the run stop and the watchdog take the job back.
  if (typeof leaseMs === "number" && typeof heartbeatMs === "number" && heartbeatMs * 2 > leaseMs)
    values.heartbeatMs = new ConfigError(
      PARAMS.heartbeatMs.param.name,
      `must be at most half of ${PARAMS.leaseMs.param.name} (${leaseMs / 1000} s), not ${heartbeatMs / 1000} s: one failed renewal would let the lease run out`,
    );
  return values;
}

function readParam<T>(spec: ParamSpec<T>, env: NodeJS.ProcessEnv): T | ConfigError {
  const raw = env[spec.param.name];
  if (raw === undefined || raw === "") return spec.defaultValue;
  const value = spec.parse(raw);
  return typeof value === "object" && value !== null && "invalid" in value ? new ConfigError(spec.param.name, value.invalid) : value;
}

/** The Google Cloud project GCLOUD_PROJECT (else GOOGLE_CLOUD_PROJECT) names, if any. */
export function namedProject(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env.GCLOUD_PROJECT || env.GOOGLE_CLOUD_PROJECT || undefined;
}

/**
 * The settings from `env` (the Functions runtime sets the params there) or their defaults. Parsed
 * here rather than with `param.value()` so callers can pass an environment of their own. A setting
 * whose value does not parse throws its ConfigError when read, never when loaded.
 */
export function loadEngineConfig(env: NodeJS.ProcessEnv = process.env): EngineConfig {
  const config = {};
  for (const [key, value] of Object.entries(readParams(env))) {
    Object.defineProperty(config, key, {
      enumerable: true,
      get: () => {
        if (value instanceof ConfigError) throw value;
        return value;
      },
    });
  }
  return config as EngineConfig;
}

/**
 * The watchdog's schedule, read when the functions are declared (a schedule is a plain string at
 * deploy). An invalid WATCHDOG_INTERVAL_MINUTES must not stop every function from loading: the
 * default is used and the problem logged.
 */
export function watchdogSchedule(env: NodeJS.ProcessEnv = process.env): string {
  const minutes = readParam(PARAMS.watchdogIntervalMinutes, env);
  if (minutes instanceof ConfigError) {
    log.error("invalid param; the watchdog runs on its default schedule", { param: minutes.param, error: minutes.message });
    return `every ${PARAMS.watchdogIntervalMinutes.defaultValue} minutes`;
  }
  return `every ${minutes} minutes`;
}
