/**
 * The firestore.rules contract as a table: who may do what to which document, and whether the
 * rules allow or deny it. The jest test (firestore-rules.test.ts) runs every case against the
 * rules; the mutation check (mutants.test.ts) runs them against each weakened copy of the rules and
 * expects at least one case to fail. Cases run in order against SEED_DOCUMENTS and must not depend
 * on each other: allowed writes only create new documents or set `cancel_requested: true` again.
 */
import { type DocumentData, serverTimestamp, Timestamp } from "firebase/firestore";
import { CURATOR_CLAIM } from "../../src/adapters/curators";
import { MAX_CHOSEN_JOB_ID_LENGTH } from "../../src/adapters/operator-actions";
import { registry } from "../../src/handlers";
import { childJobId } from "../../src/jobs/flows";
import { followUpJobId } from "../../src/jobs/handler";
import { buildJobDocument } from "../../src/jobs/job-document";
import { jobDocumentSchema, jobRequestSchema } from "../../src/jobs/model";
import { CANCELLED_WITH_PARENT } from "../../src/jobs/queue";

const JOB_TYPES = registry.types;
/** The types any signed-in user may create (`userJobTypes()`). */
const USER_JOB_TYPES = ["EXERCISE_ADD", "FAMILY_AUDIT"];
/** The types a curator may create: not those only a parent's fan-out makes (CATALOG_ENRICH_FIELD_SHARD). */
export const CLIENT_JOB_TYPES = registry.requestableTypes;

/**
 * Payloads of each type a client may create that together use every top-level key of its payload schema
 * (several where keys exclude each other), each valid for the engine: the rules must let a curator
 * create them all, and a user those of the user types. `engine-agreement.test.ts` holds them to the
 * schemas, so a payload key the rules do not know fails a test.
 */
export const FULL_PAYLOADS: Record<string, readonly DocumentData[]> = {
  MAINTENANCE_SCAN: [{ mode: "dry_run", family_limit: 50 }],
  DUPLICATE_DETECTION_SCAN: [{ mode: "dry_run" }],
  ALIAS_INVARIANT_SCAN: [{ mode: "dry_run" }],
  QUALITY_SCAN: [
    { mode: "dry_run", exercise_doc_ids: ["squat-1", "squat-2"], emit_enrichment: false },
    { mode: "dry_run", filter_criteria: { equipment: "barbell", category: "compound", family_slug: "squat" } },
    { mode: "dry_run", selection: { stale_after_days: 7, limit: 200 } },
  ],
  FAMILY_AUDIT: [{ mode: "dry_run", family_slug: "squat" }],
  FAMILY_NORMALIZE: [{ mode: "dry_run", family_slug: "squat", registry_only: true }],
  FAMILY_MERGE: [{ mode: "dry_run", merge_config: { source_family: "back_squat", target_family: "squat" } }],
  FAMILY_SPLIT: [{ mode: "dry_run", family_slug: "squat", split_config: { target_family: "goblet_squat", equipment: ["dumbbell"] } }],
  FAMILY_RENAME_SLUG: [{ mode: "dry_run", rename_config: { old_family_slug: "squat", new_family_slug: "back_squat" } }],
  EXERCISE_ADD: [
    {
      mode: "dry_run",
      intent: {
        base_name: "Zercher Squat",
        equipment: ["barbell"],
        category: "compound",
        muscles: { primary: ["quadriceps"], secondary: ["glutes"] },
        description: "A squat with the bar in the crook of the elbows.",
      },
    },
  ],
  TARGETED_FIX: [
    {
      mode: "dry_run",
      exercise_doc_ids: ["squat-1"],
      fix_type: "patch",
      fix_data: { patch: { description: "A squat." } },
      reason: "the description was empty",
    },
  ],
  ALIAS_REPAIR: [{ mode: "dry_run", alias_slugs: ["back-squat"] }],
  CATALOG_ENRICH_FIELD: [
    {
      mode: "dry_run",
      enrichment_spec: {
        spec_id: "muscles",
        spec_version: 2,
        fields_to_enrich: ["muscles"],
        instructions: "Be brief.",
        use_pro_model: true,
      },
      exercise_doc_ids: ["squat-1"],
      shard_size: 10,
    },
    { mode: "dry_run", enrichment_spec: { spec_id: "muscles", spec_version: "v2" }, filter_criteria: { category: "compound" } },
  ],
  SCHEMA_CLEANUP: [{ mode: "dry_run", exercise_doc_ids: ["squat-1"], fields_to_remove: ["legacy_notes"] }],
};

export type Actor = "anonymous" | "alice" | "bob" | "curator" | "pretender" | "unverified";

