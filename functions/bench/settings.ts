/**
 * The benchmark's settings, read from the environment. The defaults are the sizes (1,000
 * client jobs, 10,000 finished jobs, ...). BENCH_QUICK=1 or true (or `npm run bench -- --quick`) shrinks
 * them for a run of a few minutes; a BENCH_* variable set as well still wins.
 */
import { MAX_PRIORITY } from "../src/config";
import { readSwitch } from "../src/local/switches";

export const SCENARIO_NAMES = ["worker", "apply", "client", "race", "watchdog", "daily", "shard", "load"] as const;
type ScenarioName = (typeof SCENARIO_NAMES)[number];

export interface BenchSettings {
  /** The quick sizes (BENCH_QUICK=1 or --quick). */
  quick: boolean;
  /** Which scenarios run (BENCH_SCENARIOS, comma-separated; default all). "worker" includes the naive baseline. */
  scenarios: ScenarioName[];
  /** Unreported no-change jobs the engine runs first, to warm the emulator up; the naive pattern runs 40 of them (BENCH_WARMUP_JOBS; 0 skips). */
  warmUpJobs: number;
  /** No-change jobs per worker level, for the engine and the naive baseline alike (BENCH_JOBS). */
  jobs: number;
  /** Worker levels of the worker-path scenarios (BENCH_WORKERS). */
  workers: number[];
  /**
   * Priorities the worker-path backlogs (engine and naive) take in turn (`backlogPriority`: 0, 100, 200, ...;
   * BENCH_PRIORITIES). Each one's end is a point where every worker meets on its last jobs.
   */
  priorities: number;
  /**
   * Rounds of the no-change engine levels, run in turn (1, 4, 16; then 4, 16, 1; then 16, 1, 4; ...),
   * each level reporting its median round, so no level is measured only at one moment of the
   * emulator's life, nor always in the same place of a round (BENCH_ROUNDS).
   */
  rounds: number;
  /** One-operation apply jobs per worker level (BENCH_APPLY_JOBS). */
  applyJobs: number;
  /** Time limit of one worker level, engine or naive (BENCH_TIMEOUT_S). */
  levelTimeoutMs: number;
  /** Client-written jobs through the local runtime, per mode (BENCH_CLIENT_JOBS). */
  clientJobs: number;
  /** Jobs a second in the paced mode (BENCH_CLIENT_RATE). */
  clientRate: number;
  /**
   * Concurrent lane tasks of the local runtime's priority lane (BENCH_CLIENT_CONCURRENCY); unset, the
   * runtime's own: the deployed queue's PRIORITY_LANE_MAX_CONCURRENT default, 10.
   */
  clientConcurrency: number | undefined;
  /** Time limit of one client-path mode (BENCH_CLIENT_TIMEOUT_S). */
  clientTimeoutMs: number;
  /** Racing workers and races (BENCH_RACE_WORKERS, BENCH_RACE_ROUNDS). */
  raceWorkers: number;
  raceRounds: number;
  /** Finished jobs and expired leases the watchdog sweeps over (BENCH_WATCHDOG_FINISHED, BENCH_WATCHDOG_EXPIRED). */
  watchdogFinished: number;
  watchdogExpired: number;
  /** Run summaries of the day whose totals the daily scenario reads both ways (BENCH_DAILY_RUNS). */
  dailyRuns: number;
  /** Exercises of the enrichment shard, the fake LLM's latency, the shard concurrencies (BENCH_SHARD_SIZE, BENCH_LLM_LATENCY_MS, BENCH_SHARD_CONCURRENCY). */
  shardSize: number;
  llmLatencyMs: number;
  shardConcurrency: number[];
  /** Fresh processes timed per module (BENCH_LOAD_RUNS). */
  loadRuns: number;
  /** Where the JSON results go (BENCH_RESULTS), relative to the functions folder. */
  resultsFile: string;
}

