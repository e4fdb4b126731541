/**
 * Engine configuration as Cloud Functions params. Deployed functions get values from the params
 * (`.env` files or prompts at deploy); the local runtime, the CLI and tests read the same names from
 * the environment and otherwise use the declared defaults, so there is one default per setting.
 */
import { defineBoolean, defineInt, defineString } from "firebase-functions/params";

function intParam(name: string, defaultValue: number, description: string) {
  return { param: defineInt(name, { default: defaultValue, description }), defaultValue };
}
function stringParam(name: string, defaultValue: string, description: string) {
  return { param: defineString(name, { default: defaultValue, description }), defaultValue };
}
function boolParam(name: string, defaultValue: boolean, description: string) {
  return { param: defineBoolean(name, { default: defaultValue, description }), defaultValue };
}

export const PARAMS = {
  leaseSeconds: intParam("JOB_LEASE_SECONDS", 300, "Lease length of a running job; renewed by a heartbeat."),
  heartbeatSeconds: intParam("JOB_HEARTBEAT_SECONDS", 60, "How often a running job renews its lease and locks."),
  lockRetrySeconds: intParam("JOB_LOCK_RETRY_SECONDS", 30, "Delay before a job whose family lock is held tries again."),
  backoffBaseSeconds: intParam("JOB_BACKOFF_BASE_SECONDS", 10, "First retry delay after a transient failure (doubles each attempt)."),
  backoffMaxSeconds: intParam("JOB_BACKOFF_MAX_SECONDS", 900, "Longest retry delay."),
  priorityMaxConcurrent: intParam("PRIORITY_LANE_MAX_CONCURRENT", 10, "Concurrent dispatches of the priority lane's task queue."),
  priorityMaxPerSecond: intParam("PRIORITY_LANE_MAX_PER_SECOND", 20, "Dispatch rate of the priority lane's task queue."),
  maintenanceMaxConcurrent: intParam("MAINTENANCE_LANE_MAX_CONCURRENT", 4, "Concurrent dispatches of the maintenance lane's task queue."),
  maintenanceMaxPerSecond: intParam("MAINTENANCE_LANE_MAX_PER_SECOND", 5, "Dispatch rate of the maintenance lane's task queue."),
  taskMaxAttempts: intParam("TASK_MAX_ATTEMPTS", 5, "Cloud Tasks retries of one wake-up task."),
  watchdogIntervalMinutes: intParam("WATCHDOG_INTERVAL_MINUTES", 5, "Minutes between scheduled watchdog runs."),
  watchdogBudgetSeconds: intParam("WATCHDOG_BUDGET_SECONDS", 240, "Time budget of one watchdog run."),
  staleQueuedSeconds: intParam("WATCHDOG_STALE_QUEUED_SECONDS", 180, "A ready queued job older than this gets a new wake-up task."),
  applyEnabled: boolParam("CATALOG_APPLY_ENABLED", false, "Allow jobs in apply mode to write to the catalog."),
  maxRepairs: intParam("MAX_REPAIRS", 3, "LLM repair rounds for a plan that fails validation."),
  shardSize: intParam("ENRICH_SHARD_SIZE", 20, "Exercises per enrichment shard job."),
  enrichConcurrency: intParam("ENRICH_CONCURRENCY", 4, "Concurrent LLM calls inside one enrichment shard."),
  llmProvider: stringParam("LLM_PROVIDER", "fake", "fake (deterministic, no credentials) or vertex."),
  llmLocation: stringParam("LLM_LOCATION", "us-central1", "Vertex AI location."),
  llmFastModel: stringParam("LLM_FAST_MODEL", "gemini-2.5-flash", "Model for routine calls."),
  llmStrongModel: stringParam("LLM_STRONG_MODEL", "gemini-2.5-pro", "Model for use_pro_model and hard repairs."),
  llmTimeoutSeconds: intParam("LLM_TIMEOUT_SECONDS", 60, "Timeout of one LLM call."),
  llmPrices: stringParam(
    "LLM_PRICES_JSON",
    "",
    "JSON price table {model: {input_per_million, output_per_million}} overriding the defaults.",
  ),
  taskLocation: stringParam("TASKS_LOCATION", "us-central1", "Region of the Cloud Tasks queues and task functions."),
} as const;

export interface EngineConfig {
  leaseMs: number;
  heartbeatMs: number;
  lockRetryMs: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  staleQueuedMs: number;
  watchdogBudgetMs: number;
  watchdogIntervalMinutes: number;
  applyEnabled: boolean;
  maxRepairs: number;
  shardSize: number;
  enrichConcurrency: number;
  llm: {
    provider: "fake" | "vertex";
    location: string;
    fastModel: string;
    strongModel: string;
    timeoutMs: number;
    pricesJson: string;
  };
  taskLocation: string;
}

type Spec<T> = { param: { name: string }; defaultValue: T };

/**
 * A param's value when its environment variable is set (as the Functions runtime sets it from the
 * params), else its declared default. Parsed here rather than with `param.value()` so callers can
 * pass an environment of their own.
 */
function read<T extends number | boolean | string>(spec: Spec<T>, env: NodeJS.ProcessEnv): T {
  const raw = env[spec.param.name];
  if (raw === undefined || raw === "") return spec.defaultValue;
  if (typeof spec.defaultValue === "string") return raw as T;
  if (typeof spec.defaultValue === "boolean") {
    if (raw !== "true" && raw !== "false") throw new Error(`${spec.param.name} must be true or false, not "${raw}"`);
    return (raw === "true") as T;
  }
  const value = Number(raw);
  if (!Number.isInteger(value)) throw new Error(`${spec.param.name} must be an integer, not "${raw}"`);
  return value as T;
}

export function loadEngineConfig(env: NodeJS.ProcessEnv = process.env): EngineConfig {
  const provider = read(PARAMS.llmProvider, env);
  if (provider !== "fake" && provider !== "vertex") throw new Error(`LLM_PROVIDER must be "fake" or "vertex", not "${provider}"`);
  return {
    leaseMs: read(PARAMS.leaseSeconds, env) * 1000,
    heartbeatMs: read(PARAMS.heartbeatSeconds, env) * 1000,
    lockRetryMs: read(PARAMS.lockRetrySeconds, env) * 1000,
    backoffBaseMs: read(PARAMS.backoffBaseSeconds, env) * 1000,
    backoffMaxMs: read(PARAMS.backoffMaxSeconds, env) * 1000,
    staleQueuedMs: read(PARAMS.staleQueuedSeconds, env) * 1000,
    watchdogBudgetMs: read(PARAMS.watchdogBudgetSeconds, env) * 1000,
    watchdogIntervalMinutes: read(PARAMS.watchdogIntervalMinutes, env),
    applyEnabled: read(PARAMS.applyEnabled, env),
    maxRepairs: read(PARAMS.maxRepairs, env),
    shardSize: read(PARAMS.shardSize, env),
    enrichConcurrency: read(PARAMS.enrichConcurrency, env),
    llm: {
      provider,
      location: read(PARAMS.llmLocation, env),
      fastModel: read(PARAMS.llmFastModel, env),
      strongModel: read(PARAMS.llmStrongModel, env),
      timeoutMs: read(PARAMS.llmTimeoutSeconds, env) * 1000,
      pricesJson: read(PARAMS.llmPrices, env),
    },
    taskLocation: read(PARAMS.taskLocation, env),
  };
}
