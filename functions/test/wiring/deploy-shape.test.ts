/**
 * The deployed shape, checked without a cloud. The functions are built as the predeploy step builds
 * them (`npm run build`) and discovered the way `firebase deploy` discovers them: the CLI's own
 * Node.js runtime runs the SDK's `firebase-functions` binary against the built `lib/`, reads the
 * manifest it serves (`/__/functions.yaml`) and resolves its params from the deploy's
 * `functions/.env.<project>`. Every function the manifest declares must be in EXPECTED, so a new
 * function cannot reach production without its shape being written down here.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readFile, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { type Build, type ResolvedEndpoint, resolveBackend } from "firebase-tools/lib/deploy/functions/build";
import { Delegate } from "firebase-tools/lib/deploy/functions/runtimes/node";
import { loadFirebaseEnvs } from "firebase-tools/lib/functions/env";
import { PARAMS } from "../../src/config";
import { JOB_COLLECTIONS } from "../../src/jobs/collections";
import { SCAN_SCHEDULES, scheduledFunctionName } from "../../src/schedules/scans";
import { LANE_TASK_FUNCTION, LANE_TASK_TIMEOUT_SECONDS } from "../../src/tasks/lanes";
import { TEST_PROJECT_ID } from "../setup/project";

const run = promisify(execFile);
const FUNCTIONS_DIR = resolve(__dirname, "../..");
const PROJECT_DIR = resolve(FUNCTIONS_DIR, "..");
const FIREBASE_CONFIG = { projectId: TEST_PROJECT_ID, storageBucket: `${TEST_PROJECT_ID}.appspot.com` };

const TASKS_ACCOUNT = `catalog-tasks@${TEST_PROJECT_ID}.iam.gserviceaccount.com`;
/**
 * The deploy's functions/.env.<project>: values other than the defaults, so each expectation shows
 * that its field follows the param (or, for TASKS_SERVICE_ACCOUNT and the watchdog interval, the
 * environment the code is loaded in).
 */
const DEPLOY_ENV = {
  TASKS_SERVICE_ACCOUNT: TASKS_ACCOUNT,
  TASKS_LOCATION: "europe-west1",
  WATCHDOG_INTERVAL_MINUTES: "10",
  TASK_MAX_ATTEMPTS: "7",
  PRIORITY_LANE_MAX_CONCURRENT: "12",
  PRIORITY_LANE_MAX_PER_SECOND: "24",
  MAINTENANCE_LANE_MAX_CONCURRENT: "3",
  MAINTENANCE_LANE_MAX_PER_SECOND: "4",
  SCHEDULE_TIME_ZONE: "Europe/Berlin",
  QUALITY_SCAN_SCHEDULE: "15 5 * * 1-5",
  ALIAS_INVARIANT_SCAN_SCHEDULE_ENABLED: "false",
};

/**
 * What every function shares: 2nd gen in TASKS_LOCATION; the platform's defaults for memory
 * (256 MiB; the lane tasks' own below), instances, concurrency and ingress; the default runtime
 * service account; no secrets.
 */
const COMMON = {
  platform: "gcfv2",
  region: "europe-west1",
  availableMemoryMb: null,
  serviceAccount: null,
  minInstances: null,
  maxInstances: null,
  concurrency: null,
  ingressSettings: null,
  vpc: null,
  secretEnvironmentVariables: undefined,
};

function laneTask(limits: { maxConcurrent: number; maxPerSecond: number; minBackoffSeconds: number }) {
  return {
    timeoutSeconds: LANE_TASK_TIMEOUT_SECONDS,
    // LANE_TASK_MEMORY: a lane's dispatches may share one instance.
    availableMemoryMb: 1024,
    taskQueueTrigger: {
      retryConfig: {
        maxAttempts: 7,
        minBackoffSeconds: limits.minBackoffSeconds,
        maxBackoffSeconds: 600,
        maxDoublings: null,
        maxRetrySeconds: null,
      },
      rateLimits: { maxConcurrentDispatches: limits.maxConcurrent, maxDispatchesPerSecond: limits.maxPerSecond },
      // Deploy grants it the queue's enqueuer role and the function's invoker role.
      invoker: [TASKS_ACCOUNT],
    },
  };
}

/** A retry or cancel of a parent writes each of its children, a job's revert each of its changes: time for thousands of them. */
const CURATOR_ACTION = { timeoutSeconds: 540, callableTrigger: {} };