/**
 * Token claims per actor; `pretender` has the claim as a string, and `unverified` has it on an account
 * whose email is not verified (someone signed up with the address first): neither gives curator
 * powers. The claim's name is the one the CLI grants (CURATOR_CLAIM), so the rules are tested against it.
 */
export const ACTOR_CLAIMS: Record<Exclude<Actor, "anonymous">, Record<string, unknown>> = {
  alice: {},
  bob: {},
  curator: { [CURATOR_CLAIM]: true, email_verified: true },
  pretender: { [CURATOR_CLAIM]: "true", email_verified: true },
  unverified: { [CURATOR_CLAIM]: true, email_verified: false },
};

type RulesOperation =
  | { op: "add"; collection: string; data: DocumentData }
  | { op: "set"; path: string; data: DocumentData; merge?: boolean }
  | { op: "update"; path: string; data: DocumentData }
  | { op: "get"; path: string }
  | { op: "list"; collection: string; whereCreatedBy?: string }
  | { op: "delete"; path: string };

export type RulesCase = RulesOperation & { name: string; actor: Actor; expect: "allow" | "deny" };

const JOBS = "catalog_jobs";
const MINUTE_AGO = Timestamp.fromMillis(Date.now() - 60_000);

/** An engine-written job document, as seeded with rules disabled (Dates, so that any SDK can write it). */
function storedJob(createdBy?: string): DocumentData {
  const past = new Date(Date.now() - 60_000);
  return {
    type: "FAMILY_AUDIT",
    payload: { mode: "dry_run", family_slug: "squat" },
    queue: "priority",
    priority: 100,
    status: "queued",
    attempts: 0,
    max_attempts: 5,
    lease_epoch: 0,
    created_at: past,
    updated_at: past,
    run_after: past,
    ...(createdBy === undefined ? {} : { created_by: createdBy }),
  };
}

const CATALOG = ["exercises", "exercise_aliases", "exercise_families"];
const CURATOR_READABLE = ["catalog_changes", "catalog_run_summaries", "catalog_daily_summaries", "catalog_watchdog_runs"];
const CLOSED = ["catalog_locks", "catalog_idempotency", "catalog_job_dedup", "users"];

/** Written with rules disabled (firebase-admin) before the cases run. */
export const SEED_DOCUMENTS: Record<string, DocumentData> = {
  [`${JOBS}/alice-job`]: storedJob("alice"),
  [`${JOBS}/bob-job`]: storedJob("bob"),
  [`${JOBS}/system-job`]: storedJob("system:MAINTENANCE_SCAN"),
  [`${JOBS}/legacy-job`]: storedJob(),
  [`${JOBS}/alice-job/attempts/1`]: { worker_id: "w1", lease_epoch: 1, status: "succeeded" },
  [`${JOBS}/alice-job/plans/p1`]: { plan: { operations: [] }, expectations: [], summary: {} },
  [`${JOBS}/alice-job/shard_results/child-1`]: { status: "succeeded" },
  ...Object.fromEntries([...CATALOG, ...CURATOR_READABLE, ...CLOSED].map((name) => [`${name}/doc-1`, { job_id: "j1", name: "Squat" }])),
  "catalog_daily_summaries/doc-1/shards/0": { runs: 1 },
};

/** A valid job as a signed-in user may write it; `fields` replace or add fields. */
function userJob(fields: DocumentData = {}): DocumentData {
  return {
    type: "EXERCISE_ADD",
    payload: { mode: "dry_run", intent: { base_name: "Zercher Squat", equipment: ["barbell"] } },
    queue: "priority",
    priority: 100,
    dedup_key: "user:alice:zercher-squat",
    status: "queued",
    created_at: serverTimestamp(),
    ...fields,
  };
}

function without(data: DocumentData, field: string): DocumentData {
  const copy = { ...data };
  delete copy[field];
  return copy;
}

/** A curator's TARGETED_FIX-shaped job whose payload is `payload` (curators may use every payload key). */
function curatorPayload(payload: DocumentData): DocumentData {
  return { type: "TARGETED_FIX", payload };
}

const add = (name: string, actor: Actor, expect: "allow" | "deny", data: DocumentData): RulesCase => ({
  name,
  actor,
  expect,
  op: "add",
  collection: JOBS,
  data,
});

const text = (n: number) => "x".repeat(n);
const items = (count: number, each = 1) => Array.from({ length: count }, (_, i) => String(i % 10).repeat(each));

/** The types' FULL_PAYLOADS as jobs `actor` may create (a type without any is caught by engine-agreement.test.ts). */
function fullPayloadJobs(actor: "alice" | "curator", types: readonly string[]): RulesCase[] {
  return types.flatMap((type) =>
    (FULL_PAYLOADS[type] ?? []).map((payload) =>
      add(`${actor} may create ${type} with the payload keys ${Object.keys(payload).join(", ")}`, actor, "allow", { type, payload }),
    ),
  );
}