function positiveInt(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer, got "${raw}"`);
  return value;
}

function intList(env: NodeJS.ProcessEnv, name: string, fallback: number[]): number[] {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  return raw.split(",").map((part) => positiveInt({ [name]: part.trim() }, name, 0));
}

const PRIORITY_STEP = 100;

/**
 * The priority of a worker-path backlog's `i`-th job: the backlog takes `priorities` priorities in
 * turn, as a real one has several, so workers must keep priority order while they spread out.
 */
export const backlogPriority = (i: number, priorities: number): number => (i % priorities) * PRIORITY_STEP;

/** The backlog's priorities stop at the job model's highest. */
function priorityCount(env: NodeJS.ProcessEnv): number {
  const priorities = positiveInt(env, "BENCH_PRIORITIES", 5);
  const most = Math.floor(MAX_PRIORITY / PRIORITY_STEP) + 1;
  if (priorities > most)
    throw new Error(`BENCH_PRIORITIES must be at most ${most} (priorities 0 to ${MAX_PRIORITY} by ${PRIORITY_STEP}), got ${priorities}`);
  return priorities;
}

function scenarioList(raw: string | undefined): ScenarioName[] {
  if (raw === undefined || raw === "") return [...SCENARIO_NAMES];
  return raw.split(",").map((name) => {
    const trimmed = name.trim();
    if (!(SCENARIO_NAMES as readonly string[]).includes(trimmed))
      throw new Error(`BENCH_SCENARIOS: unknown scenario "${trimmed}" (the scenarios: ${SCENARIO_NAMES.join(", ")})`);
    return trimmed as ScenarioName;
  });
}

/** The sizes a quick run shrinks; the worker levels, the race's 32 workers and the shard stay as the issue has them. */
const FULL = {
  warmUpJobs: 1000,
  jobs: 1000,
  rounds: 6,
  applyJobs: 100,
  clientJobs: 1000,
  clientRate: 50,
  raceRounds: 5,
  watchdogFinished: 10_000,
  dailyRuns: 2000,
  loadRuns: 15,
};
const QUICK: typeof FULL = {
  warmUpJobs: 20,
  jobs: 40,
  rounds: 1,
  applyJobs: 20,
  clientJobs: 100,
  clientRate: 25,
  raceRounds: 2,
  watchdogFinished: 1000,
  dailyRuns: 400,
  loadRuns: 5,
};

export function benchSettings(env: NodeJS.ProcessEnv, argv: readonly string[] = []): BenchSettings {
  // Refused, not read as off: BENCH_QUICK=yes would start a full run of half an hour.
  const quickSwitch = readSwitch("BENCH_QUICK", false, env);
  const problem = quickSwitch.problem ?? readSwitch("BENCH_LOGS", false, env).problem;
  if (problem) throw new Error(problem);
  const quick = quickSwitch.on || argv.includes("--quick");
  const sizes = quick ? QUICK : FULL;
  return {
    quick,
    scenarios: scenarioList(env.BENCH_SCENARIOS),
    warmUpJobs: env.BENCH_WARMUP_JOBS === "0" ? 0 : positiveInt(env, "BENCH_WARMUP_JOBS", sizes.warmUpJobs),
    jobs: positiveInt(env, "BENCH_JOBS", sizes.jobs),
    workers: intList(env, "BENCH_WORKERS", [1, 4, 16]),
    priorities: priorityCount(env),
    rounds: positiveInt(env, "BENCH_ROUNDS", sizes.rounds),
    applyJobs: positiveInt(env, "BENCH_APPLY_JOBS", sizes.applyJobs),
    levelTimeoutMs: positiveInt(env, "BENCH_TIMEOUT_S", 60) * 1000,
    clientJobs: positiveInt(env, "BENCH_CLIENT_JOBS", sizes.clientJobs),
    clientRate: positiveInt(env, "BENCH_CLIENT_RATE", sizes.clientRate),
    clientConcurrency: env.BENCH_CLIENT_CONCURRENCY ? positiveInt(env, "BENCH_CLIENT_CONCURRENCY", 0) : undefined,
    clientTimeoutMs: positiveInt(env, "BENCH_CLIENT_TIMEOUT_S", 120) * 1000,
    raceWorkers: positiveInt(env, "BENCH_RACE_WORKERS", 32),
    raceRounds: positiveInt(env, "BENCH_RACE_ROUNDS", sizes.raceRounds),
    watchdogFinished: positiveInt(env, "BENCH_WATCHDOG_FINISHED", sizes.watchdogFinished),
    watchdogExpired: positiveInt(env, "BENCH_WATCHDOG_EXPIRED", 10),
    dailyRuns: positiveInt(env, "BENCH_DAILY_RUNS", sizes.dailyRuns),
    shardSize: positiveInt(env, "BENCH_SHARD_SIZE", 20),
    llmLatencyMs: positiveInt(env, "BENCH_LLM_LATENCY_MS", 200),
    shardConcurrency: intList(env, "BENCH_SHARD_CONCURRENCY", [1, 4]),
    loadRuns: positiveInt(env, "BENCH_LOAD_RUNS", sizes.loadRuns),
    resultsFile: env.BENCH_RESULTS ?? "bench-results.json",
  };
}
