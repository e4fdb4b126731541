import { ConfigError, PARAMS, configProblems, loadEngineConfig, watchdogSchedule } from "../../src/config";
import { toJobFailure } from "../../src/jobs/errors";
import { retryBackoff } from "../../src/jobs/queue";
import { backoffDelayMs } from "../../src/util/backoff";

describe("loadEngineConfig", () => {
  it("uses the declared defaults when nothing is set", () => {
    const config = loadEngineConfig({});
    expect(config).toMatchObject({
      leaseMs: 300_000,
      applyEnabled: false,
      maxRepairs: 3,
      shardSize: 20,
      enrichConcurrency: 4,
      llmProvider: "fake",
    });
  });

  it("reads params from the environment, durations in seconds as milliseconds", () => {
    const config = loadEngineConfig({ JOB_LEASE_SECONDS: "120", CATALOG_APPLY_ENABLED: "true", LLM_PROVIDER: "vertex", MAX_REPAIRS: "5" });
    expect(config).toMatchObject({ leaseMs: 120_000, applyEnabled: true, maxRepairs: 5, llmProvider: "vertex" });
  });

  it("has one param per setting, each with a unique name and a description", () => {
    const names = Object.values(PARAMS).map((spec) => spec.param.name);
    expect(new Set(names).size).toBe(names.length);
    expect(Object.keys(loadEngineConfig({})).sort()).toEqual(Object.keys(PARAMS).sort());
  });
});

describe("the retry backoff params", () => {
  // Operators read these descriptions at the deploy prompts.
  it("say what a retry waits: between half of the delay they set and all of it", () => {
    const [base, max] = [PARAMS.backoffBaseMs, PARAMS.backoffMaxMs];
    const policy = retryBackoff(base.defaultValue, max.defaultValue);
    const waits = (attempt: number) => [0, 1].map((random) => backoffDelayMs(attempt, policy, () => random));
    expect(waits(1)).toEqual([base.defaultValue / 2, base.defaultValue]);
    expect(waits(20)).toEqual([max.defaultValue / 2, max.defaultValue]);
    for (const { param } of [base, max]) expect(param.options.description).toMatch(/waits a random time between half of it and all of it/);
  });
});

describe("a param that does not parse", () => {
  it.each([
    ["JOB_LEASE_SECONDS", "soon", "leaseMs", /integer/],
    ["JOB_LEASE_SECONDS", "1e3", "leaseMs", /integer/],
    ["ENRICH_SHARD_SIZE", "0x10", "shardSize", /integer/],
    ["ENRICH_SHARD_SIZE", " ", "shardSize", /integer/],
    ["CATALOG_APPLY_ENABLED", "yes", "applyEnabled", /true or false/],
    ["LLM_PROVIDER", "openai", "llmProvider", /one of fake, vertex/],
    ["ENRICH_SHARD_SIZE", "500", "shardSize", /at most 100/],
    // Both would fail every scheduled job at its creation instead (a job's priority, the scan's payload).
    ["MAINTENANCE_SCAN_PRIORITY", "1001", "maintenanceScanPriority", /at most 1000/],
    ["QUALITY_SCAN_LIMIT", "2001", "qualityScanLimit", /at most 2000/],
    // The watchdog function would be cut off at its timeout before it writes its report.
    ["WATCHDOG_BUDGET_SECONDS", "481", "watchdogBudgetMs", /at most 480/],
    ["QUALITY_SCAN_SCHEDULE", "every night", "qualityScanSchedule", /five fields/],
    ["SCHEDULE_TIME_ZONE", "Berlin", "scheduleTimeZone", /IANA time zone/],
    // Each parses, but not together with the default lease of 300 s.
    ["JOB_HEARTBEAT_SECONDS", "300", "heartbeatMs", /must be at most half of JOB_LEASE_SECONDS \(300 s\)/],
    ["JOB_HEARTBEAT_SECONDS", "151", "heartbeatMs", /must be at most half of JOB_LEASE_SECONDS \(300 s\), not 151 s/],
  ] as const)("%s=%s loads, and reading that setting fails permanently with CONFIG_INVALID naming it", (name, value, key, reason) => {
    const config = loadEngineConfig({ [name]: value });
    expect(config.maxRepairs).toBe(3); // the other settings are fine
    let thrown: unknown;
    try {
      void config[key];
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    expect((thrown as Error).message).toMatch(name);
    expect((thrown as Error).message).toMatch(reason);
    expect(toJobFailure(thrown)).toMatchObject({ code: "CONFIG_INVALID", kind: "permanent" });
    expect(configProblems({ [name]: value }).map((problem) => problem.param)).toEqual([name]);
  });
});

describe("the watchdog schedule", () => {
  it("follows WATCHDOG_INTERVAL_MINUTES", () => {
    expect(watchdogSchedule({ WATCHDOG_INTERVAL_MINUTES: "7" })).toBe("every 7 minutes");
  });

  it("falls back to the default instead of breaking the functions' loading", () => {
    expect(watchdogSchedule({ WATCHDOG_INTERVAL_MINUTES: "often" })).toBe("every 5 minutes");
    expect(watchdogSchedule({ WATCHDOG_INTERVAL_MINUTES: "0" })).toBe("every 5 minutes");
  });
});