/** Each payload key that only the curator types use, with a value of it their full payloads give. */
function curatorOnlyPayloadKeys(): [string, unknown][] {
  const entries = (types: readonly string[]) => types.flatMap((type) => (FULL_PAYLOADS[type] ?? []).flatMap((p) => Object.entries(p)));
  const userKeys = new Set(entries(USER_JOB_TYPES).map(([key]) => key));
  return [...new Map(entries(CLIENT_JOB_TYPES).filter(([key]) => !userKeys.has(key)))];
}

/** What a client may write when it creates a job: its request, and the status, time and creator intake would give it. */
const CLIENT_FIELDS: ReadonlySet<string> = new Set([...Object.keys(jobRequestSchema.shape), "status", "created_at", "created_by"]);

/**
 * Every other field of a job, the engine's own: those of the stored document, of a fresh job, and a
 * cancelled child's mark. A field the rules let a client write among them fails its case.
 */
const ENGINE_OWNED_FIELDS = [
  ...new Set([
    ...Object.keys(jobDocumentSchema.shape),
    ...Object.keys(
      buildJobDocument(
        { type: "FAMILY_AUDIT", payload: { mode: "dry_run" } },
        { now: new Date(), createdBy: "", lane: "priority", slot: 0 },
      ),
    ),
    CANCELLED_WITH_PARENT,
  ]),
].filter((field) => !CLIENT_FIELDS.has(field));

/** Every field of a job, the client's and the engine's (the mutation check adds each to the rules' lists of fields). */
export const JOB_FIELDS: readonly string[] = [...CLIENT_FIELDS, ...ENGINE_OWNED_FIELDS];

