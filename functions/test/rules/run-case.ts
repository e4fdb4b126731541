/**
 * Runs the rules case table (cases.ts) against a set of rules on the Firestore emulator, under a
 * project id of its own: the jest test uses one, the mutation check a few that it reloads with
 * each mutant's rules.
 */
import path from "node:path";
import { initializeTestEnvironment, type RulesTestEnvironment } from "@firebase/rules-unit-testing";
import { deleteApp, initializeApp, type App } from "firebase-admin/app";
import { getFirestore } from "firebase-admin/firestore";
import { collection, deleteDoc, doc, type Firestore, getDoc, getDocs, query, setDoc, updateDoc, where } from "firebase/firestore";
import { ACTOR_CLAIMS, type Actor, type RulesCase, SEED_DOCUMENTS } from "./cases";

export const RULES_PATH = path.resolve(__dirname, "../../../firestore.rules");

function emulatorHostAndPort(): { host: string; port: number } {
  const value = process.env.FIRESTORE_EMULATOR_HOST;
  if (!value) throw new Error("FIRESTORE_EMULATOR_HOST is not set; test/setup/global-setup.ts should have set it");
  const at = value.lastIndexOf(":");
  const port = Number(value.slice(at + 1));
  if (at <= 0 || !Number.isInteger(port)) throw new Error(`FIRESTORE_EMULATOR_HOST is not host:port: ${value}`);
  return { host: value.slice(0, at), port };
}

export type CaseOutcome = { ok: true } | { ok: false; reason: string };

/** The client SDK's error codes of a call that did not reach a rules decision. */
const NOT_ABOUT_THE_RULES = new Set(["unavailable", "deadline-exceeded", "internal", "unknown", "cancelled", "resource-exhausted"]);
/**
 * Tries of a case whose call did not reach a rules decision, each with a new client: one failed
 * connection (or 10 s without one, on a busy machine) marks a client offline, and an offline client
 * fails every read of a document it has not cached until its next connection succeeds.
 */
const TRIES_UNTIL_DECIDED = 3;
const PAUSE_BEFORE_TRYING_AGAIN_MS = 1000;

/**
 * One emulator project: client contexts per actor and lane (kept: a new context costs a
 * connection), and an Admin client for the seed. Cases run side by side each take a lane of their
 * own: a client's writes share one stream, and a write the stream rejects is charged to the oldest
 * write still pending on it, so a denied case could be reported against an allowed one beside it.
 */
export class RulesProject {
  private readonly clients = new Map<string, Firestore>();

  private constructor(
    readonly projectId: string,
    private readonly env: RulesTestEnvironment,
    private readonly admin: App,
  ) {}

  static async open(projectId: string, rules: string): Promise<RulesProject> {
    const env = await initializeTestEnvironment({ projectId, firestore: { ...emulatorHostAndPort(), rules } });
    const project = new RulesProject(projectId, env, initializeApp({ projectId }, `rules-${projectId}`));
    await project.reset();
    return project;
  }

  async loadRules(rules: string): Promise<void> {
    const { host, port } = emulatorHostAndPort();
    const res = await fetch(`http://${host}:${port}/emulator/v1/projects/${this.projectId}:securityRules`, {
      method: "PUT",
      body: JSON.stringify({ rules: { files: [{ content: rules }] } }),
    });
    if (!res.ok) throw new Error(`loading rules into ${this.projectId}: ${res.status} ${await res.text()}`);
  }

  /** Deletes every document and writes the seed again. */
  async reset(): Promise<void> {
    await this.env.clearFirestore();
    const db = getFirestore(this.admin);
    const batch = db.batch();
    for (const [docPath, data] of Object.entries(SEED_DOCUMENTS)) batch.set(db.doc(docPath), data);
    await batch.commit();
  }

  /**
   * Whether the rules decided as the case expects. Another refusal of the data (a document missing,
   * say) is a failure too: under weakened rules an earlier case may have deleted what this one needs.
   * An error of the emulator or the connection is tried again (`TRIES_UNTIL_DECIDED`), then thrown: it
   * says nothing about the rules, so it must neither pass a case nor count as a mutant caught.
   */
  async run(c: RulesCase, lane = 0): Promise<CaseOutcome> {
    for (let tries = 1; ; tries++) {
      try {
        await perform(this.client(c.actor, lane), c);
        return c.expect === "allow" ? { ok: true } : { ok: false, reason: "allowed, expected a denial" };
      } catch (err) {
        const message = (err as Error).message;
        const code = (err as { code?: unknown }).code;
        if (typeof code === "string" && NOT_ABOUT_THE_RULES.has(code)) {
          if (tries >= TRIES_UNTIL_DECIDED) throw err;
          process.stderr.write(`rules case "${c.name}" (${this.projectId}): ${message} Trying again with a new client.\n`);
          this.forgetClient(c.actor, lane);
          await new Promise((resolve) => setTimeout(resolve, PAUSE_BEFORE_TRYING_AGAIN_MS));
          continue;
        }
        if (code !== "permission-denied") return { ok: false, reason: `failed: ${message}` };
        return c.expect === "deny" ? { ok: true } : { ok: false, reason: `denied, expected to be allowed: ${message}` };
      }
    }
  }

  async close(): Promise<void> {
    await this.env.cleanup();
    await deleteApp(this.admin);
  }

  /** The client a case of this actor runs with in this lane (made on first use). */
  client(actor: Actor, lane = 0): Firestore {
    const key = `${lane}:${actor}`;
    let db = this.clients.get(key);
    if (!db) {
      const ctx = actor === "anonymous" ? this.env.unauthenticatedContext() : this.env.authenticatedContext(actor, ACTOR_CLAIMS[actor]);
      // The rules-unit-testing contexts hand out compat instances; the modular API accepts them.
      db = ctx.firestore() as unknown as Firestore;
      this.clients.set(key, db);
    }
    return db;
  }

  /** The next case of this actor in this lane gets a new client; the test environment's cleanup closes the old one. */
  private forgetClient(actor: Actor, lane: number): void {
    this.clients.delete(`${lane}:${actor}`);
  }
}

async function perform(db: Firestore, c: RulesCase): Promise<unknown> {
  switch (c.op) {
    case "add":
      // A new id, as addDoc would pick; setDoc carries no exists-precondition, so the SDK may resend it safely.
      return setDoc(doc(collection(db, c.collection)), c.data);
    case "set":
      return setDoc(doc(db, c.path), c.data, { merge: c.merge === true });
    case "update":
      return updateDoc(doc(db, c.path), c.data);
    case "get":
      return getDoc(doc(db, c.path));
    case "list":
      return getDocs(
        c.whereCreatedBy ? query(collection(db, c.collection), where("created_by", "==", c.whereCreatedBy)) : collection(db, c.collection),
      );
    case "delete":
      return deleteDoc(doc(db, c.path));
  }
}
