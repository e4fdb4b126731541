import { registry } from "../../src/handlers";
import { MAX_SHARD_SIZE } from "../../src/config";
import { createEngine } from "../../src/create-engine";
import { JOB_COLLECTIONS } from "../../src/jobs/collections";
import { useFirestore } from "../helpers/firestore";
import { RecordingTasks, testConfig } from "../helpers/runtime";

const db = useFirestore();

const enrich = (payload: Record<string, unknown>) =>
  registry.parseRequest({
    type: "CATALOG_ENRICH_FIELD",
    payload: { mode: "dry_run", enrichment_spec: { spec_id: "s", spec_version: 1 }, ...payload },
  });
const issuesOf = (result: ReturnType<typeof enrich>) => (result.ok ? [] : result.issues.map(({ path, message }) => ({ path, message })));

describe("payload validation names the offending values", () => {
  it("refuses fields_to_enrich that are no exercise field, or that enrichment never writes", () => {
    const result = enrich({ enrichment_spec: { spec_id: "s", spec_version: 1, fields_to_enrich: ["muscles", "colour", "name"] } });
    expect(issuesOf(result)).toEqual([
      { path: "payload.enrichment_spec.fields_to_enrich.1", message: '"colour" is not a field of an exercise' },
      { path: "payload.enrichment_spec.fields_to_enrich.2", message: '"name" is never written by enrichment' },
    ]);
  });

  it("accepts a field, a map of fields and a field inside one", () => {
    expect(
      enrich({ enrichment_spec: { spec_id: "s", spec_version: 1, fields_to_enrich: ["description", "muscles", "movement.type"] } }).ok,
    ).toBe(true);
  });

  it("holds the parent's shard_size and a shard's exercise list to one limit", () => {
    const shard = (count: number) =>
      registry.parseRequest({
        type: "CATALOG_ENRICH_FIELD_SHARD",
        payload: {
          mode: "dry_run",
          parent_job_id: "parent",
          exercise_doc_ids: Array.from({ length: count }, (_, i) => `exercise-${i}`),
          enrichment_spec: { spec_id: "s", spec_version: 1 },
        },
      });
    expect([enrich({ shard_size: MAX_SHARD_SIZE }).ok, shard(MAX_SHARD_SIZE).ok]).toEqual([true, true]);
    expect([enrich({ shard_size: MAX_SHARD_SIZE + 1 }).ok, shard(MAX_SHARD_SIZE + 1).ok]).toEqual([false, false]);
  });

  it("refuses filter values outside the taxonomy and accepts their spellings inside it", () => {
    const result = registry.parseRequest({
      type: "QUALITY_SCAN",
      payload: { mode: "dry_run", filter_criteria: { category: "strength", equipment: "hoverboard" } },
    });
    expect(issuesOf(result)).toEqual([
      { path: "payload.filter_criteria.equipment", message: expect.stringMatching(/^equipment "hoverboard" is not in the taxonomy/) },
      { path: "payload.filter_criteria.category", message: expect.stringMatching(/^category "strength" is not in the taxonomy/) },
    ]);
    expect(enrich({ filter_criteria: { category: "Compound", equipment: "Dumbbells" } }).ok).toBe(true);
  });
});

describe("document ids in a payload", () => {
  const targetedFix = (payload: Record<string, unknown>) => ({
    type: "TARGETED_FIX",
    payload: { mode: "dry_run", exercise_doc_ids: ["e1"], fix_type: "mark_merged", fix_data: { merged_into: "e2" }, ...payload },
  });
  const issuePaths = (request: { type: string; payload: Record<string, unknown> }) => {
    const result = registry.parseRequest(request);
    return result.ok ? [] : result.issues.map(({ path }) => path);
  };

  // Ids Firestore refuses ("." and "..", reserved "__x__"): refused at intake, rather than failing the job later as
  // FIRESTORE_INVALID_ARGUMENT or a validation error.
  it.each([".", "..", "__x__"])("refuses the id %j wherever a payload names a document", (id) => {
    expect(issuePaths(targetedFix({ exercise_doc_ids: ["e1", id] }))).toEqual(["payload.exercise_doc_ids.1"]);
    expect(issuePaths(targetedFix({ fix_data: { merged_into: id } }))).toEqual(["payload.fix_data.merged_into"]);
    expect(issuePaths({ type: "QUALITY_SCAN", payload: { mode: "dry_run", exercise_doc_ids: [id] } })).toEqual([
      "payload.exercise_doc_ids.0",
    ]);
    expect(issuePaths({ type: "SCHEMA_CLEANUP", payload: { mode: "dry_run", exercise_doc_ids: [id] } })).toEqual([
      "payload.exercise_doc_ids.0",
    ]);
    expect(enrich({ exercise_doc_ids: [id] }).ok).toBe(false);
  });

  it("refuses a leading space in an id the catalog would store, not in one that names a document (a hand-made one may have it)", () => {
    expect(issuePaths(targetedFix({ fix_data: { merged_into: " e1" } }))).toEqual(["payload.fix_data.merged_into"]);
    expect(issuePaths(targetedFix({ exercise_doc_ids: [" e1"] }))).toEqual([]);
    expect(enrich({ exercise_doc_ids: [" e1"] }).ok).toBe(true);
  });

  it("accepts the ids the catalog's exercises have", () => {
    expect(issuePaths(targetedFix({ exercise_doc_ids: ["squat__squat-barbell"], fix_data: { merged_into: "squat__box-squat" } }))).toEqual(
      [],
    );
  });

  it.each([
    ["exercise_doc_ids", { exercise_doc_ids: ["__x__"] }],
    ["merged_into", { fix_data: { merged_into: " e1" } }],
  ])("intake fails a client's job whose %s is no document id as INVALID_JOB", async (_field, payload) => {
    const engine = createEngine({ db, config: testConfig(), tasks: new RecordingTasks() });
    const ref = await db.collection(JOB_COLLECTIONS.jobs).add({ ...targetedFix(payload), status: "queued" });
    expect(await engine.intake(ref.id, "u1")).toMatchObject({ outcome: "invalid" });
    expect((await ref.get()).data()).toMatchObject({ status: "failed", error: { code: "INVALID_JOB" } });
  });
});

