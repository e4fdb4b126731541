/**
 * The Firestore clients of a scenario. Each is its own firebase-admin app, so Firestore sees it as
 * a separate instance (as another Cloud Functions instance would be), and the counter attached to it
 * counts that client only. Set-up and reading results go through clients no counter is attached to.
 */
import { deleteApp, getApp } from "firebase-admin/app";
import type { Firestore } from "firebase-admin/firestore";
import { firestoreClient, forgetFirestoreClient } from "../../src/firestore";
import type { OpCounter } from "../billing-counter";

let opened = 0;

export class BenchClients {
  private readonly names: string[] = [];
  private readonly detachers: Array<() => void> = [];

  constructor(private readonly projectId: string) {}

  /** A new client; counted by `counter` when one is given. */
  open(label: string, counter?: OpCounter): Firestore {
    const name = `bench-${label}-${++opened}`;
    const db = firestoreClient({ projectId: this.projectId }, name);
    this.names.push(name);
    if (counter) this.detachers.push(counter.attach(db));
    return db;
  }

  /** Starts counting a client opened here (after a warm-up that should not count). */
  count(db: Firestore, counter: OpCounter): void {
    this.detachers.push(counter.attach(db));
  }

  /** Stops counting and closes every client opened here. */
  async closeAll(): Promise<void> {
    this.detachers.splice(0).forEach((detach) => detach());
    await Promise.all(
      this.names.splice(0).map(async (name) => {
        forgetFirestoreClient(name);
        await deleteApp(getApp(name));
      }),
    );
  }
}

/** Runs `fn` with a fresh set of clients, closed afterwards whatever happens. */
export async function withClients<T>(projectId: string, fn: (clients: BenchClients) => Promise<T>): Promise<T> {
  const clients = new BenchClients(projectId);
  try {
    return await fn(clients);
  } finally {
    await clients.closeAll();
  }
}
