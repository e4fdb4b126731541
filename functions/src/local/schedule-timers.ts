/**
 * The scan schedules on timers, for the local runtime when asked (`RUN_SCHEDULES=1 npm start`): each
 * scan that is switched on fires at its cron times in SCHEDULE_TIME_ZONE and runs the producer the
 * deployed scheduled functions run, with the time it was scheduled for (so a period gets one job
 * here too). The schedules are read once, at start, as a deploy reads them.
 */
import type { Engine } from "../create-engine";
import { produceScheduledScan } from "../schedules/producer";
import { scheduleOf } from "../schedules/scans";
import { SCAN_SCHEDULES, type ScanSchedule } from "../schedules/scans";
import { nextRunTimes } from "../util/cron";

/** setTimeout's longest delay (about 24.8 days); a later run is waited for in steps. */
const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;

export class ScheduleTimers {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private stopped = false;

  constructor(
    private readonly engine: Engine,
    private readonly onError: (err: unknown, where: string) => void,
  ) {}

  /** Arms a timer for every scan that is switched on; a param that does not parse is reported and its scan left off. */
  start(): void {
    for (const scan of SCAN_SCHEDULES) {
      try {
        if (this.engine.config[`${scan.key}Enabled`]) this.armAfter(scan, this.engine.now());
      } catch (err) {
        this.onError(err, `schedule ${scan.type}`);
      }
    }
  }

  stop(): void {
    this.stopped = true;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  private armAfter(scan: ScanSchedule, after: Date): void {
    const { cron, timeZone } = scheduleOf(scan, this.engine.config);
    const [next] = nextRunTimes(cron, timeZone, after);
    if (next) this.waitFor(scan, next);
  }

  private waitFor(scan: ScanSchedule, scheduledAt: Date): void {
    if (this.stopped) return;
    const delay = Math.min(Math.max(scheduledAt.getTime() - this.engine.now().getTime(), 0), MAX_TIMER_DELAY_MS);
    const timer = setTimeout(() => {
      if (this.engine.now() < scheduledAt) return this.waitFor(scan, scheduledAt);
      produceScheduledScan(this.engine, scan, scheduledAt)
        .catch((err: unknown) => this.onError(err, `schedule ${scan.type}`))
        // From now, not from the time it was armed for: as Cloud Scheduler, a process that slept through runs does not make them up.
        .finally(() => this.armAfter(scan, new Date(Math.max(scheduledAt.getTime(), this.engine.now().getTime()))));
    }, delay);
    // A pending schedule alone does not keep the process alive.
    timer.unref();
    this.timers.set(scan.key, timer);
  }
}
