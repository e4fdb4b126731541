/**
 * The local runtime stopped while it starts (Ctrl-C during `npm start`'s start-up) arms nothing
 * afterwards; and the listeners it and `npm start`'s progress lines hold are opened again after they fail.
 */
import { Query, type QuerySnapshot, Timestamp } from "firebase-admin/firestore";
import { JOB_COLLECTIONS } from "../../src/jobs/collections";
import { ScheduleTimers } from "../../src/local/schedule-timers";
import { type LocalRuntime, listenWithRetries } from "../../src/local/runtime";
import { testQueue } from "../helpers/engine";
import { useFirestore } from "../helpers/firestore";
import { registryWith } from "../helpers/registry";
import { testRuntime, waitFor } from "../helpers/runtime";

const db = useFirestore();
afterEach(() => jest.restoreAllMocks());

const originalGet = Object.getOwnPropertyDescriptor(Query.prototype, "get")!.value as (this: Query) => Promise<QuerySnapshot>;
/** The calls of setInterval that arm a watchdog every 60 s (the Firestore client arms intervals of its own). */
const watchdogIntervals = (intervals: jest.SpyInstance) => intervals.mock.calls.filter((call) => call[1] === 60_000);

const originalOnSnapshot = Object.getOwnPropertyDescriptor(Query.prototype, "onSnapshot")!.value as (
  this: Query,
  ...args: Parameters<Query["onSnapshot"]>
) => () => void;

describe("a runtime stopped while it starts", () => {
  let runtime: LocalRuntime | undefined;
  afterEach(async () => {
    await runtime?.stop();
    runtime = undefined;
  });

  it("arms no watchdog or schedule timer and sends no wake-up once its read of the deferred jobs returns", async () => {
    // A deferred job, whose wake-up start would send.
    const queue = testQueue(db);
    const { jobId } = await queue.createJob({ type: "FAMILY_AUDIT", payload: { family_slug: "squat" }, created_by: "test" });
    await db.collection(JOB_COLLECTIONS.jobs).doc(jobId).update({ status: "deferred" });

    // The read of the deferred jobs (start's only query read without triggers) waits until released.
    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => (release = resolve));
    let reading = false;
    jest.spyOn(Query.prototype, "get").mockImplementationOnce(function (this: Query) {
      reading = true;
      return released.then(() => originalGet.call(this));
    });
    const intervals = jest.spyOn(global, "setInterval");
    const scheduleStarts = jest.spyOn(ScheduleTimers.prototype, "start");

    runtime = testRuntime(db, registryWith({}), { watchdogIntervalMs: 60_000, schedules: true });
    const started = runtime.start();
    await waitFor(
      () => Promise.resolve(reading),
      (value) => value,
    );
    await runtime.stop();
    release();
    await started;

    expect(watchdogIntervals(intervals)).toEqual([]);
    expect(scheduleStarts).not.toHaveBeenCalled();
    expect(runtime.tasks.accepted).toEqual([]);
    expect(runtime.tasks.scheduledCount).toBe(0);
  });

  it("resolves its start when stopped before its listener's first snapshot", async () => {
    jest.spyOn(Query.prototype, "onSnapshot").mockImplementationOnce(() => () => undefined); // delivers nothing
    const intervals = jest.spyOn(global, "setInterval");
    runtime = testRuntime(db, registryWith({}), { watchdogIntervalMs: 60_000 });
    const started = runtime.start();
    await runtime.stop();
    await started;
    expect(watchdogIntervals(intervals)).toEqual([]);
  }, 10_000);
});

describe("listenWithRetries", () => {
  it("reports a listener that failed, opens it again, and delivers what was written meanwhile", async () => {
    const since = Timestamp.now();
    const query = db.collection(JOB_COLLECTIONS.jobs).where("created_at", ">=", since);
    let failListener: ((err: Error) => void) | undefined;
    const opened = jest.spyOn(Query.prototype, "onSnapshot").mockImplementationOnce(function (this: Query, onNext, onError) {
      const unsubscribe = originalOnSnapshot.call(this, onNext, onError);
      failListener = (err) => {
        unsubscribe();
        onError?.(err);
      };
      return unsubscribe;
    });
    const seen = new Set<string>();
    const errors: string[] = [];
    const stop = listenWithRetries(
      query,
      (snap) => snap.docChanges().forEach((change) => seen.add(change.doc.id)),
      (err) => errors.push(String(err)),
    );
    try {
      await db.collection(JOB_COLLECTIONS.jobs).doc("before").set({ created_at: Timestamp.now() });
      await waitFor(
        () => Promise.resolve(seen.has("before")),
        (value) => value,
      );
      failListener!(new Error("injected: the listen stream ended for good"));
      await db.collection(JOB_COLLECTIONS.jobs).doc("during").set({ created_at: Timestamp.now() });
      await waitFor(
        () => Promise.resolve(seen.has("during")),
        (value) => value,
      );
      expect([...seen].sort()).toEqual(["before", "during"]);
      expect(errors).toEqual(["Error: injected: the listen stream ended for good"]);
      expect(opened).toHaveBeenCalledTimes(2);
    } finally {
      stop();
    }
  });

  it("opens nothing again once stopped while it waits to", async () => {
    let failListener: ((err: Error) => void) | undefined;
    const opened = jest.spyOn(Query.prototype, "onSnapshot").mockImplementation((_onNext, onError) => {
      failListener = (err) => onError?.(err);
      return () => undefined;
    });
    const stop = listenWithRetries(
      db.collection(JOB_COLLECTIONS.jobs),
      () => undefined,
      () => undefined,
    );
    failListener!(new Error("injected"));
    stop();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(opened).toHaveBeenCalledTimes(1);
  });
});
