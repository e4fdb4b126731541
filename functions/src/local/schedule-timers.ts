/**
 * The scan schedules on timers, for the local runtime when asked (`RUN_SCHEDULES=1 npm start`): each
 * scan that is not switched off fires at its cron times in SCHEDULE_TIME_ZONE and runs the producer the
 * deployed scheduled functions run, with the time it was scheduled for (so a period gets one job
 * here too). The schedules are read once, at start, as a deploy reads them.
 */
import type { Engine } from "../create-engine";
import { produceScheduledScan, scheduledSettings } from "../schedules/producer";
import { SCAN_SCHEDULES, SCHEDULE_RETRY, type ScanSchedule, scheduleOf } from "../schedules/scans";
import { latestRunTime, nextRunTimes } from "../util/cron";

/**
 * How long a wait goes without reading the wall clock: a timer's delay runs on the monotonic clock, which
 * stops while the machine sleeps, so one timer for the whole wait would fire as much late as it slept.
 */
const WALL_CLOCK_CHECK_MS = 60_000;

export class ScheduleTimers {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private stopped = false;

  constructor(
    private readonly engine: Engine,
    private readonly onError: (err: unknown, where: string) => void,
    private readonly produce: (engine: Engine, scan: ScanSchedule, scheduledAt: Date) => Promise<unknown> = produceScheduledScan,
  ) {}

  /**
   * Arms a timer for every scan not switched off. A switch that does not parse may be on: its scan is armed, and each
   * of its runs refuses the period (`produceScheduledScan`), as the deployed function's do.
   */
  start(): void {
    for (const scan of SCAN_SCHEDULES) {
      const { enabled } = scheduledSettings(scan, this.engine.config);
      if (!enabled.ok || enabled.value) this.armAfter(scan, this.engine.now());
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
    const delay = Math.min(Math.max(scheduledAt.getTime() - this.engine.now().getTime(), 0), WALL_CLOCK_CHECK_MS);
    this.setTimer(scan, delay, () => {
      const now = this.engine.now();
      if (now < scheduledAt) return this.waitFor(scan, scheduledAt);
      this.run(scan, this.latestDue(scan, now) ?? scheduledAt, 0);
    });
  }

  /**
   * The cron time a run found due at `now` is for: the one waited for, or, when the machine slept past later
   * ones, the latest (the current period). The periods slept through are not made up, unlike Cloud Scheduler,
   * which would have run each: the local runtime is for development.
   */
  private latestDue(scan: ScanSchedule, now: Date): Date | undefined {
    const { cron, timeZone } = scheduleOf(scan, this.engine.config);
    return latestRunTime(cron, timeZone, now);
  }

  /** A failed run is tried again as Cloud Scheduler tries the deployed one (SCHEDULE_RETRY), then the next is armed. */
  private run(scan: ScanSchedule, scheduledAt: Date, retries: number): void {
    this.produce(this.engine, scan, scheduledAt).then(
      () => this.armNext(scan, scheduledAt),
      (err: unknown) => {
        this.onError(err, `schedule ${scan.type}`);
        if (this.stopped) return;
        if (retries >= SCHEDULE_RETRY.retryCount) return this.armNext(scan, scheduledAt);
        this.setTimer(scan, SCHEDULE_RETRY.minBackoffSeconds * 1000 * 2 ** retries, () => this.run(scan, scheduledAt, retries + 1));
      },
    );
  }

  /** From now, not from the time it ran for: the cron times that passed while it ran or was retried are not made up. */
  private armNext(scan: ScanSchedule, scheduledAt: Date): void {
    this.armAfter(scan, new Date(Math.max(scheduledAt.getTime(), this.engine.now().getTime())));
  }

  private setTimer(scan: ScanSchedule, delay: number, fire: () => void): void {
    if (this.stopped) return;
    const timer = setTimeout(fire, delay);
    // A pending schedule alone does not keep the process alive.
    timer.unref();
    this.timers.set(scan.key, timer);
  }
}