function creationByUser(): RulesCase[] {
  const dryRun = userJob().payload as DocumentData;
  return [
    add("a user may create EXERCISE_ADD in dry_run with every client field", "alice", "allow", userJob()),
    add("a user may create with created_by equal to their uid", "alice", "allow", userJob({ created_by: "alice" })),
    add("a user may create FAMILY_AUDIT with only type and payload", "alice", "allow", { type: "FAMILY_AUDIT", payload: {} }),
    {
      name: "a user may create with a chosen id at priority 0",
      actor: "alice",
      expect: "allow",
      op: "set",
      path: `${JOBS}/alice-chosen-id`,
      data: userJob({ priority: 0 }),
    },
    ...(["alice", "curator"] as const).map((actor): RulesCase => ({
      name: `${actor} may not create a job at an engine id (a scheduled scan's, with "@")`,
      actor,
      expect: "deny",
      op: "set",
      path: `${JOBS}/QUALITY_SCAN@2026-12-0${actor === "alice" ? 7 : 8}`,
      data: userJob({ created_by: actor }),
    })),
    // The ids the engine derives from a job's own (the code's id builders), taken first by a client.
    ...(["alice", "curator"] as const).flatMap((actor) =>
      [
        ["a child", childJobId(`${actor}-parent`, 12)],
        ["a follow-up", followUpJobId(`${actor}-job`, "enrichment")],
        ["a child's follow-up", followUpJobId(childJobId(`${actor}-parent`, 3), "registry-squat")],
        // Its key cut and followed by its digest (an exercise id of 70 characters of 3 bytes).
        ["a child's digest-named follow-up", followUpJobId(childJobId(`${actor}-parent`, 3), `registry-${"\u20AC".repeat(70)}`)],
        // A chosen id may hold a line break, which the rules' `.` alone does not match.
        ["a two-line id's child", childJobId(`${actor}\nparent`, 12)],
        ["a two-line id's follow-up", followUpJobId(`${actor}\r\njob`, "enrichment")],
      ].map(([what, id]): RulesCase => ({
        name: `${actor} may not create a job at ${what}'s engine id (${id})`,
        actor,
        expect: "deny",
        op: "set",
        path: `${JOBS}/${id}`,
        data: userJob({ created_by: actor }),
      })),
    ),
    // A longer id would leave the ids the engine derives from it no room in Firestore's 1,500 bytes (MAX_CHOSEN_JOB_ID_LENGTH).
    ...(
      [
        ["allow", `of ${MAX_CHOSEN_JOB_ID_LENGTH} characters`, "a".repeat(MAX_CHOSEN_JOB_ID_LENGTH)],
        ["deny", `of ${MAX_CHOSEN_JOB_ID_LENGTH + 1} characters`, "b".repeat(MAX_CHOSEN_JOB_ID_LENGTH + 1)],
        // The rules count UTF-16 units: an emoji is two.
        ["allow", `of ${MAX_CHOSEN_JOB_ID_LENGTH / 2} emoji`, "\u{1F3CB}".repeat(MAX_CHOSEN_JOB_ID_LENGTH / 2)],
        ["deny", `of ${MAX_CHOSEN_JOB_ID_LENGTH / 2 + 1} emoji`, "\u{1F3CC}".repeat(MAX_CHOSEN_JOB_ID_LENGTH / 2 + 1)],
      ] as const
    ).map(([expect, what, id]): RulesCase => ({
      name: `a user ${expect === "allow" ? "may" : "may not"} choose an id ${what}`,
      actor: "alice",
      expect,
      op: "set",
      path: `${JOBS}/${id}`,
      data: userJob(),
    })),
    {
      name: "a user may choose an id that only resembles an engine id",
      actor: "alice",
      expect: "allow",
      op: "set",
      path: `${JOBS}/alice-shard-notes-enrichments`,
      data: userJob(),
    },
    ...fullPayloadJobs("alice", USER_JOB_TYPES),
    add("a user may ask for priority 100", "alice", "allow", userJob({ type: "FAMILY_AUDIT", priority: 100 })),
    add("a user may not write created_by of someone else", "alice", "deny", userJob({ created_by: "bob" })),
    add("a user may not write a system created_by", "alice", "deny", userJob({ created_by: "system:cli" })),
    ...ENGINE_OWNED_FIELDS.map((field) =>
      add(`a user may not write the engine-owned field ${field}`, "alice", "deny", userJob({ [field]: "written by a client" })),
    ),
    add("a user may not write an unknown field", "alice", "deny", userJob({ anything_else: "x" })),
    ...["running", "succeeded", "failed", "deferred", "cancelled", ""].map((status) =>
      add(`a user may not create with status "${status}"`, "alice", "deny", userJob({ status })),
    ),
    add("created_at must be request.time, not an earlier time", "alice", "deny", userJob({ created_at: MINUTE_AGO })),
    add("created_at must be request.time, not a string", "alice", "deny", userJob({ created_at: "now" })),
    add("a user may not ask for priority 101", "alice", "deny", userJob({ priority: 101 })),
    add("priority must not be negative", "curator", "deny", userJob({ priority: -1 })),
    add("priority must be an integer", "alice", "deny", userJob({ priority: 1.5 })),
    add("priority must not be a string", "alice", "deny", userJob({ priority: "50" })),
    ...["express", "", "PRIORITY"].map((queue) => add(`the unknown lane "${queue}" is rejected`, "curator", "deny", userJob({ queue }))),
    add("a user may not use the maintenance lane", "alice", "deny", userJob({ queue: "maintenance" })),
    add("a user may not ask for apply mode", "alice", "deny", userJob({ payload: { ...dryRun, mode: "apply" } })),
    add("a user may not ask for apply mode with only type and payload", "alice", "deny", {
      type: "FAMILY_AUDIT",
      payload: { mode: "apply", family_slug: "squat" },
    }),
    ...JOB_TYPES.filter((t) => !USER_JOB_TYPES.includes(t)).map((type) =>
      add(`a user may not create the curator-only type ${type}`, "alice", "deny", userJob({ type, payload: { mode: "dry_run" } })),
    ),
    add("an unknown type is rejected", "curator", "deny", userJob({ type: "DROP_EVERYTHING" })),
    add("a missing type is rejected", "curator", "deny", without(userJob(), "type")),
    add("a missing payload is rejected", "curator", "deny", without(userJob(), "payload")),
    add("a string payload is rejected", "curator", "deny", userJob({ payload: "dry_run" })),
    add("a null payload is rejected", "curator", "deny", userJob({ payload: null })),
    add("a dedup_key of 500 characters is accepted", "alice", "allow", userJob({ dedup_key: `user:alice:${text(489)}` })),
    add("a dedup_key of 501 characters is rejected", "alice", "deny", userJob({ dedup_key: `user:alice:${text(490)}` })),
    add("a curator's dedup_key of 500 characters is accepted", "curator", "allow", userJob({ dedup_key: text(500) })),
    add("a curator's dedup_key of 501 characters is rejected", "curator", "deny", userJob({ dedup_key: text(501) })),
    // The engine's follow-ups and the curators' jobs use keys a user must not hold (their jobs would not be created).
    add("a user may not use the engine's dedup key", "alice", "deny", userJob({ dedup_key: "FAMILY_NORMALIZE:squat" })),
    add("a user may not use another user's dedup key", "alice", "deny", userJob({ dedup_key: "user:bob:zercher-squat" })),
    add("a user's dedup key names a key after the uid", "alice", "deny", userJob({ dedup_key: "user:alice:" })),
    add("a user's dedup key starts with user:", "alice", "deny", userJob({ dedup_key: "users:alice:zercher-squat" })),
    add("a curator may use any dedup key", "curator", "allow", userJob({ dedup_key: "FAMILY_NORMALIZE:squat" })),
    // Only the keys of the user types: every type's keys together would make a document of hundreds of kB.
    ...curatorOnlyPayloadKeys().map(([key, value]) =>
      add(`a user may not use the curator types' payload key ${key}`, "alice", "deny", userJob({ payload: { ...dryRun, [key]: value } })),
    ),
    add(
      "a user may create FAMILY_AUDIT with its family_slug",
      "alice",
      "allow",
      userJob({ type: "FAMILY_AUDIT", payload: { family_slug: "squat" } }),
    ),
    add("a numeric dedup_key is rejected", "curator", "deny", userJob({ dedup_key: 42 })),
    // Intake would fail it as INVALID_JOB: refused when written instead.
    add("an empty dedup_key is rejected", "curator", "deny", userJob({ dedup_key: "" })),
    add("a list dedup_key is rejected", "curator", "deny", userJob({ dedup_key: ["a"] })),
    {
      name: "a create may not overwrite an existing job",
      actor: "alice",
      expect: "deny",
      op: "set",
      path: `${JOBS}/bob-job`,
      data: userJob(),
    },
    add("without sign-in a valid job is rejected", "anonymous", "deny", userJob()),
    add("without sign-in a minimal job is rejected", "anonymous", "deny", { type: "FAMILY_AUDIT", payload: {} }),
  ];
}

