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