describe("unknown keys inside a payload", () => {
  const exerciseAdd = {
    type: "EXERCISE_ADD",
    payload: {
      mode: "apply",
      intent: { base_name: "Incline Bench Press", equipment: ["dumbbell"], category: "compound", muscles: { primary: ["upper chest"] } },
    },
  };
  const enrichmentSpec = { spec_id: "demo", spec_version: 1 };
  const targetedFix = (fix_type: string, fix_data: Record<string, unknown>) => ({
    type: "TARGETED_FIX",
    payload: { mode: "dry_run", exercise_doc_ids: ["squat__squat-barbell"], fix_type, fix_data },
  });

  /** `payload` with an unknown key added to the object at `path`. */
  function withUnknownKey(payload: Record<string, unknown>, path: string): Record<string, unknown> {
    const copy = structuredClone(payload);
    const target = path.split(".").reduce<Record<string, unknown>>((object, key) => object[key] as Record<string, unknown>, copy);
    target.unknown_key = true;
    return copy;
  }

  // Valid requests (the local engine's demo jobs, the README's job types), each with the path of an object nested in its payload.
  it.each([
    ["EXERCISE_ADD", "intent", exerciseAdd],
    ["EXERCISE_ADD", "intent.muscles", exerciseAdd],
    [
      "FAMILY_MERGE",
      "merge_config",
      { type: "FAMILY_MERGE", payload: { mode: "dry_run", merge_config: { source_family: "rows", target_family: "row" } } },
    ],
    [
      "FAMILY_SPLIT",
      "split_config",
      {
        type: "FAMILY_SPLIT",
        payload: {
          mode: "dry_run",
          family_slug: "bench_press",
          split_config: { target_family: "kettlebell_bench_press", equipment: ["kettlebell"] },
        },
      },
    ],
    [
      "FAMILY_RENAME_SLUG",
      "rename_config",
      {
        type: "FAMILY_RENAME_SLUG",
        payload: { mode: "dry_run", rename_config: { old_family_slug: "pushup", new_family_slug: "push_up" } },
      },
    ],
    [
      "CATALOG_ENRICH_FIELD",
      "enrichment_spec",
      {
        type: "CATALOG_ENRICH_FIELD",
        payload: { mode: "apply", enrichment_spec: enrichmentSpec, filter_criteria: { family_slug: "lateral_raise" } },
      },
    ],
    [
      "CATALOG_ENRICH_FIELD_SHARD",
      "enrichment_spec",
      {
        type: "CATALOG_ENRICH_FIELD_SHARD",
        payload: { mode: "apply", parent_job_id: "parent", exercise_doc_ids: ["squat__squat-barbell"], enrichment_spec: enrichmentSpec },
      },
    ],
    ["QUALITY_SCAN", "filter_criteria", { type: "QUALITY_SCAN", payload: { mode: "apply", filter_criteria: { family_slug: "row" } } }],
    ["QUALITY_SCAN", "selection", { type: "QUALITY_SCAN", payload: { mode: "dry_run", selection: { stale_after_days: 7, limit: 10 } } }],
    ["TARGETED_FIX rename", "fix_data", targetedFix("rename", { new_name: "Back Squat (Barbell)" })],
    ["TARGETED_FIX mark_merged", "fix_data", targetedFix("mark_merged", { merged_into: "squat__box-squat" })],
    ["TARGETED_FIX patch", "fix_data", targetedFix("patch", { patch: { description: "A squat." } })],
  ])("refuses one in %s's %s", (_, path, { type, payload }) => {
    expect(registry.parseRequest({ type, payload }).ok).toBe(true);
    const result = registry.parseRequest({ type, payload: withUnknownKey(payload, path) });
    expect(result.ok ? [] : result.issues).toEqual([
      { path: `payload.${path}`, code: "unrecognized_keys", message: expect.stringContaining('"unknown_key"') },
    ]);
  });
});
