import { registry } from "../../src/handlers";
import { MAX_SHARD_SIZE } from "../../src/config";

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
