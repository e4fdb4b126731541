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
 * Registrations live as long as the emulator: a delivery for a trigger nobody here subscribes to
 * any more is answered and dropped.
 */
import { createServer, type Server } from "node:http";
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

export class EmulatorTriggers {
  /** Subscribers by delivery path (project and trigger name). */
  private readonly subscribers = new Map<string, Set<{ db: Firestore; deliver: Deliver }>>();

  private readonly server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
      try {
        this.dispatch(req.url ?? "", Buffer.concat(chunks).toString());
      } catch (err) {
        console.error("[triggers] an event the emulator delivered could not be read:", err);
      }
    });
  });

  private constructor(
    /** The emulator's host:port, where triggers are registered. */
    private readonly emulatorHost: string,
    private readonly projectId: string,
  ) {}

  /** Answers the emulator at `emulatorHost`, started to deliver to `port` on this host, for `projectId`'s triggers. */
  static async listen(emulatorHost: string, port: number, projectId: string): Promise<EmulatorTriggers> {
    const triggers = new EmulatorTriggers(emulatorHost, projectId);
    await new Promise<void>((resolve, reject) => {
      triggers.server.once("error", reject);
      triggers.server.listen(port, "127.0.0.1", () => resolve());
    });
    return triggers;
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
    const path = `/functions/projects/${projectId}/triggers/${name}`;
    const subscriber = { db, deliver };
    const subscribers = this.subscribers.get(path) ?? new Set();
    subscribers.add(subscriber);
    this.subscribers.set(path, subscribers);
    return () => void subscribers.delete(subscriber);
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
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
