/**
 * What a scheduled scan does when its time comes: create that period's job through the path every
 * producer uses (`submitJob`), or nothing, and log which and why. The deployed function, the local
 * runtime's timers and the CLI's `schedules run` all call `produceScheduledScan`.
 *
 * One job per scan and period: the job's id names both (`MAINTENANCE_SCAN@2026-12-01`), and
 * `createJob` creates a given id once, ever. So a duplicated or retried delivery finds the period's
 * job whether it is still open or long finished. (A dedup key could not promise this: its claim is
 * free again once its job finished.)
 */
import { type EngineConfig, PARAMS } from "../config";
import type { Engine } from "../create-engine";
import { type WakeupOutcome, submitJob } from "../jobs/intake";
import type { Mode } from "../jobs/model";
import { log } from "../util/log";
import { periodKey } from "./period";
import { type ScanSchedule, scheduleOf } from "./scans";

export const SCHEDULER = "system:scheduler";

/** `apply` only when both the catalog's apply gate and the scan's own param allow it. */
export function scheduledMode(scan: ScanSchedule, config: EngineConfig): Mode {
  return config.applyEnabled && config[`${scan.key}Apply`] ? "apply" : "dry_run";
}

function scheduledJobId(scan: ScanSchedule, period: string): string {
  return `${scan.type}@${period}`;
}

export type ScheduledRun =
  /** With `wakeupError` when the job is written but its wake-up task was not sent. */
  | ({ outcome: "created"; jobId: string; period: string; mode: Mode } & WakeupOutcome)
  /** The period's job was created before (a repeated delivery, or a run already made by hand). */
  | { outcome: "exists"; jobId: string; period: string }
  | { outcome: "disabled"; param: string };

/** Creates the job of the period `scheduledAt` falls in, unless the scan is switched off or that job exists. */
export async function produceScheduledScan(engine: Engine, scan: ScanSchedule, scheduledAt: Date): Promise<ScheduledRun> {
  const { config } = engine;
  const fields = { scan: scan.type, scheduled_at: scheduledAt.toISOString() };
  if (!config[`${scan.key}Enabled`]) {
    const param = PARAMS[`${scan.key}Enabled`].param.name;
    log.info("scheduled scan is switched off: no job created", { ...fields, param });
    return { outcome: "disabled", param };
  }
  const period = periodKey(scan.period, scheduledAt, scheduleOf(scan, config).timeZone);
  const mode = scheduledMode(scan, config);
  const result = await submitJob(engine.queue, engine.tasks, {
    id: scheduledJobId(scan, period),
    type: scan.type,
    payload: { ...scan.payload(config), mode },
    priority: config[`${scan.key}Priority`],
    created_by: SCHEDULER,
  });
  if (!result.created) {
    log.info("scheduled scan already has its job for this period: none created", { ...fields, period, job_id: result.jobId });
    return { outcome: "exists", jobId: result.jobId, period };
  }
  log.info("scheduled scan created its job", { ...fields, period, job_id: result.jobId, mode });
  const { wakeupError } = result;
  return { outcome: "created", jobId: result.jobId, period, mode, ...(wakeupError && { wakeupError }) };
}
