/**
 * What a scheduled scan does when its time comes: create that period's job through the path every
 * producer uses (`submitJob`), or nothing, and log which and why. The deployed function, the local
 * runtime's timers and the CLI's `schedules run` all call `produceScheduledScan`.
 *
 * One job per scan and period: the job's id names both (`MAINTENANCE_SCAN@2026-12-01`), and
 * `createJob` creates a given id once, ever. So a duplicated or retried delivery finds the period's
 * job whether it is still open or long finished. (A dedup key could not promise this: its claim is
 * free again once its job finished.)
 *
 * A param the run reads that does not parse must not pass the period by unseen (the function would
 * fail, Cloud Scheduler retry it, and the period go without a job and without a trace where jobs
 * are): the period's id is created refused instead, failed CONFIG_INVALID naming each such param, as
 * intake refuses a client's document (`createRefusedJob`). Its retry is refused, as it holds no job
 * to run again; the period's next run that can build the job, such as `schedules run` once the
 * param is fixed, makes it in the refusal's place (`deleteRefusedJob`).
 */
import { type ConfigError, type EngineConfig, PARAMS, type Reading, readEvery } from "../config";
import type { Engine } from "../create-engine";
import { type SubmitResult, type WakeupOutcome, submitJob } from "../jobs/intake";
import * as logs from "../jobs/logs";
import type { CreateJobInput, Mode } from "../jobs/model";
import { periodKey } from "./period";
import { type ScanSchedule, scheduleOf } from "./scans";

export const SCHEDULER = "system:scheduler";

/**
 * `apply` only when both the catalog's apply gate and the scan's own param allow it. Both are read, so
 * that a scan's param that does not parse is found while the gate is shut, not once it opens.
 */
function scheduledMode(scan: ScanSchedule, config: EngineConfig): Mode {
  const [catalogApplies, scanApplies] = [config.applyEnabled, config[`${scan.key}Apply`]];
  return catalogApplies && scanApplies ? "apply" : "dry_run";
}

/** What a scan's scheduled run reads besides its schedule (see `scheduleOf`): its switch, and its job's mode, priority and payload. */
export function scheduledSettings(scan: ScanSchedule, config: EngineConfig) {
  return {
    enabled: readEvery(config, (c) => c[`${scan.key}Enabled`]),
    mode: readEvery(config, (c) => scheduledMode(scan, c)),
    priority: readEvery(config, (c) => c[`${scan.key}Priority`]),
    /** Without `mode`, which the job's payload gets from `mode`. */
    payload: readEvery(config, (c) => scan.payload(c)),
  };
}

/** The params that do not parse among `readings`, each once (CATALOG_APPLY_ENABLED is every scan's). */
export function invalidParams(readings: Iterable<Reading<unknown>>): ConfigError[] {
  const byParam = new Map<string, ConfigError>();
  for (const reading of readings) if (!reading.ok) for (const problem of reading.invalid) byParam.set(problem.param, problem);
  return [...byParam.values()];
}

function scheduledJobId(scan: ScanSchedule, period: string): string {
  return `${scan.type}@${period}`;
}

export type ScheduledRun =
  /** With `wakeupError` when the job is written but its wake-up task was not sent. */
  | ({ outcome: "created"; jobId: string; period: string; mode: Mode } & WakeupOutcome)
  /** The period's job was created before (a repeated delivery, or a run already made by hand). */
  | { outcome: "exists"; jobId: string; period: string }
  | { outcome: "disabled"; param: string }
  /**
   * Params it reads do not parse: the period's job was created refused (`created`), or it exists already, refused
   * by an earlier run (`refusal`: a run with the params fixed makes the job in its place) or the job itself.
   */
  | { outcome: "config_invalid"; jobId: string; period: string; created: boolean; refusal: boolean; invalid: ConfigError[] };

/** Creates the job of the period `scheduledAt` falls in, unless the scan is switched off or that job exists. */
export async function produceScheduledScan(engine: Engine, scan: ScanSchedule, scheduledAt: Date): Promise<ScheduledRun> {
  const { config } = engine;
  const fields = { scan: scan.type, scheduled_at: scheduledAt.toISOString() };
  const settings = scheduledSettings(scan, config);
  const { enabled, mode, priority, payload } = settings;
  // A switch that does not parse may be on: the period's refusal shows it, and is harmless if it was off.
  if (enabled.ok && !enabled.value) {
    const param = PARAMS[`${scan.key}Enabled`].param.name;
    logs.scheduledScanSwitchedOff(fields, param);
    return { outcome: "disabled", param };
  }
  const period = periodKey(scan.period, scheduledAt, scheduleOf(scan, config).timeZone);
  const jobId = scheduledJobId(scan, period);
  if (!(enabled.ok && mode.ok && priority.ok && payload.ok)) {
    const invalid = invalidParams(Object.values(settings));
    const found = await createRefusal(engine, scan, jobId, invalid);
    const created = found === "created";
    const params = invalid.map((problem) => problem.param);
    logs.scheduledScanParamsInvalid(fields, period, jobId, params, created);
    return { outcome: "config_invalid", jobId, period, created, refusal: found !== "job_exists", invalid };
  }
  const input: CreateJobInput = {
    id: jobId,
    type: scan.type,
    payload: { ...payload.value, mode: mode.value },
    priority: priority.value,
    created_by: SCHEDULER,
  };
  let result: SubmitResult = await submitJob(engine.queue, engine.tasks, input);
  // The period's refusal, written while a param did not parse, makes way for its job now that it can be built.
  if (!result.created && (await engine.queue.deleteRefusedJob(jobId, SCHEDULER))) {
    logs.scheduledScanRefusalReplaced(fields, period, jobId);
    result = await submitJob(engine.queue, engine.tasks, input);
  }
  if (!result.created) {
    logs.scheduledScanJobExists(fields, period, result.jobId);
    return { outcome: "exists", jobId: result.jobId, period };
  }
  logs.scheduledScanJobCreated(fields, period, result.jobId, mode.value);
  const { wakeupError } = result;
  return { outcome: "created", jobId: result.jobId, period, mode: mode.value, ...(wakeupError && { wakeupError }) };
}

/** The period's job, created refused CONFIG_INVALID with each param that does not parse named, unless the id holds one. */
function createRefusal(engine: Engine, scan: ScanSchedule, jobId: string, invalid: ConfigError[]) {
  const run = `catalog-jobs schedules run ${scan.type}`;
  return engine.queue.createRefusedJob(
    { id: jobId, type: scan.type, created_by: SCHEDULER },
    {
      code: invalid[0].code,
      message: `${invalid.map((problem) => problem.message).join("; ")}: the period's job could not be built`,
      details: {
        params: invalid.map((problem) => problem.param),
        instead:
          `fix the param${invalid.length > 1 ? "s" : ""}, then \`${run}\` makes the period's job in this one's place while the period ` +
          "lasts (a retry cannot: no job was built to run again)",
      },
    },
  );
}
