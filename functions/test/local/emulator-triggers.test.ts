/**
 * The local runtime's intake through the emulator's trigger callback (`EmulatorTriggers`), as
 * `npm start` and the benchmark run it: an official emulator of this file's own, started with
 * `--functions_emulator` (the run's shared emulator stays without it), posts each created job
 * document here, as the Emulator Suite's functions emulator receives it.
 */
import { deleteApp, getApp } from "firebase-admin/app";
import { type CollectionReference, type Firestore, Timestamp } from "firebase-admin/firestore";
import { firestoreClient, forgetFirestoreClient } from "../../src/firestore";
import { JOB_COLLECTIONS } from "../../src/jobs/collections";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { type AddressInfo, createServer } from "node:net";
import type { Worker } from "node:worker_threads";
import { clearEmulator, officialJar, type RunningEmulator, startOfficialEmulator } from "../../src/local/emulator";
import { EmulatorTriggers } from "../../src/local/emulator-triggers";
import type { LocalRuntime } from "../../src/local/runtime";
import { registryWith } from "../helpers/registry";
import { testRuntime, waitFor } from "../helpers/runtime";
import { TEST_PROJECT_ID } from "../setup/project";

const APP_NAME = "emulator-triggers-test";
const jar = officialJar();

/** Only the official emulator delivers trigger events. */
const describeWithTriggers = existsSync(jar) ? describe : describe.skip;
if (!existsSync(jar)) process.stderr.write(`SKIPPED emulator triggers: the official emulator jar is not at ${jar}\n`);

