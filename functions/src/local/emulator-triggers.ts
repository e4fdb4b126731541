/**
 * The Firestore emulator's trigger callback, answered in this process. The official emulator,
 * started with `--functions_emulator=<host:port>` (see `emulator.ts`), posts every write that
 * matches a registered trigger to `/functions/projects/<project>/triggers/<name>`, as it does for
 * the Emulator Suite's functions emulator. The local runtime registers its create trigger on
 * `catalog_jobs/{jobId}` here instead of listening to the collection: the emulator pushes each
 * create once, with its document, however many arrive at once. (With a listener open on the
 * collection, the emulator itself stalls under a burst: 1,000 concurrent creates ran past their
 * 60 s deadline, against about 9 s with none.)
 *
 * The emulator posts one event at a time and waits for its answer, so the endpoint runs in a worker
 * thread (`trigger-receiver.js`) that answers at once: answered from the engine's own event loop,
 * busy with the burst's intakes and jobs, 1,000 deliveries took 10–13 s here; from the worker, 3–6 s.
 *
 * Registrations live as long as the emulator: a delivery for a trigger nobody here subscribes to
 * any more is answered and dropped.
 */
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import type { Firestore, QueryDocumentSnapshot } from "firebase-admin/firestore";
import { z } from "zod";

/**
 * A created document as the emulator delivers it: a Firestore `Document` in proto3 JSON, passed on
 * whole (its fields too) to the client's snapshot factory.
 */
const documentEvent = z.object({
  data: z.object({ value: z.looseObject({ name: z.string().min(1), updateTime: z.string().min(1) }) }),
});

/**
 * The Firestore client's own constructor of a snapshot from a `Document` in proto3 JSON: what
 * firebase-functions calls to hand a Firestore trigger its snapshot. Not in the public typings.
 */
interface SnapshotFactory {
  snapshot_(document: Record<string, unknown>, readTime: string, encoding: "json"): QueryDocumentSnapshot;
}

type Deliver = (snap: QueryDocumentSnapshot) => void;

/** The receiver thread's script (plain JavaScript: a worker thread loads it as it is). */
const RECEIVER_SCRIPT = join(__dirname, "trigger-receiver.js");

/** What the receiver thread posts: that it listens, that it cannot, or an event (its path and body). */
type ReceiverMessage = { listening: true } | { error: string } | { path: string; body: string };

/** A receiver thread listening on `port`; rejects, naming the port, when it cannot listen. */
async function startReceiver(port: number): Promise<Worker> {
  const receiver = new Worker(RECEIVER_SCRIPT, { workerData: { port } });
  try {
    await new Promise<void>((resolve, reject) => {
      receiver.once("error", reject);
      receiver.once("message", (message: ReceiverMessage) => {
        if ("listening" in message) resolve();
        else reject(new Error(`the trigger receiver cannot listen on port ${port}: ${"error" in message ? message.error : "?"}`));
      });
    });
  } catch (err) {
    await receiver.terminate();
    throw err;
  }
  return receiver;
}

/** Waits before starting a receiver again: 1 s after it died, doubling to 30 s while it cannot start. */
const RESTART_DELAY_MS = { first: 1000, max: 30_000 };

interface Subscriber {
  db: Firestore;
  deliver: Deliver;
  missed: () => void;
}

/**
 * The receiver thread and who subscribes to its deliveries, shared by the views of every project.
 * A receiver thread that dies is started again on its port, and every subscriber is told that
 * deliveries may have been missed meanwhile (the emulator does not post an event twice).
 */
class TriggerHub {
  /** Subscribers by delivery path (project and trigger name). */
  private readonly subscribers = new Map<string, Set<Subscriber>>();
  private receiver: Worker;
  private closed = false;
  private restartTimer: NodeJS.Timeout | undefined;

  constructor(
    receiver: Worker,
    private readonly port: number,
  ) {
    this.receiver = this.attach(receiver);
  }

  /**
   * Calls `deliver` with each document delivered to `path`, as a snapshot its `db` makes, and `missed`
   * after the receiver was started again; returns the unsubscribe function.
   */
  subscribe(path: string, subscriber: Subscriber): () => void {
    const subscribers = this.subscribers.get(path) ?? new Set();
    this.subscribers.set(path, subscribers.add(subscriber));
    return () => void subscribers.delete(subscriber);
  }

