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

/** A created document as the emulator delivers it: a Firestore `Document` in proto3 JSON. */
interface DocumentEvent {
  data?: { value?: { name?: string; updateTime?: string } };
}

/**
 * The Firestore client's own constructor of a snapshot from a `Document` in proto3 JSON: what
 * firebase-functions calls to hand a Firestore trigger its snapshot. Not in the public typings.
 */
interface SnapshotFactory {
  snapshot_(document: Record<string, unknown>, readTime: string, encoding: "json"): QueryDocumentSnapshot;
}

type Deliver = (snap: QueryDocumentSnapshot) => void;

/** What the receiver thread posts: that it listens, that it cannot, or an event (its path and body). */
type ReceiverMessage = { listening: true } | { error: string } | { path: string; body: string };

/** The receiver thread and who subscribes to its deliveries, shared by the views of every project. */
class TriggerHub {
  /** Subscribers by delivery path (project and trigger name). */
  private readonly subscribers = new Map<string, Set<{ db: Firestore; deliver: Deliver }>>();

  constructor(private readonly receiver: Worker) {
    receiver.on("message", (message: ReceiverMessage) => {
      if (!("path" in message)) return;
      try {
        this.dispatch(message.path, message.body);
      } catch (err) {
        console.error("[triggers] an event the emulator delivered could not be read:", err);
      }
    });
    receiver.on("error", (err) => console.error("[triggers] the receiver thread failed:", err));
  }

  /** Calls `deliver` with each document delivered to `path`, as a snapshot `db` makes; returns the unsubscribe function. */
  subscribe(path: string, db: Firestore, deliver: Deliver): () => void {
    const subscriber = { db, deliver };
    const subscribers = this.subscribers.get(path) ?? new Set();
    this.subscribers.set(path, subscribers.add(subscriber));
    return () => void subscribers.delete(subscriber);
  }

  close(): Promise<number> {
    return this.receiver.terminate();
  }

  private dispatch(path: string, body: string): void {
    const subscribers = this.subscribers.get(path);
    if (!subscribers || subscribers.size === 0) return;
    const document = (JSON.parse(body) as DocumentEvent).data?.value;
    if (!document?.name || !document.updateTime) return;
    for (const { db, deliver } of subscribers) {
      deliver((db as unknown as SnapshotFactory).snapshot_(document, document.updateTime, "json"));
    }
  }
}

export class EmulatorTriggers {
  /** The receiver thread's script (plain JavaScript: a worker thread loads it as it is). */
  private static readonly RECEIVER = join(__dirname, "trigger-receiver.js");

  private constructor(
    /** The emulator's host:port, where triggers are registered. */
    private readonly emulatorHost: string,
    private readonly projectId: string,
    private readonly hub: TriggerHub,
  ) {}

  /** Answers the emulator at `emulatorHost`, started to deliver to `port` on this host, for `projectId`'s triggers. */
  static async listen(emulatorHost: string, port: number, projectId: string): Promise<EmulatorTriggers> {
    const receiver = new Worker(EmulatorTriggers.RECEIVER, { workerData: { port } });
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
    return new EmulatorTriggers(emulatorHost, projectId, new TriggerHub(receiver));
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
   * snapshot, made by `db` (a client of the same project). Returns the unsubscribe function.
   */
  async onCreate(db: Firestore, collection: string, deliver: Deliver): Promise<() => void> {
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
    return this.hub.subscribe(`/functions/projects/${projectId}/triggers/${name}`, db, deliver);
  }

  async close(): Promise<void> {
    await this.hub.close();
  }
}