function creationByCurator(): RulesCase[] {
  return [
    ...CLIENT_JOB_TYPES.map((type) =>
      add(`a curator may create ${type} in apply mode in the maintenance lane at priority 1000`, "curator", "allow", {
        type,
        payload: { mode: "apply" },
        queue: "maintenance",
        priority: 1000,
        status: "queued",
        created_at: serverTimestamp(),
        created_by: "curator",
      }),
    ),
    ...fullPayloadJobs("curator", CLIENT_JOB_TYPES),
    add("a curator may not create engine-only shard jobs", "curator", "deny", userJob({ type: "CATALOG_ENRICH_FIELD_SHARD" })),
    add("a curator may not ask for priority 1001", "curator", "deny", userJob({ priority: 1001 })),
    add("a curator may not create a running job", "curator", "deny", userJob({ status: "running" })),
    add("a curator may not write a lease owner", "curator", "deny", userJob({ lease_owner: "me" })),
    add("a curator may not write another created_by", "curator", "deny", userJob({ created_by: "alice" })),
    add("a catalog_admin claim other than true gives no curator type", "pretender", "deny", userJob({ type: "FAMILY_MERGE" })),
    add("a catalog_admin claim other than true gives no maintenance lane", "pretender", "deny", userJob({ queue: "maintenance" })),
    add("the claim without a verified email gives no curator type", "unverified", "deny", userJob({ type: "FAMILY_MERGE" })),
    add("the claim without a verified email gives no maintenance lane", "unverified", "deny", userJob({ queue: "maintenance" })),
  ];
}

/**
 * A user's EXERCISE_ADD intent at the sizes its schema takes, and one past each (a curator's job is held
 * to the payload bounds only). engine-agreement.test.ts holds each to the schema: the rules refuse what
 * intake would.
 */
export const USER_INTENT_BOUNDS: ReadonlyArray<{ name: string; expect: "allow" | "deny"; intent: DocumentData }> = (() => {
  const atLimit = {
    base_name: text(200),
    equipment: items(10, 100),
    muscles: { primary: items(3, 100), secondary: items(5, 100) },
  };
  const past = (name: string, change: DocumentData) => ({ name, expect: "deny" as const, intent: { ...atLimit, ...change } });
  return [
    { name: "at the sizes EXERCISE_ADD takes", expect: "allow", intent: atLimit },
    past("a base name of 201 characters", { base_name: text(201) }),
    past("11 equipment", { equipment: items(11, 1) }),
    past("an equipment name of 101 characters", { equipment: [...items(9, 100), text(101)] }),
    past("4 primary muscles", { muscles: { primary: items(4, 1) } }),
    past("a primary muscle of 101 characters", { muscles: { primary: [...items(2, 100), text(101)] } }),
    past("6 secondary muscles", { muscles: { primary: ["a"], secondary: items(6, 1) } }),
    past("a secondary muscle of 101 characters", { muscles: { primary: ["a"], secondary: [...items(4, 100), text(101)] } }),
  ];
})();

function userIntentBounds(): RulesCase[] {
  return USER_INTENT_BOUNDS.map(({ name, expect, intent }) =>
    add(`a user's intent: ${name}`, "alice", expect, userJob({ payload: { mode: "dry_run", intent } })),
  );
}

