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