  close(): Promise<number> {
    this.closed = true;
    clearTimeout(this.restartTimer);
    return this.receiver.terminate();
  }

  private attach(receiver: Worker): Worker {
    receiver.on("message", (message: ReceiverMessage) => {
      if (!("path" in message)) return;
      try {
        this.dispatch(message.path, message.body);
      } catch (err) {
        console.error("[triggers] an event the emulator delivered could not be read:", err);
      }
    });
    receiver.on("error", (err) => console.error("[triggers] the receiver thread failed:", err));
    receiver.once("exit", (code) => {
      if (this.closed) return;
      console.error(`[triggers] the receiver thread stopped (exit code ${code}); starting it again in ${RESTART_DELAY_MS.first / 1000} s`);
      this.restartIn(RESTART_DELAY_MS.first);
    });
    return receiver;
  }

  /** Starts a receiver after `delayMs` (a pause, so that a thread that keeps dying does not take the process with it). */
  private restartIn(delayMs: number): void {
    this.restartTimer = setTimeout(() => {
      startReceiver(this.port).then(
        (receiver) => {
          if (this.closed) return void receiver.terminate();
          this.receiver = this.attach(receiver);
          for (const subscribers of this.subscribers.values()) for (const { missed } of subscribers) missed();
        },
        (err: unknown) => {
          const next = Math.min(delayMs * 2, RESTART_DELAY_MS.max);
          console.error(`[triggers] the receiver thread could not start again; next try in ${next / 1000} s:`, err);
          if (!this.closed) this.restartIn(next);
        },
      );
    }, delayMs);
  }

  private dispatch(path: string, body: string): void {
    const subscribers = this.subscribers.get(path);
    if (!subscribers || subscribers.size === 0) return;
    const document = documentEvent.parse(JSON.parse(body)).data.value;
    for (const { db, deliver } of subscribers) {
      deliver((db as unknown as SnapshotFactory).snapshot_(document, document.updateTime, "json"));
    }
  }
}

export class EmulatorTriggers {
  private constructor(
    /** The emulator's host:port, where triggers are registered. */
    private readonly emulatorHost: string,
    private readonly projectId: string,
    private readonly hub: TriggerHub,
  ) {}

  /** Answers the emulator at `emulatorHost`, started to deliver to `port` on this host, for `projectId`'s triggers. */
  static async listen(emulatorHost: string, port: number, projectId: string): Promise<EmulatorTriggers> {
    return new EmulatorTriggers(emulatorHost, projectId, new TriggerHub(await startReceiver(port), port));
  }

  /**
   * The same receiver, registering the triggers of another project of the emulator (the benchmark
   * gives each measurement a project of its own). Closing any of them closes the receiver.
   */
  forProject(projectId: string): EmulatorTriggers {
    return new EmulatorTriggers(this.emulatorHost, projectId, this.hub);
  }

  /**
   * Registers a create trigger on `collection/{id}` and calls `deliver` with each created document's
   * snapshot, made by `db` (a client of the same project). `missed` is called when deliveries may
   * have been lost: the receiver thread died and was started again, and the emulator posted nothing
   * twice meanwhile. Returns the unsubscribe function.
   */
  async onCreate(db: Firestore, collection: string, deliver: Deliver, missed: () => void): Promise<() => void> {
    const { projectId } = this;
    const name = `${collection}-created`;
    const response = await fetch(`http://${this.emulatorHost}/emulator/v1/projects/${projectId}/triggers/${name}`, {
      method: "PUT",
      body: JSON.stringify({
        eventTrigger: {
          eventType: "providers/cloud.firestore/eventTypes/document.create",
          resource: `projects/${projectId}/databases/(default)/documents/${collection}/{id}`,
          service: "firestore.googleapis.com",
        },
      }),
    });
    if (!response.ok) throw new Error(`the emulator refused the trigger ${name}: ${response.status} ${await response.text()}`);
    return this.hub.subscribe(`/functions/projects/${projectId}/triggers/${name}`, { db, deliver, missed });
  }

  async close(): Promise<void> {
    await this.hub.close();
  }
}