/** Payload bounds: each key at its limit is accepted, one past it is rejected. */
function payloadBounds(): RulesCase[] {
  const allow = (name: string, payload: DocumentData) => add(`payload bounds: ${name}`, "curator", "allow", curatorPayload(payload));
  const deny = (name: string, payload: DocumentData) => add(`payload bounds: ${name}`, "curator", "deny", curatorPayload(payload));
  const listKeys = ["exercise_doc_ids", "alias_slugs", "fields_to_remove"];
  return [
    add("payload bounds: mode must be dry_run or apply", "curator", "deny", userJob({ payload: { mode: "preview" } })),
    allow("six keys", { mode: "apply", family_slug: "a", fix_type: "b", reason: "c", family_limit: 1, shard_size: 2 }),
    deny("seven keys", {
      mode: "apply",
      family_slug: "a",
      fix_type: "b",
      reason: "c",
      family_limit: 1,
      shard_size: 2,
      emit_enrichment: true,
    }),
    deny("an unknown key", { mode: "apply", drop_table: "x" }),
    allow("scalars of 4,000 characters in all", { family_slug: text(2000), reason: text(2000) }),
    deny("scalars of 4,001 characters", { family_slug: text(2000), reason: text(2001) }),
    ...["family_slug", "fix_type", "reason"].map((key) => deny(`${key} of 4,001 characters`, { [key]: text(4001) })),
    ...["family_limit", "shard_size", "emit_enrichment", "family_slug"].map((key) => deny(`${key} that is a list`, { [key]: ["a"] })),
    ...listKeys.flatMap((key) => [
      allow(`${key} of 500 items`, { [key]: items(500) }),
      deny(`${key} of 501 items`, { [key]: items(501) }),
      deny(`${key} of 50,001 characters`, { [key]: [...items(50, 1000), "x"] }),
    ]),
    allow("list of 50,000 characters", { exercise_doc_ids: items(50, 1000) }),
    deny("a list of maps", { alias_slugs: [{ a: "b" }] }),
    ...(
      [
        ["merge_config", { source_family: "a", target_family: "b" }, "source_family"],
        ["rename_config", { old_family_slug: "a", new_family_slug: "b" }, "new_family_slug"],
        ["filter_criteria", { equipment: "a", category: "b", family_slug: "c" }, "category"],
        ["selection", { stale_after_days: 7, limit: 200 }, "limit"],
      ] as const
    ).flatMap(([key, valid, field]) => [
      allow(`${key} with its keys`, { [key]: valid }),
      deny(`${key} with an unknown key`, { [key]: { ...valid, other: "x" } }),
      allow(`${key} of 1,000 characters`, { [key]: { [field]: text(1000) } }),
      deny(`${key} of 1,001 characters`, { [key]: { [field]: text(1001) } }),
    ]),
    allow("split_config with its keys", { split_config: { target_family: text(1000), equipment: items(500) } }),
    deny("split_config with an unknown key", { split_config: { target_family: "a", other: "x" } }),
    deny("split_config target of 1,001 characters", { split_config: { target_family: text(1001) } }),
    deny("split_config of 501 equipment", { split_config: { equipment: items(501) } }),
    allow("intent with its keys", {
      intent: {
        base_name: "a",
        equipment: items(500),
        category: "b",
        description: text(4998),
        muscles: { primary: ["c"], secondary: ["d"] },
      },
    }),
    deny("intent with an unknown key", { intent: { base_name: "a", photo: "x" } }),
    deny("intent texts of 5,001 characters", { intent: { base_name: "a", description: text(5000) } }),
    deny("intent of 501 equipment", { intent: { equipment: items(501) } }),
    deny("intent muscles with an unknown key", { intent: { muscles: { tertiary: ["a"] } } }),
    deny("intent of 501 primary muscles", { intent: { muscles: { primary: items(501) } } }),
    deny("intent of 501 secondary muscles", { intent: { muscles: { secondary: items(501) } } }),
    allow("enrichment_spec with its keys", {
      enrichment_spec: { spec_id: "a", spec_version: 2, fields_to_enrich: items(500), instructions: text(4994), use_pro_model: true },
    }),
    deny("enrichment_spec with an unknown key", { enrichment_spec: { spec_id: "a", model: "x" } }),
    deny("enrichment_spec texts of 5,001 characters", { enrichment_spec: { spec_id: "a", instructions: text(5000) } }),
    deny("enrichment_spec of 501 fields", { enrichment_spec: { fields_to_enrich: items(501) } }),
    allow("fix_data with its keys", { fix_data: { new_name: text(500), merged_into: text(500), patch: { name: "a" } } }),
    deny("fix_data with an unknown key", { fix_data: { new_name: "a", other: "x" } }),
    deny("fix_data names of 1,001 characters", { fix_data: { new_name: text(500), merged_into: text(501) } }),
    allow("fix_data patch of 20 fields and 20,000 characters", {
      fix_data: { patch: Object.fromEntries(items(20, 1).map((_, i) => [`f${i}`, text(1000)])) },
    }),
    deny("fix_data patch of 21 fields", { fix_data: { patch: Object.fromEntries(items(21).map((_, i) => [`f${i}`, "a"])) } }),
    deny("fix_data patch of 20,001 characters", { fix_data: { patch: { a: text(10000), b: text(10001) } } }),
    deny("fix_data patch with a list value", { fix_data: { patch: { equipment: ["a"] } } }),
  ];
}

