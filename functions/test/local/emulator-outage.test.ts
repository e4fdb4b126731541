/**
 * `npm start` on an external emulator (FIRESTORE_EMULATOR_HOST) that stops answering while it runs: its listeners
 * fail only after the Firestore client's own retries (a minute or two), and it says so in one line naming the
 * address, once for the outage, then that the emulator answers again once it does; and it goes on from there. The
 * emulator here is the test run's, behind a TCP proxy the test closes and opens again on the same port.
 */
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { type AddressInfo, type Server, type Socket, connect, createServer } from "node:net";
import { join } from "node:path";
import { type Firestore, Timestamp } from "firebase-admin/firestore";
import { JOB_COLLECTIONS } from "../../src/jobs/collections";
import { firestoreClient } from "../../src/firestore";
import { FUNCTIONS_DIR } from "../helpers/processes";

/** The test run's emulator, which the proxy passes connections on to. */
function testEmulator(): string {
  const host = process.env.FIRESTORE_EMULATOR_HOST;
  if (!host) throw new Error("the test run's emulator is not in FIRESTORE_EMULATOR_HOST");
  return host;
}

/** A TCP proxy to `target` on a port of this host: closed, nothing answers there; opened again, on the same port. */
class EmulatorProxy {
  port = 0;
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();

  constructor(private readonly target: string) {}

  async open(): Promise<void> {
    const separator = this.target.lastIndexOf(":");
    const [host, port] = [this.target.slice(0, separator), Number(this.target.slice(separator + 1))];
    const server = createServer((client) => {
      const upstream = connect({ host, port });
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on("close", () => this.sockets.delete(socket));
        socket.on("error", () => [client, upstream].forEach((end) => end.destroy()));
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => server.listen(this.port, "127.0.0.1", resolve));
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  /** Nothing answers any more: the port is closed and every connection through it cut. */
  async close(): Promise<void> {
    const closed = new Promise((resolve) => this.server?.close(resolve));
    this.sockets.forEach((socket) => socket.destroy());
    await closed;
  }
}

/** Waits until `done` holds, checking every 200 ms; fails naming `what`, with `output`, after `timeoutMs`. */
async function until(what: string, done: () => boolean, timeoutMs: number, output: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}:\n${output()}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe("npm start on an external emulator that stops answering while it runs", () => {
  const proxy = new EmulatorProxy(testEmulator());
  let child: ChildProcessWithoutNullStreams | undefined;
  let db: Firestore | undefined;
  afterEach(async () => {
    child?.kill("SIGKILL");
    await Promise.all([proxy.close(), db?.terminate()]);
  });

  it("says so once in one line naming the address, then that it answers again, and goes on taking in jobs", async () => {
    await proxy.open();
    const host = `127.0.0.1:${proxy.port}`;
    // A project of its own: the engine seeds the demo catalog there, not in the tests'.
    const project = `demo-start-outage-${process.pid}`;
    // No watchdog sweep during the outage: only the listeners meet it.
    const env = {
      NODE_OPTIONS: "",
      FIRESTORE_EMULATOR_HOST: host,
      GCLOUD_PROJECT: project,
      DEMO_JOBS: "0",
      WATCHDOG_INTERVAL_MINUTES: "59",
    };
    child = spawn(process.execPath, ["--import", "tsx", join(FUNCTIONS_DIR, "src", "local", "main.ts")], {
      cwd: FUNCTIONS_DIR,
      env: { ...process.env, ...env },
      timeout: 600_000,
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child!.on("close", resolve));
    const output = () => `${stdout}\n${stderr}`;
    await until("npm start to say it runs", () => stdout.includes("still running:"), 60_000, output);

    await proxy.close();
    const outage = `no Firestore emulator answers at ${host} (FIRESTORE_EMULATOR_HOST): the engine keeps retrying, and goes on once one answers there`;
    // The client retries a listener for about two minutes before it fails.
    await until("the outage's line", () => stderr.includes(outage), 240_000, output);
    await proxy.open();
    const back = `the Firestore emulator at ${host} (FIRESTORE_EMULATOR_HOST) answers again`;
    await until("the line saying it answers again", () => stderr.includes(back), 30_000, output);

    // Its listeners opened again: a job written now is taken in and runs, as the progress lines show.
    db = firestoreClient({ projectId: project }, `outage-${process.pid}`);
    const job = await db
      .collection(JOB_COLLECTIONS.jobs)
      .add({ type: "FAMILY_AUDIT", payload: { family_slug: "squat" }, status: "queued", created_at: Timestamp.now() });
    await until(
      "the job written after the outage to run",
      () => new RegExp(`succeeded_dry_run +FAMILY_AUDIT +${job.id}`).test(stdout),
      240_000,
      output,
    );

    child.kill("SIGINT");
    expect(await exited).toBe(0);
    expect(stderr.split("\n")).toEqual([
      outage,
      back,
      "stopping: running jobs stop at their next safe point and are queued again for the next start (Ctrl-C again to stop at once)",
      "",
    ]);
  }, 600_000);
});