/**
 * A scan's scheduled producer: its cron schedule in SCHEDULE_TIME_ZONE, retried by Cloud Scheduler
 * (safe: one job per period whatever the deliveries). Switched off, it stays deployed.
 */
function scheduledScan(schedule: string) {
  return {
    timeoutSeconds: 60,
    scheduleTrigger: {
      schedule,
      timeZone: "Europe/Berlin",
      retryConfig: { retryCount: 3, minBackoffSeconds: 60 },
    },
  };
}

/** Every deployed function: its timeout (null: the platform's 60 s) and its trigger, as the CLI deploys them. */
const EXPECTED: Record<string, { timeoutSeconds: number | null } & Record<`${string}Trigger`, unknown>> = {
  onJobCreated: {
    timeoutSeconds: null,
    eventTrigger: {
      eventType: "google.cloud.firestore.document.v1.created.withAuthContext",
      eventFilters: { database: "(default)", namespace: "(default)" },
      eventFilterPathPatterns: { document: `${JOB_COLLECTIONS.jobs}/{jobId}` },
      retry: true,
    },
  },
  [LANE_TASK_FUNCTION.priority]: laneTask({ maxConcurrent: 12, maxPerSecond: 24, minBackoffSeconds: 10 }),
  [LANE_TASK_FUNCTION.maintenance]: laneTask({ maxConcurrent: 3, maxPerSecond: 4, minBackoffSeconds: 30 }),
  watchdog: {
    timeoutSeconds: 540,
    scheduleTrigger: { schedule: "every 10 minutes", timeZone: null, retryConfig: {} },
  },
  // The operator console's curator actions: callable by anyone signed in; each checks the claim itself.
  retryJob: CURATOR_ACTION,
  cancelJob: CURATOR_ACTION,
  revertChange: CURATOR_ACTION,
  revertJob: CURATOR_ACTION,
  "scans-maintenanceScan": scheduledScan("0 2 * * *"),
  "scans-aliasInvariantScan": scheduledScan("30 2 * * *"),
  "scans-duplicateDetectionScan": scheduledScan("0 3 * * 0"),
  "scans-qualityScan": scheduledScan("15 5 * * 1-5"),
};

/** The fields EXPECTED and COMMON speak about; any `…Trigger` field, so a changed trigger kind shows. */
function shapeOf(endpoint: ResolvedEndpoint): Record<string, unknown> {
  const keys = [...Object.keys(COMMON), "timeoutSeconds", ...Object.keys(endpoint).filter((key) => key.endsWith("Trigger"))];
  return Object.fromEntries(keys.map((key) => [key, endpoint[key]]));
}

/** Every param at the default the CLI would offer, then the deploy's own values: a non-interactive deploy needs them all. */
function completeEnv(build: Build): Record<string, string> {
  return { ...Object.fromEntries(build.params.map((param) => [param.name, String(param.default)])), ...DEPLOY_ENV };
}

let build: Build;
let deployed: Record<string, ResolvedEndpoint>;

beforeAll(async () => {
  await run("npm", ["run", "build"], { cwd: FUNCTIONS_DIR });
  const firebaseJson = JSON.parse(await readFile(join(PROJECT_DIR, "firebase.json"), "utf8")) as { functions: Array<{ runtime: string }> };
  const delegate = new Delegate(TEST_PROJECT_ID, PROJECT_DIR, FUNCTIONS_DIR, firebaseJson.functions[0].runtime);
  // The environment `firebase deploy` gives discovery (prepare.ts): the .env values, the Firebase envs, the quota project.
  build = await delegate.discoverBuild(
    { firebase: FIREBASE_CONFIG },
    { ...DEPLOY_ENV, ...loadFirebaseEnvs(FIREBASE_CONFIG, TEST_PROJECT_ID), GOOGLE_CLOUD_QUOTA_PROJECT: TEST_PROJECT_ID },
  );
  const { backend } = await resolveBackend({
    build,
    firebaseConfig: FIREBASE_CONFIG,
    userEnvs: completeEnv(build),
    nonInteractive: true,
    isEmulator: false,
  });
  deployed = Object.fromEntries(Object.values(backend.endpoints).flatMap((byId) => Object.entries(byId)));
}, 300_000);