function jobReads(): RulesCase[] {
  const get = (name: string, actor: Actor, expect: "allow" | "deny", path: string): RulesCase => ({ name, actor, expect, op: "get", path });
  const list = (name: string, actor: Actor, expect: "allow" | "deny", whereCreatedBy?: string): RulesCase => ({
    name,
    actor,
    expect,
    op: "list",
    collection: JOBS,
    ...(whereCreatedBy ? { whereCreatedBy } : {}),
  });
  return [
    get("the creator can read their own job", "alice", "allow", `${JOBS}/alice-job`),
    get("a user cannot read another user's job", "alice", "deny", `${JOBS}/bob-job`),
    get("a user cannot read a system job", "alice", "deny", `${JOBS}/system-job`),
    get("a user cannot read a job without created_by", "alice", "deny", `${JOBS}/legacy-job`),
    get("without sign-in a job is not readable", "anonymous", "deny", `${JOBS}/alice-job`),
    // A client's listener may reach the server before the job's create does.
    get("a user can read a job not written yet", "alice", "allow", `${JOBS}/not-yet-written`),
    get("without sign-in a job not written yet is not readable", "anonymous", "deny", `${JOBS}/not-yet-written`),
    get("a user cannot probe an engine job id not written yet", "alice", "deny", `${JOBS}/QUALITY_SCAN@2026-12-07`),
    list("without sign-in jobs cannot be listed", "anonymous", "deny"),
    list("a user can list their own jobs with a created_by filter", "alice", "allow", "alice"),
    list("a user cannot list the whole collection", "alice", "deny"),
    list("a user cannot list another user's jobs", "alice", "deny", "bob"),
    ...["alice-job", "bob-job", "system-job", "legacy-job"].map((id) =>
      get(`a curator can read ${id}`, "curator", "allow", `${JOBS}/${id}`),
    ),
    list("a curator can list every job", "curator", "allow"),
    get("the claim without a verified email reads no one else's job", "unverified", "deny", `${JOBS}/alice-job`),
    list("the claim without a verified email lists no job", "unverified", "deny"),
    // Engine records under a job: curators read the attempt log and the frozen plans; nobody writes them.
    ...[
      ["attempts", "attempts/1"],
      ["plans", "plans/p1"],
    ].flatMap(([records, seeded]): RulesCase[] => [
      get(`a curator can read ${records}`, "curator", "allow", `${JOBS}/alice-job/${seeded}`),
      get(`the creator cannot read ${records}`, "alice", "deny", `${JOBS}/alice-job/${seeded}`),
      ...(["curator", "alice"] as const).map((actor): RulesCase => ({
        name: `${actor === "curator" ? "a curator" : "a user"} cannot write ${records}`,
        actor,
        expect: "deny",
        op: "set",
        path: `${JOBS}/alice-job/${records}/new`,
        data: { status: "x" },
      })),
      { name: `a curator cannot delete ${records}`, actor: "curator", expect: "deny", op: "delete", path: `${JOBS}/alice-job/${seeded}` },
    ]),
    get("a curator cannot read the fan-in markers of a parent", "curator", "deny", `${JOBS}/alice-job/shard_results/child-1`),
  ];
}

