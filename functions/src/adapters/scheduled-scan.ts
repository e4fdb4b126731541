/** A scan's scheduled function: the job of the period the event was scheduled for. */
import type { Engine } from "../create-engine";
import * as logs from "../jobs/logs";
import { type ScheduledRun, produceScheduledScan } from "../schedules/producer";
import type { ScanSchedule } from "../schedules/scans";

export interface ScheduleEvent {
  /** When the run was scheduled for (RFC 3339): the same for every delivery of one run. */
  scheduleTime: string;
}

export async function handleScheduledScan(engine: Engine, scan: ScanSchedule, event: ScheduleEvent): Promise<ScheduledRun> {
  let scheduledAt = new Date(event.scheduleTime);
  if (Number.isNaN(scheduledAt.getTime())) {
    logs.scheduleEventWithoutTime(scan.type, event);
    scheduledAt = engine.now();
  }
  return produceScheduledScan(engine, scan, scheduledAt);
}
