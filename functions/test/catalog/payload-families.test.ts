import { familiesNamedBy } from "../../src/catalog/payload-families";
import { registry } from "../../src/handlers";

describe("the families a payload names", () => {
  it.each([
    [{ mode: "dry_run", family_slug: "squat" }, ["squat"]],
    [{ merge_config: { source_family: "row", target_family: "bent_over_row" } }, ["bent_over_row", "row"]],
    [{ rename_config: { old_family_slug: "curl", new_family_slug: "biceps_curl" } }, ["biceps_curl", "curl"]],
    [{ family_slug: "squat", split_config: { target_family: "box_squat", equipment: ["box"] } }, ["box_squat", "squat"]],
    [{ filter_criteria: { family_slug: "lunge", equipment: "dumbbell" } }, ["lunge"]],
    [{ intent: { base_name: "Curl", equipment: ["cable"] }, exercise_doc_ids: ["a"] }, []],
  ])("%j → %j", (payload, families) => {
    expect(familiesNamedBy(payload)).toEqual(families);
  });
});

describe("the catalog's job types", () => {
  it("name the families of their payload as the subjects of their runs", () => {
    expect(registry.subjectsOf({ mode: "dry_run", family_slug: "squat" })).toEqual(["squat"]);
  });
});

describe("slugs in a payload", () => {
  const issuesOf = (type: string, payload: Record<string, unknown>) => {
    const result = registry.parseRequest({ type, payload: { mode: "dry_run", ...payload } });
    return result.ok ? [] : result.issues.map((issue) => issue.path);
  };

  // Not a slug the catalog gives a family, so a job giving it one is refused at intake (INVALID_JOB) rather than failing later.
  it.each(["bench__press", "_bench_press", "bench_press_", "Bench_Press", "bench-press"])(
    "refuses the family slug %j where a job gives it to a family",
    (slug) => {
      expect(issuesOf("FAMILY_MERGE", { merge_config: { source_family: "row", target_family: slug } })).toEqual([
        "payload.merge_config.target_family",
      ]);
      expect(issuesOf("FAMILY_RENAME_SLUG", { rename_config: { old_family_slug: "row", new_family_slug: slug } })).toEqual([
        "payload.rename_config.new_family_slug",
      ]);
      expect(issuesOf("FAMILY_SPLIT", { family_slug: "squat", split_config: { target_family: slug, equipment: ["box"] } })).toEqual([
        "payload.split_config.target_family",
      ]);
    },
  );

  it.each(["Bench_Press", "bench-press"])("takes the stored family slug %j in a filter, which only reads the family", (slug) => {
    expect(issuesOf("QUALITY_SCAN", { filter_criteria: { family_slug: slug } })).toEqual([]);
  });

  it("accepts the family slugs the catalog holds", () => {
    expect(issuesOf("FAMILY_AUDIT", { family_slug: "bench_press" })).toEqual([]);
    expect(issuesOf("FAMILY_MERGE", { merge_config: { source_family: "row", target_family: "bent_over_row_2" } })).toEqual([]);
  });

  it.each(["bench--press", "-bench-press", "bench-press_", "bench__press", "Bench-Press"])("refuses the alias slug %j", (slug) => {
    expect(issuesOf("ALIAS_REPAIR", { alias_slugs: ["goblet-squat", slug] })).toEqual(["payload.alias_slugs.1"]);
  });

  it("accepts old name slugs and family slugs as alias slugs", () => {
    expect(issuesOf("ALIAS_REPAIR", { alias_slugs: ["barbell-bench-press", "bent_over_row", "db-curl"] })).toEqual([]);
  });
});

describe("equipment in a payload's filter", () => {
  const scan = (equipment: string) =>
    registry.parseRequest({ type: "QUALITY_SCAN", payload: { mode: "dry_run", filter_criteria: { equipment } } });

  it.each(["barbell", "Smith Machine", "plate", "Weight Plates", "dip-belt", "Dip Belt", "weighted-vest", "weight vest"])(
    "accepts %j: canonical, or what an alias leads to",
    (equipment) => {
      expect(scan(equipment).ok).toBe(true);
    },
  );

  it.each(["hoverboard", "none-such"])("refuses %j", (equipment) => {
    expect(scan(equipment).ok).toBe(false);
  });
});
