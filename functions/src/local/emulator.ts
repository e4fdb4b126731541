/**
 * Finds or starts a Firestore emulator for tests, the local runtime and the benchmark.
 * Order: an emulator already named by FIRESTORE_EMULATOR_HOST; the official Cloud Firestore
 * emulator jar (gcloud component); else the in-process `@firestore-emulator/server`, which has
 * NO transaction isolation, so callers must skip lease/race tests on it.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { connect, createServer } from "node:net";
import path from "node:path";

type EmulatorBackend = "official" | "external" | "no-isolation";

export interface RunningEmulator {
  host: string;
  backend: EmulatorBackend;
  /** Deletes every document of the project. */
  clearUrl: string;
  /** The URL that deletes every document of another project of the emulator (all of them on the in-process one). */
  clearUrlOf(projectId: string): string;
  /**
   * The port on this host the emulator delivers trigger events to (`EmulatorTriggers`), when this
   * process started it; an external or the in-process emulator delivers none.
   */
  triggerPort?: number;
  stop(): Promise<void>;
  /**
   * Calls `listener` once the emulator's process ends other than by `stop` (killed, out of memory), with how
   * it ended ("exit code 1", "signal SIGKILL"). An external emulator is no process of ours: never.
   */
  onUnexpectedExit(listener: (how: string) => void): void;
}

const DEFAULT_FIRESTORE_JAR = "/usr/lib/google-cloud-sdk/platform/cloud-firestore-emulator/cloud-firestore-emulator.jar";

/** True when the backend isolates transactions like production Firestore does. */
export function hasTransactionIsolation(backend: string | undefined): boolean {
  return backend === "official" || backend === "external";
}

function clearUrlFor(host: string, projectId: string): string {
  return `http://${host}/emulator/v1/projects/${projectId}/databases/(default)/documents`;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const address = srv.address();
      const port = typeof address === "object" && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** How `child` ended ("exit code 1", "signal SIGKILL"); null while it runs. */
function endOf(child: ChildProcess): string | null {
  if (child.signalCode !== null) return `signal ${child.signalCode}`;
  return child.exitCode !== null ? `exit code ${child.exitCode}` : null;
}

/** "emulator exited early (…)" once `child` ended, else null. */
function exitedEarly(child: ChildProcess): string | null {
  const ended = endOf(child);
  return ended === null ? null : `emulator exited early (${ended})`;
}

/** Waits for `url` to answer; `failed` says why the process serving it will not (it ended, or never started). */
async function waitForHttp(url: string, timeoutMs: number, failed: () => string | null): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const failure = failed();
    if (failure) throw new Error(failure);
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`emulator did not answer on ${url} within ${timeoutMs} ms`);
}

function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    // No pid: it never started (spawn failed), so no 'exit' comes.
    if (endOf(child) !== null || child.pid === undefined) return resolve();
    const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    // The jar runs in its own process group so its JVM children die with it.
    try {
      if (child.pid) process.kill(-child.pid, "SIGTERM");
    } catch {
      child.kill("SIGTERM");
    }
  });
}

/** `stop` and `onUnexpectedExit` of the emulator `child` runs. */
function controlsOf(child: ChildProcess): Pick<RunningEmulator, "stop" | "onUnexpectedExit"> {
  let stopped = false;
  return {
    stop: () => {
      stopped = true;
      return stopChild(child);
    },
    onUnexpectedExit: (listener) => {
      const report = () => {
        if (!stopped) listener(endOf(child) ?? "an unknown end");
      };
      if (endOf(child) !== null) queueMicrotask(report);
      else child.once("exit", report);
    },
  };
}

async function startOfficial(jar: string, projectId: string, triggers: boolean): Promise<RunningEmulator> {
  const port = await freePort();
  let triggerPort = triggers ? await freePort() : undefined;
  while (triggerPort === port) triggerPort = await freePort();
  const host = `127.0.0.1:${port}`;
  const args = ["-cp", jar, "com.google.cloud.datastore.emulator.firestore.CloudFirestore", "start", "--host=127.0.0.1", `--port=${port}`];
  // Where it posts trigger events; nothing is posted until a trigger is registered.
  if (triggerPort) args.push(`--functions_emulator=127.0.0.1:${triggerPort}`);
  const child = spawn("java", args, { stdio: ["ignore", "ignore", "pipe"], detached: true });
  // Unheard, a java that cannot be started (none on PATH) would crash this process with Node's own dump.
  let notStarted: string | null = null;
  child.once("error", (err: NodeJS.ErrnoException) => {
    notStarted =
      err.code === "ENOENT"
        ? "java was not found: the Firestore emulator jar needs Java 17 or newer on PATH (apt-get install openjdk-17-jre-headless)"
        : `java could not be started: ${err.message}`;
  });
  // In a process group of its own it outlives a parent that exits without stopping it (an uncaught
  // error, process.exit): 'exit' fires then, and the group goes with it. A SIGKILL of the parent still
  // leaves it (npm start handles SIGINT, SIGTERM and SIGHUP, and stops it in order).
  const killOnExit = () => {
    try {
      if (child.pid) process.kill(-child.pid, "SIGKILL");
    } catch {
      // already gone
    }
  };
  process.on("exit", killOnExit);
  child.once("exit", () => process.off("exit", killOnExit));
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  try {
    await waitForHttp(`http://${host}/`, 60_000, () => notStarted ?? exitedEarly(child));
  } catch (err) {
    await stopChild(child);
    throw new Error(stderr ? `${(err as Error).message}\n${stderr}` : (err as Error).message, { cause: err });
  }
  const clearUrlOf = (project: string) => clearUrlFor(host, project);
  return {
    host,
    backend: "official",
    clearUrl: clearUrlOf(projectId),
    clearUrlOf,
    triggerPort,
    ...controlsOf(child),
  };
}

