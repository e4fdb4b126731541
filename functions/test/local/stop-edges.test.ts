/**
 * `npm start` stopped by what surrounds it rather than by a Ctrl-C: its terminal closed, its output's reader gone
 * (`npm start | head`), a SIGTERM to the npm that runs it. Each stops it in order, its running job given back
 * (queued again, PROCESS_STOPPING) as a Ctrl-C gives it back. It works on the test run's emulator, an external one to
 * it, which keeps the jobs for the test to read.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Timestamp } from "firebase-admin/firestore";
import { JOB_COLLECTIONS } from "../../src/jobs/collections";
import { describeWithIsolation, useFirestore } from "../helpers/firestore";
import { FUNCTIONS_DIR } from "../helpers/processes";
import { waitFor } from "../helpers/runtime";

const db = useFirestore();

const ENTRY = join(FUNCTIONS_DIR, "src", "local", "main.ts");

/**
 * Loaded before `npm start`: each call of its fake LLM takes an hour (its simulated latency, which a stop cuts short as
 * it cuts a real call), so the job making it runs until asked to stop; each call says so, naming the engine's pid. A
 * call cut short ends `stopsAfterMs` later, as a real one may: the stop is under way for that long at least.
 */
const llmCallsHeld = (stopsAfterMs = 0) =>
  `data:text/javascript,${encodeURIComponent(`
import { createRequire } from "node:module";
const { FakeLlmClient } = createRequire(${JSON.stringify(ENTRY)})("../llm/fake");
const generateJson = FakeLlmClient.prototype.generateJson;
FakeLlmClient.prototype.generateJson = function (req) {
  this.options.latencyMs = 3_600_000;
  process.stdout.write("llm call held in " + process.pid + "\\n");
  return generateJson.call(this, req).catch((err) => new Promise((_, reject) => setTimeout(reject, ${stopsAfterMs}, err)));
};
`)}`;

/** The test run's emulator and project, with no demo jobs; without jest's NODE_OPTIONS (its VM-modules flag would warn). */
const ENV = { ...process.env, NODE_OPTIONS: "", DEMO_JOBS: "0" };

/** A process and its output so far. */
class Watched {
  stdout = "";
  stderr = "";
  /** Its exit code once it and every process holding its output ended (the stdio closed). */
  readonly closed: Promise<number | null>;

  constructor(readonly child: ChildProcess) {
    child.stdout?.on("data", (chunk: Buffer) => (this.stdout += chunk.toString()));
    child.stderr?.on("data", (chunk: Buffer) => (this.stderr += chunk.toString()));
    this.closed = new Promise((resolve, reject) => {
      child.on("error", reject);
      child.on("close", resolve);
    });
  }

