/**
 * firestore.rules against the run's one Firestore emulator (test/setup/global-setup.ts).
 * Firebase Admin clients in the other tests bypass rules, so loading them here changes nothing there.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import {
  assertFails,
  assertSucceeds,
  initializeTestEnvironment,
  type RulesTestContext,
  type RulesTestEnvironment,
} from "@firebase/rules-unit-testing";
import {
  addDoc,
  collection,
  deleteDoc,
  doc,
  type DocumentData,
  type Firestore,
  getDoc,
  getDocs,
  query,
  serverTimestamp,
  setDoc,
  setLogLevel,
  Timestamp,
  updateDoc,
  where,
} from "firebase/firestore";
import { registry } from "../../src/handlers";

const JOB_TYPES = registry.types;
import { TEST_PROJECT_ID } from "../setup/project";

const RULES_PATH = path.resolve(__dirname, "../../../firestore.rules");
const JOBS = "catalog_jobs";
const ALICE = "alice";
const BOB = "bob";
const CURATOR = "curator";

/** Only a real Firestore emulator evaluates security rules; the in-process fallback does not. */
const describeWithRules: jest.Describe = (() => {
  const backend = process.env.CATALOG_TEST_BACKEND;
  if (backend !== "no-isolation") return describe;
  const skip = ((name: string, fn: jest.EmptyFunction) => {
    process.stderr.write(`SKIPPED "${name}": backend "${backend}" does not evaluate Firestore security rules\n`);
    describe.skip(name, fn);
  }) as jest.Describe;
  return skip;
})();

function emulatorHostAndPort(): { host: string; port: number } {
  const value = process.env.FIRESTORE_EMULATOR_HOST;
  if (!value) throw new Error("FIRESTORE_EMULATOR_HOST is not set; test/setup/global-setup.ts should have set it");
  const at = value.lastIndexOf(":");
  const port = Number(value.slice(at + 1));
  if (at <= 0 || !Number.isInteger(port)) throw new Error(`FIRESTORE_EMULATOR_HOST is not host:port: ${value}`);
  return { host: value.slice(0, at), port };
}

/** A valid job as a signed-in user may write it; `overrides` replace or add fields. */
function userJob(overrides: DocumentData = {}): DocumentData {
  return {
    type: "EXERCISE_ADD",
    payload: { mode: "dry_run", intent: { base_name: "Zercher Squat", equipment: ["barbell"] } },
    queue: "priority",
    priority: 100,
    dedup_key: "EXERCISE_ADD:zercher-squat",
    status: "queued",
    created_at: serverTimestamp(),
    ...overrides,
  };
}

function without(data: DocumentData, field: string): DocumentData {
  const copy = { ...data };
  delete copy[field];
  return copy;
}

/** An engine-written job document, as seeded with rules disabled. */
function storedJob(createdBy: string | undefined): DocumentData {
  const job: DocumentData = {
    type: "FAMILY_AUDIT",
    payload: { mode: "dry_run", family_slug: "squat" },
    queue: "priority",
    priority: 100,
    status: "queued",
    attempts: 0,
    max_attempts: 5,
    lease_epoch: 0,
    created_at: Timestamp.now(),
    updated_at: Timestamp.now(),
    run_after: Timestamp.now(),
  };
  if (createdBy !== undefined) job.created_by = createdBy;
  return job;
}