/**
 * Starts the official emulator jar (`jar`, else FIRESTORE_EMULATOR_JAR or the gcloud component's
 * path) on a free port, with a trigger callback port when `triggers` is set.
 */
export async function startOfficialEmulator(options: EmulatorOptions): Promise<RunningEmulator> {
  const jar = officialJar(options);
  // The free port we picked can be taken before Java binds it: then try another one.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOfficial(jar, options.projectId, options.triggers === true);
    } catch (err) {
      if (attempt >= 3 || !/BindException|Address already in use/.test((err as Error).message)) throw err;
    }
  }
}

async function startNoIsolation(): Promise<RunningEmulator> {
  const port = await freePort();
  const clearPort = await freePort();
  const clearUrl = `http://127.0.0.1:${clearPort}/clear`;
  const script = path.join(__dirname, "no-isolation-emulator.js");
  const child = spawn(process.execPath, [script, String(port), String(clearPort)], {
    stdio: ["ignore", "inherit", "inherit"],
    detached: true,
  });
  await waitForHttp(`http://127.0.0.1:${clearPort}/`, 30_000, () => exitedEarly(child));
  return {
    host: `127.0.0.1:${port}`,
    backend: "no-isolation",
    // Its clear empties every project.
    clearUrl,
    clearUrlOf: () => clearUrl,
    ...controlsOf(child),
  };
}

export interface EmulatorOptions {
  projectId: string;
  /** Path of the official jar; defaults to FIRESTORE_EMULATOR_JAR or the gcloud component's path. */
  jar?: string;
  /**
   * Start the official jar with a trigger callback (`RunningEmulator.triggerPort`, answered by
   * `EmulatorTriggers`): `npm start` and the benchmark take jobs in through it. Off for the test
   * run's shared emulator, which stays as plain as the tests need it.
   */
  triggers?: boolean;
  log?: (line: string) => void;
}

/**
 * The emulators `npm start` and the CLI refuse to work on, within seconds, when the one named does not
 * answer (stopped, or gone with the `npm start` that started it): the Firestore client would retry an
 * unreachable one for minutes in silence. Beside the Firestore emulator the CLI's curators commands
 * need the Auth emulator, so it is not to be unset.
 */
const CHECKED_EMULATORS = {
  FIRESTORE_EMULATOR_HOST: { service: "Firestore", remedy: "start it, or unset the variable" },
  FIREBASE_AUTH_EMULATOR_HOST: { service: "Auth", remedy: "start it" },
};

type CheckedEmulator = keyof typeof CHECKED_EMULATORS;

/** That no emulator answers at `host`, where `variable` points. */
function noneAnswers(variable: CheckedEmulator, host: string): string {
  return `no ${CHECKED_EMULATORS[variable].service} emulator answers at ${host} (${variable})`;
}

/** The line to stop with when no emulator answers where `variable` points; null when one does, or it points nowhere. */
export async function unansweredEmulator(variable: CheckedEmulator): Promise<string | null> {
  const host = process.env[variable];
  if (!host || (await emulatorAnswers(host))) return null;
  return `${noneAnswers(variable, host)}: ${CHECKED_EMULATORS[variable].remedy}`;
}

/** How often a Firestore emulator found gone is asked whether it answers again. */
const OUTAGE_CHECK_MS = 2_000;

/**
 * The outages of the Firestore emulator at `host` (FIRESTORE_EMULATOR_HOST) that a long-running process (`npm start`)
 * lives through: a listener on a stopped emulator fails only after the client's own retries (a minute or two), with a
 * stack trace, and again after each time it is opened again. Asked when a listener fails, it tells an outage in one
 * line, once however many listeners fail during it; then it asks every OUTAGE_CHECK_MS whether the emulator answers,
 * and says when it does. A failure while the emulator answers is no outage: the caller reports it.
 */