  /** Resolves once `text` is on its stdout. */
  async printed(text: string): Promise<void> {
    const deadline = Date.now() + 60_000;
    while (!this.stdout.includes(text)) {
      if (Date.now() > deadline) throw new Error(`it did not print "${text}":\n${this.stdout}\n${this.stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Once it runs, submits an enrichment and resolves with the engine's pid once the job's LLM call is held. */
  async runningAHeldJob(): Promise<number> {
    await this.printed("still running:");
    // As a client app submits it; its one shard makes the LLM calls.
    await db.collection(JOB_COLLECTIONS.jobs).add({
      type: "CATALOG_ENRICH_FIELD",
      payload: {
        mode: "dry_run",
        enrichment_spec: { spec_id: "demo", spec_version: 1 },
        filter_criteria: { family_slug: "lateral_raise" },
      },
      status: "queued",
      created_at: Timestamp.now(),
    });
    await this.printed("llm call held in ");
    return Number(/llm call held in (\d+)/.exec(this.stdout)![1]);
  }
}

/** Whether process `pid` still runs (an exited one its parent has not reaped yet does not). */
function runs(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z /.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
}

function killIfRunning(pid: number | undefined): void {
  if (pid !== undefined && runs(pid)) process.kill(pid, "SIGKILL");
}

/** Ends every process of the group `leader` leads that is still there. */
function killGroup(leader: number): void {
  try {
    process.kill(-leader, "SIGKILL");
  } catch {
    // none left
  }
}

/** Resolves once no job runs and the one whose LLM call was held is queued again for the next start. */
async function heldJobGivenBack(): Promise<void> {
  const jobs = await waitFor(
    async () => (await db.collection(JOB_COLLECTIONS.jobs).get()).docs.map((doc) => doc.data()),
    (found) => found.every((job) => job.status !== "running"),
  );
  expect(jobs.filter((job) => job.status === "running")).toEqual([]);
  expect(jobs).toContainEqual(
    expect.objectContaining({
      type: "CATALOG_ENRICH_FIELD_SHARD",
      status: "queued",
      error: expect.objectContaining({ code: "PROCESS_STOPPING" }),
    }),
  );
}

/**
 * Python's pty module gives the engine a terminal of its own (it leads the session, the terminal its controlling one)
 * and copies what it writes there to stdout; the terminal goes when Python is killed. Once the engine ends, Python exits
 * with its exit code.
 */
const IN_A_TERMINAL = `
import os, pty, sys
pid, terminal = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], sys.argv[1:])
while True:
    try:
        output = os.read(terminal, 65536)
    except OSError:
        break
    if not output:
        break
    os.write(1, output)
sys.exit(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))
`;
const pythonWorks = spawnSync("python3", ["--version"]).status === 0;
if (!pythonWorks) process.stderr.write("SKIPPED closing npm start's terminal: no python3 to give it one\n");
const itInTerminal = pythonWorks ? it : it.skip;

describeWithIsolation("npm start stopped by what surrounds it", () => {
  let enginePid: number | undefined;
  let started: ChildProcess | undefined;
  afterEach(() => {
    killIfRunning(enginePid);
    started?.kill("SIGKILL");
    enginePid = started = undefined;
  });

  itInTerminal(
    "stops in order when its terminal closes, every write failing, and gives its running job back",
    async () => {
      // When the terminal goes, it gets the SIGHUP, and every write to the terminal fails (EIO).
      const terminal = new Watched(
        spawn("python3", ["-c", IN_A_TERMINAL, process.execPath, "--import", "tsx", "--import", llmCallsHeld(), ENTRY], {
          cwd: FUNCTIONS_DIR,
          env: ENV,
        }),
      );
      started = terminal.child;
      enginePid = await terminal.runningAHeldJob();
      terminal.child.kill("SIGKILL");
      await heldJobGivenBack();
      const pid = enginePid;
      expect(
        await waitFor(
          () => Promise.resolve(runs(pid)),
          (running) => !running,
        ),
      ).toBe(false);
    },
    90_000,
  );

  itInTerminal(
    "stops in order, and gives its running job back, when its terminal hangs up twice, as one closing under a shell does",
    async () => {
      // Its stop takes seconds, so the second hang-up comes while it runs, as it does when the terminal closes.
      const terminal = new Watched(
        spawn("python3", ["-c", IN_A_TERMINAL, process.execPath, "--import", "tsx", "--import", llmCallsHeld(3_000), ENTRY], {
          cwd: FUNCTIONS_DIR,
          env: ENV,
        }),
      );
      started = terminal.child;
      enginePid = await terminal.runningAHeldJob();
      // The shell hangs up its foreground job, and the kernel the terminal's process group: the second while the first's stop runs.
      process.kill(enginePid, "SIGHUP");
      await terminal.printed("stopping:");
      process.kill(enginePid, "SIGHUP");
      expect(await terminal.closed).toBe(0);
      expect(terminal.stdout).not.toContain("stopping at once");
      await heldJobGivenBack();
    },
    90_000,
  );

  it("runs on when the shell that started it in the background exits, its parent watched only under npm start", async () => {
    // As `node lib/local/main.js &` in a shell that then goes: the shell names the engine's pid and waits until killed.
    const shell = new Watched(
      spawn("sh", ["-c", '"$@" & echo "engine pid $!"; wait', "sh", process.execPath, "--import", "tsx", ENTRY], {
        cwd: FUNCTIONS_DIR,
        env: { ...ENV, npm_lifecycle_event: undefined },
      }),
    );
    started = shell.child;
    await shell.printed("still running:");
    enginePid = Number(/engine pid (\d+)/.exec(shell.stdout)![1]);
    shell.child.kill("SIGKILL");
    // Under npm start it would stop within a second of its parent's going.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect(shell.stderr).not.toContain("stopping:");
    expect(runs(enginePid)).toBe(true);
    // Its output closes once the engine, which holds it too, has ended. (A shell's background job ignores a Ctrl-C.)
    process.kill(enginePid, "SIGTERM");
    await shell.closed;
    expect(shell.stderr).toContain("stopping:");
  }, 90_000);

  it("goes on when its output's reader is gone, and a Ctrl-C still stops it in order and gives its running job back", async () => {
    const engine = new Watched(
      spawn(process.execPath, ["--import", "tsx", "--import", llmCallsHeld(), ENTRY], { cwd: FUNCTIONS_DIR, env: ENV }),
    );
    started = engine.child;
    enginePid = await engine.runningAHeldJob();
    // As `npm start | head` once head exits: every write fails (EPIPE).
    engine.child.stdout!.destroy();
    engine.child.stderr!.destroy();
    engine.child.kill("SIGINT");
    expect(await engine.closed).toBe(0);
    await heldJobGivenBack();
  }, 90_000);

  it("stops in order on a SIGTERM to the npm running it, as README runs it, though npm's shell passes it on to nobody", async () => {
    // In a process group of its own, so the test can end every process of it, the engine too should it be left.
    const npm = new Watched(spawn("npm", ["--prefix", "functions", "start"], { cwd: join(FUNCTIONS_DIR, ".."), env: ENV, detached: true }));
    started = npm.child;
    await npm.printed("still running:");
    npm.child.kill("SIGTERM");
    // Its output closes once the engine, which holds it too, has ended.
    let timer: NodeJS.Timeout | undefined;
    const ended = await Promise.race([npm.closed.then(() => true), new Promise((resolve) => (timer = setTimeout(resolve, 20_000, false)))]);
    clearTimeout(timer);
    killGroup(npm.child.pid!);
    expect(ended).toBe(true);
    expect(npm.stderr).toContain(
      "stopping: running jobs stop at their next safe point and are queued again for the next start (Ctrl-C again to stop at once)\n",
    );
    expect(npm.stderr).not.toContain("stopping at once");
  }, 90_000);
});