describeWithRules("firestore.rules", () => {
  let testEnv: RulesTestEnvironment;

  // The rules-unit-testing contexts hand out compat instances; the modular API accepts them.
  const db = (ctx: RulesTestContext): Firestore => ctx.firestore() as unknown as Firestore;
  const unauthed = (): Firestore => db(testEnv.unauthenticatedContext());
  const user = (uid: string = ALICE): Firestore => db(testEnv.authenticatedContext(uid));
  const curator = (): Firestore => db(testEnv.authenticatedContext(CURATOR, { catalog_admin: true }));

  async function seed(docPath: string, data: DocumentData): Promise<void> {
    await testEnv.withSecurityRulesDisabled(async (ctx) => {
      await setDoc(doc(db(ctx), docPath), data);
    });
  }

  beforeAll(async () => {
    // Denied writes are the point of most tests; the SDK would log each one as a warning.
    setLogLevel("error");
    const { host, port } = emulatorHostAndPort();
    testEnv = await initializeTestEnvironment({
      projectId: TEST_PROJECT_ID,
      firestore: { host, port, rules: readFileSync(RULES_PATH, "utf8") },
    });
  });

  afterAll(async () => {
    await testEnv?.cleanup();
  });

  describe("job creation by a signed-in user", () => {
    test("may create EXERCISE_ADD in dry_run with every allowed field and created_at = request.time", async () => {
      await assertSucceeds(addDoc(collection(user(), JOBS), userJob()));
    });

    test("may create FAMILY_AUDIT with only type and payload (mode defaults to dry_run)", async () => {
      await assertSucceeds(addDoc(collection(user(), JOBS), { type: "FAMILY_AUDIT", payload: { family_slug: "squat" } }));
    });

    test("may create with a chosen id and priority at the bounds 0 and 100", async () => {
      await assertSucceeds(setDoc(doc(user(), JOBS, "job-low"), userJob({ priority: 0 })));
      await assertSucceeds(setDoc(doc(user(), JOBS, "job-high"), userJob({ type: "FAMILY_AUDIT", priority: 100 })));
    });

    test.each([
      ["attempts", 0],
      ["max_attempts", 5],
      ["lease_owner", "worker-1"],
      ["lease_epoch", 0],
      ["lease_expires_at", Timestamp.now()],
      ["run_after", Timestamp.now()],
      ["created_by", ALICE],
      ["updated_at", Timestamp.now()],
      ["started_at", Timestamp.now()],
      ["result_summary", { applied: 1 }],
      ["error", { code: "x", message: "y", transient: false }],
      ["parent_job_id", "parent"],
      ["cancel_requested", true],
      ["anything_else", "x"],
    ])("rejects the server-owned or unknown field %s", async (field, value) => {
      await assertFails(addDoc(collection(user(), JOBS), userJob({ [field]: value })));
    });

    test.each(["running", "succeeded", "failed", "deferred", "cancelled", ""])("rejects status %p (only queued)", async (status) => {
      await assertFails(addDoc(collection(user(), JOBS), userJob({ status })));
    });

    test("rejects created_at that is not request.time", async () => {
      await assertFails(addDoc(collection(user(), JOBS), userJob({ created_at: Timestamp.fromMillis(Date.now() - 60_000) })));
      await assertFails(addDoc(collection(user(), JOBS), userJob({ created_at: "now" })));
    });

    test.each([
      ["above the user cap", 101],
      ["far above the range", 1001],
      ["negative", -1],
      ["not an integer", 1.5],
      ["a string", "50"],
    ])("rejects priority %s (%p)", async (_label, priority) => {
      await assertFails(addDoc(collection(user(), JOBS), userJob({ priority })));
    });

    test.each(["express", "", "PRIORITY"])("rejects the unknown lane %p", async (queue) => {
      await assertFails(addDoc(collection(user(), JOBS), userJob({ queue })));
    });

    test("rejects the maintenance lane", async () => {
      await assertFails(addDoc(collection(user(), JOBS), userJob({ queue: "maintenance" })));
    });

    test("rejects apply mode", async () => {
      const base = userJob();
      await assertFails(addDoc(collection(user(), JOBS), { ...base, payload: { ...base.payload, mode: "apply" } }));
      await assertFails(
        addDoc(collection(user(), JOBS), {
          type: "FAMILY_AUDIT",
          payload: { mode: "apply", family_slug: "squat" },
        }),
      );
    });

    test.each(JOB_TYPES.filter((t) => t !== "EXERCISE_ADD" && t !== "FAMILY_AUDIT"))("rejects the curator-only type %s", async (type) => {
      await assertFails(addDoc(collection(user(), JOBS), userJob({ type, payload: { mode: "dry_run" } })));
    });

    test("rejects an unknown type, a missing type and a missing or non-map payload", async () => {
      await assertFails(addDoc(collection(user(), JOBS), userJob({ type: "DROP_EVERYTHING" })));
      await assertFails(addDoc(collection(user(), JOBS), without(userJob(), "type")));
      await assertFails(addDoc(collection(user(), JOBS), without(userJob(), "payload")));
      await assertFails(addDoc(collection(user(), JOBS), userJob({ payload: "dry_run" })));
      await assertFails(addDoc(collection(user(), JOBS), userJob({ payload: null })));
    });

    test("rejects a dedup_key that is not a string or longer than 500 characters", async () => {
      await assertSucceeds(addDoc(collection(user(), JOBS), userJob({ dedup_key: "k".repeat(500) })));
      await assertFails(addDoc(collection(user(), JOBS), userJob({ dedup_key: "k".repeat(501) })));
      await assertFails(addDoc(collection(user(), JOBS), userJob({ dedup_key: 42 })));
    });

    test("rejects a create that would overwrite an existing job", async () => {
      await seed(`${JOBS}/taken`, storedJob(BOB));
      await assertFails(setDoc(doc(user(), JOBS, "taken"), userJob()));
    });
  });

  describe("job creation without sign-in", () => {
    test("is rejected even for an otherwise valid job", async () => {
      await assertFails(addDoc(collection(unauthed(), JOBS), userJob()));
      await assertFails(addDoc(collection(unauthed(), JOBS), { type: "FAMILY_AUDIT", payload: {} }));
    });
  });

  describe("job creation by a curator", () => {
    // CATALOG_ENRICH_FIELD_SHARD is created only by the engine (a parent's fan-out).
    test.each(JOB_TYPES.filter((t) => t !== "CATALOG_ENRICH_FIELD_SHARD"))(
      "may create %s in apply mode in the maintenance lane",
      async (type) => {
        await assertSucceeds(
          addDoc(collection(curator(), JOBS), {
            type,
            payload: { mode: "apply" },
            queue: "maintenance",
            priority: 1000,
            status: "queued",
            created_at: serverTimestamp(),
          }),
        );
      },
    );

    test("may not create engine-only shard jobs", async () => {
      await assertFails(addDoc(collection(curator(), JOBS), userJob({ type: "CATALOG_ENRICH_FIELD_SHARD", payload: { mode: "dry_run" } })));
    });

    test("is still held to the data contract", async () => {
      await assertFails(addDoc(collection(curator(), JOBS), userJob({ priority: 1001 })));
      await assertFails(addDoc(collection(curator(), JOBS), userJob({ status: "running" })));
      await assertFails(addDoc(collection(curator(), JOBS), userJob({ queue: "express" })));
      await assertFails(addDoc(collection(curator(), JOBS), userJob({ created_by: CURATOR })));
      await assertFails(addDoc(collection(curator(), JOBS), userJob({ lease_owner: "me" })));
      await assertFails(addDoc(collection(curator(), JOBS), userJob({ type: "DROP_EVERYTHING" })));
      await assertFails(addDoc(collection(curator(), JOBS), userJob({ created_at: Timestamp.fromMillis(Date.now() - 60_000) })));
    });

    test("a catalog_admin claim other than true gives no curator powers", async () => {
      const notQuite = db(testEnv.authenticatedContext("eve", { catalog_admin: "true" }));
      await assertFails(addDoc(collection(notQuite, JOBS), userJob({ type: "FAMILY_MERGE" })));
      await assertFails(addDoc(collection(notQuite, JOBS), userJob({ queue: "maintenance" })));
    });
  });

  describe("job reads", () => {
    beforeEach(async () => {
      await seed(`${JOBS}/alice-job`, storedJob(ALICE));
      await seed(`${JOBS}/bob-job`, storedJob(BOB));
      await seed(`${JOBS}/system-job`, storedJob("system:MAINTENANCE_SCAN"));
      await seed(`${JOBS}/legacy-job`, storedJob(undefined));
    });

    test("the creator can read their own job", async () => {
      await assertSucceeds(getDoc(doc(user(ALICE), JOBS, "alice-job")));
    });

    test("a user cannot read another user's, a system or an unowned job", async () => {
      await assertFails(getDoc(doc(user(ALICE), JOBS, "bob-job")));
      await assertFails(getDoc(doc(user(ALICE), JOBS, "system-job")));
      await assertFails(getDoc(doc(user(ALICE), JOBS, "legacy-job")));
    });

    test("without sign-in nothing is readable", async () => {
      await assertFails(getDoc(doc(unauthed(), JOBS, "alice-job")));
      await assertFails(getDocs(collection(unauthed(), JOBS)));
    });

    test("a user can list their own jobs with a created_by filter, not the whole collection", async () => {
      const mine = await assertSucceeds(getDocs(query(collection(user(ALICE), JOBS), where("created_by", "==", ALICE))));
      expect(mine.docs.map((d) => d.id)).toEqual(["alice-job"]);
      await assertFails(getDocs(collection(user(ALICE), JOBS)));
      await assertFails(getDocs(query(collection(user(ALICE), JOBS), where("created_by", "==", BOB))));
    });

    test("a curator can read and list every job", async () => {
      for (const id of ["alice-job", "bob-job", "system-job", "legacy-job"]) {
        await assertSucceeds(getDoc(doc(curator(), JOBS, id)));
      }
      const all = await assertSucceeds(getDocs(collection(curator(), JOBS)));
      expect(all.size).toBe(4);
    });

    test("attempts are readable by curators only and writable by nobody", async () => {
      await seed(`${JOBS}/alice-job/attempts/1`, { worker_id: "w1", lease_epoch: 1, status: "succeeded" });
      await assertSucceeds(getDoc(doc(curator(), JOBS, "alice-job", "attempts", "1")));
      await assertFails(getDoc(doc(user(ALICE), JOBS, "alice-job", "attempts", "1")));
      await assertFails(setDoc(doc(curator(), JOBS, "alice-job", "attempts", "2"), { status: "running" }));
      await assertFails(setDoc(doc(user(ALICE), JOBS, "alice-job", "attempts", "2"), { status: "running" }));
      await assertFails(deleteDoc(doc(curator(), JOBS, "alice-job", "attempts", "1")));
    });
  });

  describe("job updates and deletes", () => {
    beforeEach(async () => {
      await seed(`${JOBS}/alice-job`, storedJob(ALICE));
    });

    test("the creator may set cancel_requested: true", async () => {
      await assertSucceeds(updateDoc(doc(user(ALICE), JOBS, "alice-job"), { cancel_requested: true }));
    });

    test("a curator may set cancel_requested: true on anyone's job", async () => {
      await assertSucceeds(updateDoc(doc(curator(), JOBS, "alice-job"), { cancel_requested: true }));
    });

    test("another user or an unauthenticated client may not request cancellation", async () => {
      await assertFails(updateDoc(doc(user(BOB), JOBS, "alice-job"), { cancel_requested: true }));
      await assertFails(updateDoc(doc(unauthed(), JOBS, "alice-job"), { cancel_requested: true }));
    });

    test("cancel_requested may only be set to true", async () => {
      await assertFails(updateDoc(doc(user(ALICE), JOBS, "alice-job"), { cancel_requested: false }));
      await assertFails(updateDoc(doc(user(ALICE), JOBS, "alice-job"), { cancel_requested: "yes" }));
      await assertFails(updateDoc(doc(curator(), JOBS, "alice-job"), { cancel_requested: false }));
    });

    test.each([
      ["status", "cancelled"],
      ["priority", 1000],
      ["queue", "maintenance"],
      ["payload", { mode: "apply", family_slug: "squat" }],
      ["created_by", BOB],
      ["attempts", 3],
      ["lease_owner", "me"],
      ["max_attempts", 99],
    ])("nobody may change %s, alone or alongside cancel_requested", async (field, value) => {
      await assertFails(updateDoc(doc(user(ALICE), JOBS, "alice-job"), { [field]: value }));
      await assertFails(updateDoc(doc(user(ALICE), JOBS, "alice-job"), { cancel_requested: true, [field]: value }));
      await assertFails(updateDoc(doc(curator(), JOBS, "alice-job"), { [field]: value }));
      await assertFails(updateDoc(doc(curator(), JOBS, "alice-job"), { cancel_requested: true, [field]: value }));
    });

    test("a set() that replaces the document is rejected, a merge with cancel_requested is allowed", async () => {
      await assertFails(setDoc(doc(user(ALICE), JOBS, "alice-job"), { cancel_requested: true }));
      await assertSucceeds(setDoc(doc(user(ALICE), JOBS, "alice-job"), { cancel_requested: true }, { merge: true }));
    });

    test("nobody may delete a job", async () => {
      await assertFails(deleteDoc(doc(user(ALICE), JOBS, "alice-job")));
      await assertFails(deleteDoc(doc(curator(), JOBS, "alice-job")));
      await assertFails(deleteDoc(doc(unauthed(), JOBS, "alice-job")));
    });
  });

  describe("catalog collections", () => {
    const CATALOG = ["exercises", "exercise_aliases", "exercise_families"];

    beforeEach(async () => {
      for (const name of CATALOG) await seed(`${name}/doc-1`, { name: "Back Squat (Barbell)", status: "active" });
    });

    test.each(CATALOG)("%s is readable by signed-in users, not without sign-in", async (name) => {
      await assertSucceeds(getDoc(doc(user(), name, "doc-1")));
      await assertSucceeds(getDocs(collection(user(), name)));
      await assertSucceeds(getDoc(doc(curator(), name, "doc-1")));
      await assertFails(getDoc(doc(unauthed(), name, "doc-1")));
      await assertFails(getDocs(collection(unauthed(), name)));
    });

    test.each(CATALOG)("%s is not writable by any client", async (name) => {
      for (const client of [user(), curator(), unauthed()]) {
        await assertFails(setDoc(doc(client, name, "doc-2"), { name: "New" }));
        await assertFails(updateDoc(doc(client, name, "doc-1"), { name: "Renamed" }));
        await assertFails(deleteDoc(doc(client, name, "doc-1")));
      }
    });
  });

  describe("engine collections", () => {
    const CURATOR_READABLE = ["catalog_changes", "catalog_run_summaries", "catalog_daily_summaries", "catalog_watchdog_runs"];
    const CLOSED = ["catalog_locks", "catalog_idempotency", "catalog_job_dedup"];

    beforeEach(async () => {
      for (const name of [...CURATOR_READABLE, ...CLOSED]) await seed(`${name}/doc-1`, { job_id: "j1" });
      await seed("catalog_daily_summaries/doc-1/shards/0", { count: 1 });
    });

    test.each(CURATOR_READABLE)("%s is readable by curators only", async (name) => {
      await assertSucceeds(getDoc(doc(curator(), name, "doc-1")));
      await assertSucceeds(getDocs(collection(curator(), name)));
      await assertFails(getDoc(doc(user(), name, "doc-1")));
      await assertFails(getDocs(collection(user(), name)));
      await assertFails(getDoc(doc(unauthed(), name, "doc-1")));
    });

    test("daily summary shards are readable by curators only", async () => {
      await assertSucceeds(getDoc(doc(curator(), "catalog_daily_summaries", "doc-1", "shards", "0")));
      await assertFails(getDoc(doc(user(), "catalog_daily_summaries", "doc-1", "shards", "0")));
      await assertFails(setDoc(doc(curator(), "catalog_daily_summaries", "doc-1", "shards", "1"), { count: 1 }));
    });

    test.each(CLOSED)("%s is not readable by anyone, curators included", async (name) => {
      await assertFails(getDoc(doc(curator(), name, "doc-1")));
      await assertFails(getDocs(collection(curator(), name)));
      await assertFails(getDoc(doc(user(), name, "doc-1")));
      await assertFails(getDoc(doc(unauthed(), name, "doc-1")));
    });

    test.each([...CURATOR_READABLE, ...CLOSED])("%s is not writable by any client", async (name) => {
      for (const client of [curator(), user(), unauthed()]) {
        await assertFails(setDoc(doc(client, name, "doc-2"), { job_id: "j2" }));
        await assertFails(updateDoc(doc(client, name, "doc-1"), { job_id: "j3" }));
        await assertFails(deleteDoc(doc(client, name, "doc-1")));
      }
    });

    test("collections the rules do not name are closed", async () => {
      await seed("users/alice", { name: "Alice" });
      await assertFails(getDoc(doc(curator(), "users", "alice")));
      await assertFails(getDoc(doc(user(ALICE), "users", "alice")));
      await assertFails(setDoc(doc(curator(), "anything", "x"), { a: 1 }));
    });
  });
});
