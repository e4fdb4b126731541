import {
  FINAL_STATUSES,
  JOB_EVENTS,
  JOB_STATUSES,
  LEASABLE_STATUSES,
  OPEN_STATUSES,
  RETRYABLE_STATUSES,
  TRANSITIONS,
  WORKER_STATUSES,
  nextStatus,
} from "../../src/jobs/lifecycle";

describe("the lifecycle table", () => {
  it("lists each (status, event) pair once, with known statuses and events", () => {
    const pairs = TRANSITIONS.map((t) => `${t.from}:${t.event}`);
    expect(new Set(pairs).size).toBe(pairs.length);
    for (const t of TRANSITIONS) {
      expect(JOB_STATUSES).toContain(t.from);
      expect(JOB_STATUSES).toContain(t.to);
      expect(JOB_EVENTS).toContain(t.event);
    }
  });

  it("uses every event and reaches every status from a fresh queued job", () => {
    expect(new Set(TRANSITIONS.map((t) => t.event))).toEqual(new Set(JOB_EVENTS));
    const reached = new Set<string>(["queued"]);
    for (let grew = true; grew;) {
      grew = false;
      for (const t of TRANSITIONS) {
        if (reached.has(t.from) && !reached.has(t.to)) {
          reached.add(t.to);
          grew = true;
        }
      }
    }
    expect([...reached].sort()).toEqual([...JOB_STATUSES].sort());
  });

  it("derives the status groups the engine uses", () => {
    expect(LEASABLE_STATUSES).toEqual(["queued", "deferred"]);
    expect(WORKER_STATUSES).toEqual(["running"]);
    expect(FINAL_STATUSES).toEqual(["succeeded", "succeeded_dry_run", "needs_review", "deadletter", "failed", "cancelled"]);
    expect(OPEN_STATUSES).toEqual(["queued", "running", "deferred"]);
    expect(RETRYABLE_STATUSES).toEqual(["needs_review", "deadletter", "failed", "cancelled"]);
  });

  it("leads out of a final status only through an operator's retry, and never out of a success", () => {
    for (const status of FINAL_STATUSES) {
      const events = TRANSITIONS.filter((t) => t.from === status).map((t) => t.event);
      expect(events.every((event) => event === "operator_retry")).toBe(true);
    }
    expect(nextStatus("succeeded", "operator_retry")).toBeNull();
    expect(nextStatus("succeeded_dry_run", "operator_retry")).toBeNull();
  });

  it.each([
    ["queued", "succeed"],
    ["deferred", "defer"],
    ["running", "lease"],
    ["succeeded", "cancel"],
    ["failed", "retry"],
  ] as const)("has no step from %s on %s", (from, event) => {
    expect(nextStatus(from, event)).toBeNull();
  });

  it("sends a worker's outcome events where the worker expects them", () => {
    expect(nextStatus("running", "succeed")).toBe("succeeded");
    expect(nextStatus("running", "retry")).toBe("queued");
    expect(nextStatus("running", "defer")).toBe("deferred");
    expect(nextStatus("running", "recover_exhausted")).toBe("deadletter");
    expect(nextStatus("deferred", "lease")).toBe("running");
  });
});