export class EmulatorOutages {
  private down = false;
  private stopped = false;
  private checkTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly host: string,
    private readonly say: (line: string) => void = (line) => console.error(line),
  ) {}

  /** Reports `err`, a listener's failure, with `report`, unless no emulator answers: then it is the outage's. */
  listenerFailed(err: unknown, report: (err: unknown) => void): void {
    // Told already; the checks say when it answers again.
    if (this.down) return;
    void emulatorAnswers(this.host).then((answers) => (answers ? report(err) : this.outage()));
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.checkTimer);
  }

  private outage(): void {
    // Another listener's failure told it while this one's check was under way.
    if (this.down || this.stopped) return;
    this.down = true;
    this.say(`${noneAnswers("FIRESTORE_EMULATOR_HOST", this.host)}: the engine keeps retrying, and goes on once one answers there`);
    this.checkUntilAnswered();
  }

  private checkUntilAnswered(): void {
    this.checkTimer = setTimeout(() => {
      void emulatorAnswers(this.host).then((answers) => {
        if (this.stopped) return;
        if (!answers) return this.checkUntilAnswered();
        this.down = false;
        this.say(`the Firestore emulator at ${this.host} (FIRESTORE_EMULATOR_HOST) answers again`);
      });
    }, OUTAGE_CHECK_MS);
  }
}

/** Whether something accepts connections at `host` ("127.0.0.1:8080"), within `timeoutMs`. */
function emulatorAnswers(host: string, timeoutMs = 3_000): Promise<boolean> {
  const separator = host.lastIndexOf(":");
  const port = Number(host.slice(separator + 1));
  const hostname = host.slice(0, separator).replace(/^\[|\]$/g, "");
  if (separator < 0 || !Number.isInteger(port)) return Promise.resolve(false);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port });
    const settle = (answers: boolean) => {
      socket.destroy();
      resolve(answers);
    };
    socket.setTimeout(timeoutMs, () => settle(false));
    socket.once("connect", () => settle(true));
    socket.once("error", () => settle(false));
  });
}

/**
 * Where the official jar is looked for (it may be missing); an empty FIRESTORE_EMULATOR_JAR is unset, as an empty
 * FIRESTORE_EMULATOR_HOST is.
 */
export function officialJar(options: Pick<EmulatorOptions, "jar"> = {}): string {
  return options.jar ?? (process.env.FIRESTORE_EMULATOR_JAR || DEFAULT_FIRESTORE_JAR);
}

export async function startOrFindEmulator(options: EmulatorOptions): Promise<RunningEmulator> {
  const log = options.log ?? ((line: string) => console.log(line));
  const external = process.env.FIRESTORE_EMULATOR_HOST;
  if (external) {
    log(`Firestore backend: EXTERNAL emulator at ${external} (FIRESTORE_EMULATOR_HOST)`);
    const clearUrlOf = (project: string) => clearUrlFor(external, project);
    return {
      host: external,
      backend: "external",
      clearUrl: clearUrlOf(options.projectId),
      clearUrlOf,
      stop: async () => {},
      onUnexpectedExit: () => undefined,
    };
  }
  const jar = officialJar(options);
  if (existsSync(jar)) {
    const emulator = await startOfficialEmulator(options);
    log(`Firestore backend: OFFICIAL Cloud Firestore emulator (${jar}) at ${emulator.host}`);
    return emulator;
  }
  const emulator = await startNoIsolation();
  log(
    [
      "",
      "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!",
      `!! THE OFFICIAL CLOUD FIRESTORE EMULATOR JAR WAS NOT FOUND AT ${jar}`,
      "!! USING @firestore-emulator/server, WHICH HAS NO TRANSACTION ISOLATION.",
      "!! TESTS OF LEASES, LOCKS, RACES AND EXACTLY-ONCE APPLY ARE SKIPPED ON THIS BACKEND.",
      "!! Install the jar: apt-get install google-cloud-cli-firestore-emulator",
      "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!",
      "",
    ].join("\n"),
  );
  return emulator;
}

/**
 * The emulator refuses to clear while a transaction holds a lock (409, "Transaction lock timeout"),
 * e.g. one its client abandoned at a time limit, until it times that transaction out. It may also
 * fail a clear with a 500 (seen right after a listener's stream closed): that passes at once.
 */
const CLEAR_ATTEMPTS = 10;
const CLEAR_RETRY_MS: Record<number, number> = { 409: 5000, 500: 200 };

/** Deletes every document through the emulator's REST endpoint, waiting out abandoned transactions' locks. */
export async function clearEmulator(clearUrl: string, retryMs = CLEAR_RETRY_MS): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const res = await fetch(clearUrl, { method: "DELETE" });
    if (res.ok) return;
    const body = await res.text();
    const wait = retryMs[res.status];
    if (wait === undefined || attempt >= CLEAR_ATTEMPTS) throw new Error(`clearing the emulator failed: ${res.status} ${body}`);
    await new Promise((resolve) => setTimeout(resolve, wait));
  }
}