describeWithTriggers("intake through the emulator's create trigger", () => {
  let emulator: RunningEmulator;
  let db: Firestore;
  let jobs: CollectionReference;
  let triggers: EmulatorTriggers;
  let runtime: LocalRuntime | undefined;
  const runs: string[] = [];
  const registry = registryWith({
    FAMILY_AUDIT: {
      run({ job }) {
        runs.push(job.id);
        return Promise.resolve({ kind: "completed", status: "succeeded_dry_run", summary: {} });
      },
    },
  });
  const start = async () => {
    runtime = testRuntime(db, registry, { triggers });
    await runtime.start();
    return runtime;
  };
  const statusesOf = async (ids: string[]) =>
    (await db.getAll(...ids.map((id) => jobs.doc(id)))).map((doc) => doc.get("status") as unknown);
  const clientJob = (extra: Record<string, unknown> = {}) => ({ type: "FAMILY_AUDIT", payload: { family_slug: "row" }, ...extra });

  beforeAll(async () => {
    emulator = await startOfficialEmulator({ projectId: TEST_PROJECT_ID, triggers: true });
    // The client is bound to the emulator named when it is made: this file's own.
    const shared = process.env.FIRESTORE_EMULATOR_HOST;
    process.env.FIRESTORE_EMULATOR_HOST = emulator.host;
    try {
      db = firestoreClient({ projectId: TEST_PROJECT_ID }, APP_NAME);
    } finally {
      process.env.FIRESTORE_EMULATOR_HOST = shared;
    }
    jobs = db.collection(JOB_COLLECTIONS.jobs);
    triggers = await EmulatorTriggers.listen(emulator.host, emulator.triggerPort ?? 0, TEST_PROJECT_ID);
  }, 90_000);
  beforeEach(async () => {
    await clearEmulator(emulator.clearUrl);
    runs.length = 0;
  });
  afterEach(async () => {
    await runtime?.stop();
    runtime = undefined;
  });
  afterAll(async () => {
    await triggers?.close();
    forgetFirestoreClient(APP_NAME);
    await deleteApp(getApp(APP_NAME)).catch(() => undefined);
    await emulator?.stop();
  });

  it("takes in and runs a client's document, with or without a status, from the delivered snapshot alone", async () => {
    const started = await start();
    const intakes = jest.spyOn(started.engine, "intake");
    const [withStatus, withoutStatus] = await Promise.all([
      jobs.add(clientJob({ status: "queued", created_at: Timestamp.now() })),
      jobs.add(clientJob()),
    ]);
    const ids = [withStatus.id, withoutStatus.id];
    const statuses = await waitFor(
      () => statusesOf(ids),
      (all) => all.every((status) => status === "succeeded_dry_run"),
    );
    expect(statuses).toEqual(["succeeded_dry_run", "succeeded_dry_run"]);
    expect(runs.sort()).toEqual([...ids].sort());
    // Intake worked from the event's snapshot: it was never handed a bare id to read.
    expect(intakes.mock.calls.map(([delivered]) => typeof delivered)).toEqual(["object", "object"]);
    expect((await jobs.doc(withoutStatus.id).get()).data()).toMatchObject({ created_by: "local-client", attempts: 1, queue: "priority" });
  });

  // Generous: the emulator of this file is a second JVM beside the run's, on a machine that may be busy.
  const BURST_LIMIT_MS = 120_000;
  it(
    "runs every job of a burst once",
    async () => {
      await start();
      const refs = await Promise.all(Array.from({ length: 60 }, (_, i) => jobs.add(clientJob({ status: "queued", priority: i % 3 }))));
      const ids = refs.map((ref) => ref.id);
      const statuses = await waitFor(
        () => statusesOf(ids),
        (all) => all.every((status) => status === "succeeded_dry_run"),
        BURST_LIMIT_MS,
      );
      // Names the jobs still open after the limit, with the status each had.
      const open = ids.flatMap((id, i) => (statuses[i] === "succeeded_dry_run" ? [] : [`${id}: ${String(statuses[i])}`]));
      expect(open).toEqual([]);
      expect(runs.sort()).toEqual([...ids].sort());
    },
    BURST_LIMIT_MS + 30_000,
  );

  it("at start, takes in the jobs that were written while no runtime ran", async () => {
    const waiting = await jobs.add(clientJob({ status: "queued" }));
    await start();
    await waitFor(
      () => statusesOf([waiting.id]),
      ([status]) => status === "succeeded_dry_run",
    );
    expect(runs).toEqual([waiting.id]);
  });

  it("starts a receiver thread that died again, and takes in the jobs created while none answered", async () => {
    await start();
    // The thread's death, played by ending it from here (its own code cannot be made to fail).
    const receiver = (triggers as unknown as { hub: { receiver: Worker } }).hub.receiver;
    const stderr = jest.spyOn(console, "error").mockImplementation(() => undefined);
    const died = new Promise((resolve) => receiver.once("exit", resolve));
    await receiver.terminate();
    await died;
    // Until the jobs below were posted and a new thread failed to start, the port refuses every delivery.
    let refused = 0;
    const blocker = createServer((socket) => {
      refused++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => blocker.listen(emulator.triggerPort, "127.0.0.1", resolve));
    const during = await Promise.all(Array.from({ length: 3 }, () => jobs.add(clientJob({ status: "queued" }))));
    const messages = () => stderr.mock.calls.map(([message]) => String(message));
    const failedStart = "[triggers] the receiver thread could not start again; next try in 2 s:";
    await waitFor(
      () => Promise.resolve(refused),
      (count) => count >= during.length && messages().includes(failedStart),
    );
    expect(refused).toBeGreaterThanOrEqual(during.length);
    expect(messages()).toEqual(["[triggers] the receiver thread stopped (exit code 1); starting it again in 1 s", failedStart]);
    await new Promise((resolve) => blocker.close(resolve));
    const after = await waitFor(
      () => statusesOf(during.map((ref) => ref.id)),
      (all) => all.every((status) => status === "succeeded_dry_run"),
    );
    expect(after).toEqual(during.map(() => "succeeded_dry_run"));
    stderr.mockRestore();
    // And the new thread delivers what is created from now on.
    const later = await jobs.add(clientJob({ status: "queued" }));
    await waitFor(
      () => statusesOf([later.id]),
      ([status]) => status === "succeeded_dry_run",
    );
    expect(runs.sort()).toEqual([...during.map((ref) => ref.id), later.id].sort());
  });

  it("answers each delivery from a thread of its own, while the engine's is busy", async () => {
    const delivered: string[] = [];
    const unsubscribe = await triggers.onCreate(
      db,
      "receiver_probe",
      (snap) => delivered.push(snap.id),
      () => undefined,
    );
    const now = new Date().toISOString();
    const name = `projects/${TEST_PROJECT_ID}/databases/(default)/documents/receiver_probe/probe-1`;
    const event = { data: { value: { name, fields: {}, createTime: now, updateTime: now } } };
    const url = `http://127.0.0.1:${emulator.triggerPort}/functions/projects/${TEST_PROJECT_ID}/triggers/receiver_probe-created`;
    // The emulator's part, played by a child process; spawnSync holds this thread until the child has
    // its answer, so only a receiver on another thread can give it one (the child gives up after 5 s).
    const post = `fetch(process.argv[1], { method: "POST", body: process.argv[2] }).then((r) => process.exit(r.ok ? 0 : 2), () => process.exit(3))`;
    const child = spawnSync(process.execPath, ["-e", post, url, JSON.stringify(event)], { timeout: 5000 });
    expect(child.status).toBe(0);
    // The event itself reaches this thread once it is free again.
    await waitFor(
      () => Promise.resolve(delivered),
      (ids) => ids.length > 0,
    );
    unsubscribe();
    expect(delivered).toEqual(["probe-1"]);
  });

  it("delivers another project's creates to that project's subscribers only (forProject)", async () => {
    const otherProject = `${TEST_PROJECT_ID}-other`;
    const otherApp = `${APP_NAME}-other`;
    const shared = process.env.FIRESTORE_EMULATOR_HOST;
    process.env.FIRESTORE_EMULATOR_HOST = emulator.host;
    let other: Firestore;
    try {
      other = firestoreClient({ projectId: otherProject }, otherApp);
    } finally {
      process.env.FIRESTORE_EMULATOR_HOST = shared;
    }
    const seen = { here: [] as string[], there: [] as string[] };
    const clientOf = (snap: { ref: { firestore: Firestore } }) => (snap.ref.firestore === other ? "other" : "db");
    const unsubscribeHere = await triggers.onCreate(
      db,
      "project_probe",
      (snap) => seen.here.push(`${snap.id} ${clientOf(snap)}`),
      () => undefined,
    );
    const unsubscribeThere = await triggers.forProject(otherProject).onCreate(
      other,
      "project_probe",
      (snap) => seen.there.push(`${snap.id} ${clientOf(snap)}`),
      () => undefined,
    );
    try {
      await other.collection("project_probe").doc("there-1").create({ n: 1 });
      await db.collection("project_probe").doc("here-1").create({ n: 1 });
      await waitFor(
        () => Promise.resolve(seen),
        ({ here, there }) => here.length > 0 && there.length > 0,
      );
      // Each snapshot is made by its own project's client.
      expect(seen).toEqual({ here: ["here-1 db"], there: ["there-1 other"] });
    } finally {
      unsubscribeHere();
      unsubscribeThere();
      forgetFirestoreClient(otherApp);
      await deleteApp(getApp(otherApp));
    }
  });

  it("a stopped runtime takes nothing in: the delivery is answered and dropped", async () => {
    const stopped = await start();
    await stopped.stop();
    runtime = undefined;
    const ref = await jobs.add(clientJob({ status: "queued" }));
    // Long enough for the emulator's delivery to arrive and be dropped.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect((await jobs.doc(ref.id).get()).data()).toEqual(clientJob({ status: "queued" }));
    expect(runs).toEqual([]);
  });
});

describe("the trigger receiver", () => {
  it("refuses to start, naming the port, when the port is taken", async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
    const { port } = taken.address() as AddressInfo;
    try {
      await expect(EmulatorTriggers.listen("127.0.0.1:1", port, TEST_PROJECT_ID)).rejects.toThrow(
        `the trigger receiver cannot listen on port ${port}`,
      );
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });
});