function jobUpdates(): RulesCase[] {
  const update = (name: string, actor: Actor, expect: "allow" | "deny", data: DocumentData): RulesCase => ({
    name,
    actor,
    expect,
    op: "update",
    path: `${JOBS}/alice-job`,
    data,
  });
  const fields: [string, unknown][] = [
    ["status", "cancelled"],
    ["priority", 1000],
    ["queue", "maintenance"],
    ["payload", { mode: "apply", family_slug: "squat" }],
    ["created_by", "bob"],
    ["attempts", 3],
    ["lease_owner", "me"],
    ["max_attempts", 99],
  ];
  const changes = new Map(fields);
  return [
    update("the creator may set cancel_requested: true", "alice", "allow", { cancel_requested: true }),
    update("a curator may set cancel_requested: true on anyone's job", "curator", "allow", { cancel_requested: true }),
    update("another user may not request cancellation", "bob", "deny", { cancel_requested: true }),
    update("the claim without a verified email may not request cancellation", "unverified", "deny", { cancel_requested: true }),
    update("without sign-in nobody may request cancellation", "anonymous", "deny", { cancel_requested: true }),
    update("cancel_requested may not be set to false", "alice", "deny", { cancel_requested: false }),
    update("cancel_requested may not be set to a string", "alice", "deny", { cancel_requested: "yes" }),
    update("a curator may not set cancel_requested to false", "curator", "deny", { cancel_requested: false }),
    ...fields.flatMap(([field, value]) => [
      update(`the creator may not change ${field}`, "alice", "deny", { [field]: value }),
      update(`a curator may not change ${field}`, "curator", "deny", { [field]: value }),
      update(`a curator may not change ${field} alongside cancel_requested`, "curator", "deny", { cancel_requested: true, [field]: value }),
    ]),
    // A cancellation changes no other field of the job, the client's or the engine's.
    ...JOB_FIELDS.filter((field) => field !== "cancel_requested").map((field) =>
      update(`the creator may not change ${field} alongside cancel_requested`, "alice", "deny", {
        cancel_requested: true,
        [field]: changes.get(field) ?? "changed by a client",
      }),
    ),
    {
      name: "a set() that replaces the job is rejected",
      actor: "alice",
      expect: "deny",
      op: "set",
      path: `${JOBS}/alice-job`,
      data: { cancel_requested: true },
    },
    {
      name: "a merge with cancel_requested is allowed",
      actor: "alice",
      expect: "allow",
      op: "set",
      path: `${JOBS}/alice-job`,
      data: { cancel_requested: true },
      merge: true,
    },
    ...(["alice", "curator", "anonymous"] as const).map((actor): RulesCase => ({
      name: `${actor} may not delete a job`,
      actor,
      expect: "deny",
      op: "delete",
      path: `${JOBS}/alice-job`,
    })),
  ];
}

function otherCollections(): RulesCase[] {
  const writes = (name: string): RulesCase[] =>
    (["curator", "alice", "anonymous"] as const).flatMap((actor): RulesCase[] => [
      { name: `${name}: ${actor} may not create`, actor, expect: "deny", op: "set", path: `${name}/doc-2`, data: { job_id: "j2" } },
      { name: `${name}: ${actor} may not update`, actor, expect: "deny", op: "update", path: `${name}/doc-1`, data: { job_id: "j3" } },
      { name: `${name}: ${actor} may not delete`, actor, expect: "deny", op: "delete", path: `${name}/doc-1` },
    ]);
  const read = (name: string, actor: Actor, expect: "allow" | "deny"): RulesCase[] => [
    {
      name: `${name}: ${actor} ${expect === "allow" ? "may" : "may not"} read a document`,
      actor,
      expect,
      op: "get",
      path: `${name}/doc-1`,
    },
    { name: `${name}: ${actor} ${expect === "allow" ? "may" : "may not"} list`, actor, expect, op: "list", collection: name },
  ];
  return [
    ...CATALOG.flatMap((name) => [
      ...read(name, "alice", "allow"),
      ...read(name, "curator", "allow"),
      ...read(name, "anonymous", "deny"),
      ...writes(name),
    ]),
    ...CURATOR_READABLE.flatMap((name) => [
      ...read(name, "curator", "allow"),
      ...read(name, "unverified", "deny"),
      ...read(name, "alice", "deny"),
      ...read(name, "anonymous", "deny"),
      ...writes(name),
    ]),
    {
      name: "daily summary shards: a curator may read",
      actor: "curator",
      expect: "allow",
      op: "get",
      path: "catalog_daily_summaries/doc-1/shards/0",
    },
    {
      name: "daily summary shards: a user may not read",
      actor: "alice",
      expect: "deny",
      op: "get",
      path: "catalog_daily_summaries/doc-1/shards/0",
    },
    {
      name: "daily summary shards: a curator may not write",
      actor: "curator",
      expect: "deny",
      op: "set",
      path: "catalog_daily_summaries/doc-1/shards/1",
      data: { runs: 1 },
    },
    ...CLOSED.flatMap((name) => [...read(name, "curator", "deny"), ...read(name, "alice", "deny"), ...writes(name)]),
  ];
}

export const RULES_CASES: readonly RulesCase[] = [
  ...creationByUser(),
  ...userIntentBounds(),
  ...creationByCurator(),
  ...payloadBounds(),
  ...jobReads(),
  ...jobUpdates(),
  ...otherCollections(),
];
