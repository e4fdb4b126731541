/**
 * The official emulator `npm start` (and the tests) start runs in a process group of its own, so it
 * must not outlive the process that started it when that one exits without stopping it; and `npm start`
 * must not outlive an emulator it started that ends on its own, nor take its stop for such an end.
 */
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { officialJar } from "../../src/local/emulator";

const FUNCTIONS_DIR = join(__dirname, "..", "..");
const jar = officialJar();
const describeWithJar = existsSync(jar) ? describe : describe.skip;
if (!existsSync(jar)) process.stderr.write(`SKIPPED emulator exit: the official emulator jar is not at ${jar}\n`);

// Starts the emulator, prints its port, and exits at once without stopping it.
const STARTER = `
const { startOfficialEmulator } = require("./src/local/emulator");
void startOfficialEmulator({ projectId: "demo-exit" }).then((emulator) => {
  process.stdout.write(emulator.host.split(":")[1]);
  process.exit(0);
});
`;

/** The processes of the emulator started on `port` still running (their command lines name the port). */
function emulatorPids(port: string): number[] {
  return readdirSync("/proc")
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        const command = readFileSync(`/proc/${pid}/cmdline`, "utf8");
        return command.includes("CloudFirestore") && command.includes(`--port=${port}`);
      } catch {
        return false; // gone meanwhile
      }
    })
    .map(Number);
}

const emulatorRunning = (port: string) => emulatorPids(port).length > 0;

/** What `npm start` says on a Ctrl-C when it started its emulator itself. */
const STOPPING_WITH_ITS_EMULATOR =
  "stopping: running jobs stop at their next safe point, then the emulator this process started stops: its data is in memory " +
  "only, so every job goes with it (Ctrl-C again to stop at once)\n";