describe("the deployed functions, as `firebase deploy` discovers them", () => {
  it("are exactly the functions of the expectation table", () => {
    expect(Object.keys(deployed).sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  it("hold one scheduled producer per scan of the schedules table, next to the watchdog", () => {
    const scheduled = Object.keys(deployed).filter((id) => deployed[id].scheduleTrigger !== undefined);
    expect(scheduled.sort()).toEqual(["watchdog", ...SCAN_SCHEDULES.map(scheduledFunctionName)].sort());
  });

  it.each(Object.keys(EXPECTED))("%s: trigger, region, memory, timeout, retries, rate limits, schedule, invoker, no secrets", (id) => {
    expect(deployed[id]).toBeDefined();
    expect(shapeOf(deployed[id])).toEqual({ ...COMMON, ...EXPECTED[id] });
  });

  it("declare every param of the config table and no other, none of them a secret, each with a description and a default", () => {
    expect(build.params.map((param) => param.name).sort()).toEqual(
      Object.values(PARAMS)
        .map((spec) => spec.param.name)
        .sort(),
    );
    for (const param of build.params) {
      expect(param.type).not.toBe("secret");
      expect(param.description).toEqual(expect.any(String));
      expect(param.default).toBeDefined();
    }
  });

  it("default to safe settings: apply off, the fake LLM, and the fake refused when deployed", () => {
    const defaults = Object.fromEntries(build.params.map((param) => [param.name, param.default]));
    expect(defaults).toMatchObject({ CATALOG_APPLY_ENABLED: false, LLM_PROVIDER: "fake", LLM_ALLOW_FAKE: false });
  });

  it("need the APIs of their triggers", () => {
    expect(build.requiredAPIs.map(({ api }) => api).sort()).toEqual(["cloudscheduler.googleapis.com", "cloudtasks.googleapis.com"]);
  });

  it("deploy non-interactively only with a value for every param in functions/.env.<project>", async () => {
    await expect(
      resolveBackend({ build, firebaseConfig: FIREBASE_CONFIG, userEnvs: DEPLOY_ENV, nonInteractive: true, isEmulator: false }),
    ).rejects.toThrow(/no value for the following environment variables: JOB_LEASE_SECONDS/);
  });
});

describe("the built functions with params that do not parse", () => {
  it("still load for discovery, and the watchdog and the scans keep their default schedules", async () => {
    const dir = await mkdtemp(join(tmpdir(), "deploy-shape-"));
    try {
      const manifestPath = join(dir, "functions.yaml");
      // The SDK's other discovery mode: write the manifest to a file and exit.
      const { stdout, stderr } = await run(join(FUNCTIONS_DIR, "node_modules/.bin/firebase-functions"), [FUNCTIONS_DIR], {
        cwd: FUNCTIONS_DIR,
        env: {
          PATH: process.env.PATH,
          ...loadFirebaseEnvs(FIREBASE_CONFIG, TEST_PROJECT_ID),
          FUNCTIONS_CONTROL_API: "true",
          FUNCTIONS_MANIFEST_OUTPUT_PATH: manifestPath,
          WATCHDOG_INTERVAL_MINUTES: "often",
          JOB_LEASE_SECONDS: "soon",
          LLM_PROVIDER: "openai",
          CATALOG_APPLY_ENABLED: "yes",
          MAINTENANCE_SCAN_SCHEDULE: "nightly",
          SCHEDULE_TIME_ZONE: "Atlantis/Capital",
        },
      });
      const manifest = JSON.parse(await readFile(manifestPath, "utf8")) as Build;
      expect(manifest.endpoints.watchdog).toMatchObject({ scheduleTrigger: { schedule: "every 5 minutes" } });
      expect(manifest.endpoints["scans-maintenanceScan"]).toMatchObject({ scheduleTrigger: { schedule: "0 2 * * *", timeZone: "UTC" } });
      expect(Object.keys(manifest.endpoints).sort()).toEqual(Object.keys(EXPECTED).sort());
      expect(stdout + stderr).toMatch(/WATCHDOG_INTERVAL_MINUTES must be an integer, not \\?"often\\?"/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("the build", () => {
  it("holds a module for every source module, the plain-JS helpers the local runtime starts as files of their own included", async () => {
    const modules = async (dir: string, pattern: RegExp) =>
      (await readdir(dir, { recursive: true }))
        .filter((file) => pattern.test(file) && !file.endsWith(".test.ts"))
        .map((file) => file.replace(/\.(ts|js)$/, ""))
        .sort();
    const sources = await modules(join(FUNCTIONS_DIR, "src"), /\.(ts|js)$/);
    expect(sources).toEqual(expect.arrayContaining(["local/trigger-receiver", "local/no-isolation-emulator"]));
    expect(await modules(join(FUNCTIONS_DIR, "lib"), /\.js$/)).toEqual(sources);
  });
});
