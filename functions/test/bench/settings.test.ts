/**
 * The benchmark's worker-path backlog takes BENCH_PRIORITIES priorities in turn (bench/settings.ts),
 * each a valid job priority.
 */
import { backlogPriority, benchSettings } from "../../bench/settings";
import { jobRequestSchema } from "../../src/jobs/model";

describe("the worker-path backlog's priorities", () => {
  it("takes five priorities in turn by default, as the README's table was measured", () => {
    const { priorities } = benchSettings({});
    expect(priorities).toBe(5);
    expect(Array.from({ length: 7 }, (_, i) => backlogPriority(i, priorities))).toEqual([0, 100, 200, 300, 400, 0, 100]);
  });

  it("puts every job at one priority with BENCH_PRIORITIES=1", () => {
    const { priorities } = benchSettings({ BENCH_PRIORITIES: "1" });
    expect(new Set(Array.from({ length: 10 }, (_, i) => backlogPriority(i, priorities)))).toEqual(new Set([0]));
  });

  it("goes up to the job model's highest priority and refuses more priorities than it has", () => {
    const { priorities } = benchSettings({ BENCH_PRIORITIES: "11" });
    const highest = backlogPriority(priorities - 1, priorities);
    expect(highest).toBe(1000);
    expect(jobRequestSchema.safeParse({ type: "FAMILY_AUDIT", payload: {}, priority: highest }).success).toBe(true);
    expect(() => benchSettings({ BENCH_PRIORITIES: "12" })).toThrow(
      "BENCH_PRIORITIES must be at most 11 (priorities 0 to 1000 by 100), got 12",
    );
    expect(() => benchSettings({ BENCH_PRIORITIES: "0" })).toThrow("BENCH_PRIORITIES must be a positive integer");
  });
});

describe("the scenarios a run takes", () => {
  it("refuses an unknown one, naming those there are", () => {
    expect(() => benchSettings({ BENCH_SCENARIOS: "worker,enrichment" })).toThrow(
      'BENCH_SCENARIOS: unknown scenario "enrichment" (the scenarios: worker, apply, client, race, watchdog, daily, shard, load)',
    );
  });
});

describe("the quick sizes", () => {
  it("take BENCH_QUICK=1 or true, and refuse a value neither on nor off rather than start a full run", () => {
    expect(benchSettings({ BENCH_QUICK: "true" }).quick).toBe(true);
    expect(benchSettings({ BENCH_QUICK: "1" }).jobs).toBe(40);
    expect(benchSettings({ BENCH_QUICK: "0" }, ["--quick"]).quick).toBe(true);
    expect(benchSettings({}).quick).toBe(false);
    expect(() => benchSettings({ BENCH_QUICK: "yes" })).toThrow('BENCH_QUICK must be 1 or true, 0 or false (unset: off), not "yes"');
  });
});

describe("the engine's log lines", () => {
  it("are kept by BENCH_LOGS=1 or true, and a value neither on nor off is refused rather than read as off", () => {
    expect(benchSettings({ BENCH_LOGS: "true" }).quick).toBe(false);
    expect(() => benchSettings({ BENCH_LOGS: "on" })).toThrow('BENCH_LOGS must be 1 or true, 0 or false (unset: off), not "on"');
  });
});