describeWithJar("the official emulator's process", () => {
  it("goes with the process that started it, when that one exits without stopping it", async () => {
    const port = await new Promise<string>((resolve, reject) => {
      const child = spawn(process.execPath, ["--import", "tsx", "-e", STARTER], {
        cwd: FUNCTIONS_DIR,
        env: { ...process.env, NODE_OPTIONS: "" },
        timeout: 90_000,
      });
      let out = "";
      let err = "";
      child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
      child.stderr.on("data", (chunk: Buffer) => (err += chunk.toString()));
      child.on("error", reject);
      child.on("close", () => (/^\d+$/.test(out) ? resolve(out) : reject(new Error(`no emulator port: ${out} ${err}`))));
    });
    const deadline = Date.now() + 10_000;
    while (emulatorRunning(port) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(emulatorRunning(port)).toBe(false);
  }, 120_000);
});

/**
 * `npm start` on an emulator of its own, in a project of the test's own, with no demo jobs; `imports`: modules Node
 * loads first (`--import`), after tsx.
 */
class LocalRuntimeProcess {
  readonly child: ChildProcessWithoutNullStreams;
  stdout = "";
  stderr = "";
  readonly exited: Promise<number | null>;

  constructor(imports: readonly string[] = []) {
    const { FIRESTORE_EMULATOR_HOST: _testEmulator, ...env } = process.env;
    const preloads = ["tsx", ...imports].flatMap((module) => ["--import", module]);
    this.child = spawn(process.execPath, [...preloads, join(FUNCTIONS_DIR, "src", "local", "main.ts")], {
      cwd: FUNCTIONS_DIR,
      env: { ...env, NODE_OPTIONS: "", GCLOUD_PROJECT: "demo-start-emulator-exit", DEMO_JOBS: "0" },
      timeout: 90_000,
    });
    this.child.stdout.on("data", (chunk: Buffer) => (this.stdout += chunk.toString()));
    this.child.stderr.on("data", (chunk: Buffer) => (this.stderr += chunk.toString()));
    this.exited = new Promise((resolve, reject) => {
      this.child.on("error", reject);
      this.child.on("close", resolve);
    });
  }

  /** Resolves once it says it runs; the pids of its emulator's processes. */
  async running(): Promise<number[]> {
    const deadline = Date.now() + 60_000;
    while (!this.stdout.includes("still running:")) {
      if (this.child.exitCode !== null || Date.now() > deadline)
        throw new Error(`npm start did not say it runs:\n${this.stdout}\n${this.stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return emulatorPids(this.emulatorPort!);
  }

  /** The port of its emulator, once its backend line names it. */
  private get emulatorPort(): string | undefined {
    return /^Firestore backend: .* at 127\.0\.0\.1:(\d+)$/m.exec(this.stdout)?.[1];
  }

  /** Resolves once `text` is on its stderr. */
  async said(text: string): Promise<void> {
    while (!this.stderr.includes(text)) await new Promise((resolve) => setTimeout(resolve, 50));
  }

  /** Resolves once `text` is on its stdout. */
  async printed(text: string): Promise<void> {
    while (!this.stdout.includes(text)) {
      if (this.child.exitCode !== null) throw new Error(`npm start exited before printing "${text}":\n${this.stdout}\n${this.stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Ends it and its emulator, whatever the test left of them. */
  cleanUp(): void {
    this.child.kill("SIGKILL");
    for (const pid of this.emulatorPort ? emulatorPids(this.emulatorPort) : []) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // gone meanwhile
      }
    }
  }
}

describeWithJar("npm start and the emulator it started", () => {
  let runtime: LocalRuntimeProcess;
  beforeEach(() => (runtime = new LocalRuntimeProcess()));
  afterEach(() => runtime.cleanUp());

  it("says at once, in one line, that the emulator ended on its own and its jobs with it, and exits 1", async () => {
    const [jvm] = await runtime.running();
    process.kill(jvm, "SIGKILL");
    const killedAt = Date.now();
    expect(await runtime.exited).toBe(1);
    expect(Date.now() - killedAt).toBeLessThan(5_000);
    expect(runtime.stderr).toBe(
      "the Firestore emulator this process started exited unexpectedly (signal SIGKILL): its data, every job, is gone; stopping\n",
    );
  }, 90_000);

  it("on Ctrl-C, says the jobs go with the emulator it stops, and takes that stop for none of its own", async () => {
    await runtime.running();
    runtime.child.kill("SIGINT");
    expect(await runtime.exited).toBe(0);
    expect(runtime.stderr).toBe(STOPPING_WITH_ITS_EMULATOR);
  }, 90_000);

  it("on a second Ctrl-C, says the emulator stops now with every job", async () => {
    // Stopped, the emulator holds up the stop in order (its SIGTERM waits, until the stop's SIGKILL 5 s on).
    const [jvm] = await runtime.running();
    process.kill(jvm, "SIGSTOP");
    runtime.child.kill("SIGINT");
    await runtime.said("stopping: ");
    runtime.child.kill("SIGINT");
    // The stop in order and the one at once end on the same emulator exit: either exits first.
    expect([0, 130]).toContain(await runtime.exited);
    expect(runtime.stderr.split("\n")).toEqual([
      "stopping: running jobs stop at their next safe point, then the emulator this process started stops: its data is in memory " +
        "only, so every job goes with it (Ctrl-C again to stop at once)",
      "stopping at once: the emulator this process started stops now: its data is in memory only, so every job goes with it",
      "",
    ]);
  }, 90_000);
});

/**
 * Loaded before `npm start`: holds its start-up at the registration of its create trigger (a request to the emulator)
 * until a Ctrl-C, then sends it once the emulator the stop stops refuses connections, as a start-up cut short does.
 */
const TRIGGER_REGISTRATION_HELD = `data:text/javascript,${encodeURIComponent(`
import { once } from "node:events";
const realFetch = globalThis.fetch;
globalThis.fetch = async (input, init) => {
  const url = new URL(String(input));
  if (!url.pathname.includes("/triggers/")) return realFetch(input, init);
  process.stdout.write("trigger registration held\\n");
  await once(process, "SIGINT");
  for (;;) {
    try {
      await realFetch(url.origin);
    } catch {
      return realFetch(input, init);
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
};
`)}`;

describeWithJar("npm start stopped while it starts", () => {
  let runtime: LocalRuntimeProcess | undefined;
  afterEach(() => runtime?.cleanUp());

  it("says only that it stops, nothing of the start-up the stop cut short, and exits 0", async () => {
    runtime = new LocalRuntimeProcess([TRIGGER_REGISTRATION_HELD]);
    await runtime.printed("trigger registration held");
    runtime.child.kill("SIGINT");
    expect(await runtime.exited).toBe(0);
    expect(runtime.stderr).toBe(STOPPING_WITH_ITS_EMULATOR);
  }, 90_000);
});
