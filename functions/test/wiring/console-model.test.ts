/**
 * The operator console is a package of its own (a browser bundle that must not pull in the engine),
 * so its model.ts restates the engine's names: collections, lanes, statuses, job types, the curator
 * claim, the default region of its functions and how long its curator callables may run, a day's
 * counters. This keeps the two from drifting apart: each list the console holds is derived here from
 * the engine's source.
 */
import * as consoleModel from "../../../console/src/model";
import { CURATOR_CLAIM } from "../../src/adapters/curators";
import { APPLY_COLLECTIONS } from "../../src/apply/collections";
import { CURATOR_ACTION_TIMEOUT_SECONDS, loadEngineConfig } from "../../src/config";
import { registry } from "../../src/handlers";
import { JOB_COLLECTIONS } from "../../src/jobs/collections";
import {
  ATTEMPT_STATUSES,
  FINAL_STATUSES,
  JOB_STATUSES,
  OPEN_STATUSES,
  RETRYABLE_STATUSES,
  WORKER_STATUSES,
  nextStatus,
} from "../../src/jobs/lifecycle";
import { LANES } from "../../src/jobs/model";
import { DAILY_BREAKDOWNS, DAILY_COUNTERS } from "../../src/jobs/run-history";

/** A status group compared as a set: the console may list it in its own order. */
const members = (list: readonly string[]) => [...list].sort();

describe("the console's model names what the engine has", () => {
  it("collections", () => {
    const { changes, ...jobCollections } = consoleModel.COLLECTIONS;
    expect(changes).toBe(APPLY_COLLECTIONS.changes);
    for (const [key, name] of Object.entries(jobCollections))
      expect([key, name]).toEqual([key, JOB_COLLECTIONS[key as keyof typeof jobCollections]]);
  });

  it("the curator claim", () => {
    expect(consoleModel.CURATOR_CLAIM).toBe(CURATOR_CLAIM);
  });

  it("the region of the functions when TASKS_LOCATION is not set", () => {
    expect(consoleModel.DEFAULT_FUNCTIONS_REGION).toBe(loadEngineConfig({}).taskLocation);
  });

  it("how long the curator callables may run, which the console waits past", () => {
    expect(consoleModel.CURATOR_ACTION_TIMEOUT_SECONDS).toBe(CURATOR_ACTION_TIMEOUT_SECONDS);
  });

  it("a day's counters, and its counts by type, status and mode", () => {
    expect(members(consoleModel.DAILY_COUNTERS)).toEqual(members(DAILY_COUNTERS));
    expect(members(consoleModel.DAILY_BREAKDOWNS)).toEqual(members(DAILY_BREAKDOWNS));
  });

  it("lanes and job types", () => {
    expect(consoleModel.LANES).toEqual(LANES);
    expect(members(consoleModel.JOB_TYPES)).toEqual(members(registry.types));
  });

  it("statuses, and which are open, final, retryable, held by a worker and cancellable", () => {
    expect(consoleModel.JOB_STATUSES).toEqual(JOB_STATUSES);
    expect(members(consoleModel.OPEN_STATUSES)).toEqual(members(OPEN_STATUSES));
    expect(members(consoleModel.FINAL_STATUSES)).toEqual(members(FINAL_STATUSES));
    expect(members(consoleModel.RETRYABLE_STATUSES)).toEqual(members(RETRYABLE_STATUSES));
    expect(members(consoleModel.WORKER_STATUSES)).toEqual(members(WORKER_STATUSES));
    // `JobQueue.cancelJob`: a job a worker holds is asked to stop; a waiting one is cancelled at once.
    const cancellable = JOB_STATUSES.filter((status) => WORKER_STATUSES.includes(status) || nextStatus(status, "cancel") !== null);
    expect(members(consoleModel.CANCELLABLE_STATUSES)).toEqual(members(cancellable));
    expect(members(consoleModel.ATTEMPT_STATUSES)).toEqual(members(ATTEMPT_STATUSES));
  });
});
