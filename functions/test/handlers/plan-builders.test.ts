/**
 * The pure plan builders on the in-memory demo catalog (broken data included): what they plan, what
 * they refuse, and that every plan they build passes the real validator.
 */
import type { OperationInput } from "../../src/apply/plan";
import { JobFailure } from "../../src/jobs/errors";
import { auditFamily } from "../../src/catalog/family-findings";
import { planAliasRepair } from "../../src/handlers/plans/alias-repair";
import { resolveAlias } from "../../src/catalog/alias-resolution";
import { draftExercise, placeExercise, planExerciseAdd } from "../../src/handlers/plans/exercise-add";
import { planFamilyMerge } from "../../src/handlers/plans/family-merge";
import { planFamilyNormalize } from "../../src/handlers/plans/family-normalize";
import { maintenanceFollowUps } from "../../src/handlers/plans/maintenance-scan";
import { namesUnderNewSlug, planFamilyRenameSlug } from "../../src/handlers/plans/family-rename-slug";
import { planFamilySplit } from "../../src/handlers/plans/family-split";
import { planSchemaCleanup } from "../../src/handlers/plans/schema-cleanup";
import { planTargetedFix } from "../../src/handlers/plans/targeted-fix";
import type { CatalogSeed } from "../helpers/catalog";
import { archivedExerciseFixture, exerciseFixture, retiredFamilyFixture } from "../helpers/catalog";
import { InMemoryCatalog } from "./in-memory-catalog";
import { demoSeed } from "./support";

function catalogWith(extra: CatalogSeed = {}): InMemoryCatalog {
  const demo = demoSeed();
  return new InMemoryCatalog({
    exercises: [...demo.exercises, ...(extra.exercises ?? [])],
    aliases: [...demo.aliases, ...(extra.aliases ?? [])],
    families: [...demo.families, ...(extra.families ?? [])],
  });
}

function audited(catalog: InMemoryCatalog, slug: string) {
  const family = catalog.family(slug);
  const owners = catalog.owners();
  return { ...family, owners, findings: auditFamily(slug, family.members, family.registry, owners) };
}

function failureOf(fn: () => unknown): JobFailure {
  try {
    fn();
  } catch (err) {
    if (err instanceof JobFailure) return err;
    throw err;
  }
  throw new Error("expected a JobFailure");
}

const ops = (operations: readonly OperationInput[], op: OperationInput["op"]) => operations.filter((operation) => operation.op === op);

describe("planFamilyNormalize", () => {
  it("renames to canonical names, keeps old slugs, recomputes the registry, and passes validation", () => {
    const catalog = catalogWith();
    const normalization = planFamilyNormalize(audited(catalog, "hip_thrust"));
    expect(normalization.operations).toEqual([
      expect.objectContaining({
        op: "rename_exercise",
        exercise_id: "hip_thrust__barbell-hip-thrust",
        old_name: "Barbell Hip Thrust",
        new_name: "Hip Thrust (Barbell)",
      }),
      expect.objectContaining({ op: "upsert_alias", alias_slug: "barbell-hip-thrust", exercise_id: "hip_thrust__barbell-hip-thrust" }),
      expect.objectContaining({ op: "update_family_registry", family_slug: "hip_thrust", status: "active" }),
    ]);
    expect(catalog.validate("FAMILY_NORMALIZE", normalization.operations).errors).toEqual([]);
  });

  it("renames no leading word that is not the primary equipment, and the maintenance scan asks only for an audit", () => {
    const weighted = exerciseFixture("Weighted Pull-Up", ["pull-up-bar", "dip-belt"], { family_slug: "pull_up" });
    const family = audited(catalogWith({ exercises: [weighted] }), "pull_up");
    // The new member leaves the registry stale: that is all normalisation is asked to fix.
    expect(family.findings.map((finding) => `${finding.code}:${finding.fix}`)).toEqual([
      "non_canonical_name:review",
      "registry_stale:FAMILY_NORMALIZE",
    ]);
    const normalization = planFamilyNormalize(family);
    expect(normalization.operations.map((operation) => operation.op)).toEqual(["update_family_registry"]);
    expect(normalization.unresolved).toEqual([expect.objectContaining({ code: "non_canonical_name", exercise_ids: [weighted.id] })]);
    expect(maintenanceFollowUps("pull_up", family.findings).map((followUp) => followUp.dedup_key)).toEqual([
      "FAMILY_NORMALIZE:pull_up",
      "FAMILY_AUDIT:pull_up",
    ]);
    expect(maintenanceFollowUps("pull_up", family.findings.slice(0, 1)).map((followUp) => followUp.dedup_key)).toEqual([
      "FAMILY_AUDIT:pull_up",
    ]);
  });

  it("takes over, deleting it first, an alias of another exercise at a renamed member's own name slug, which it shadowed", () => {
    const members = [exerciseFixture("Seal Row (Barbell)", ["barbell"]), exerciseFixture("Seal Row", ["dumbbell"])];
    const catalog = catalogWith({ exercises: members, aliases: [{ alias_slug: "seal-row", exercise_id: "squat__squat-dumbbell" }] });
    const family = audited(catalog, "seal_row");
    expect(family.findings.map((finding) => finding.code)).not.toContain("alias_held");

    const normalization = planFamilyNormalize(family);
    expect(normalization.operations.filter((op) => "alias_slug" in op && op.alias_slug === "seal-row")).toEqual([
      expect.objectContaining({ op: "delete_alias", alias_slug: "seal-row" }),
      expect.objectContaining({ op: "upsert_alias", alias_slug: "seal-row", exercise_id: "seal_row__seal-row" }),
    ]);
    expect(catalog.validate("FAMILY_NORMALIZE", normalization.operations).errors).toEqual([]);
  });

  it.each([["a family", { family_slug: "squat", is_family_alias: true }, '"seal-row" is an alias of family squat']])(
    "leaves for review only the member whose stored slug's alias leads to %s, and the scan asks for an audit too",
    (_, target, held) => {
      const members = [
        exerciseFixture("Seal Row (Barbell)", ["barbell"]),
        exerciseFixture("Seal Row", ["dumbbell"]),
        exerciseFixture("Cable Seal Row", ["cable"], { family_slug: "seal_row" }),
      ];
      const catalog = catalogWith({ exercises: members, aliases: [{ alias_slug: "seal-row", ...target }] });
      const family = audited(catalog, "seal_row");
      const aliasHeld = {
        code: "alias_held",
        exercise_ids: ["seal_row__seal-row"],
        message: `"Seal Row" should be "Seal Row (Dumbbell)", but its old slug must stay its alias, and ${held}`,
        suggestion: "Seal Row (Dumbbell)",
        fix: "review",
      };
      expect(family.findings).toContainEqual(aliasHeld);

      const normalization = planFamilyNormalize(family);
      expect(ops(normalization.operations, "rename_exercise")).toEqual([
        expect.objectContaining({ exercise_id: "seal_row__cable-seal-row", new_name: "Seal Row (Cable)" }),
      ]);
      expect(normalization).toMatchObject({ renamed: 1, unresolved: [aliasHeld] });
      expect(catalog.validate("FAMILY_NORMALIZE", normalization.operations).errors).toEqual([]);
      expect(maintenanceFollowUps("seal_row", family.findings).map((followUp) => followUp.dedup_key)).toEqual([
        "FAMILY_NORMALIZE:seal_row",
        "FAMILY_AUDIT:seal_row",
      ]);
    },
  );

  it("re-derives a stale name_slug and keeps the stored one as an alias", () => {
    const normalization = planFamilyNormalize(audited(catalogWith(), "lat_pulldown"));
    expect(normalization.operations).toContainEqual(
      expect.objectContaining({
        op: "rename_exercise",
        exercise_id: "lat_pulldown__lat-pulldown-machine",
        new_name: "Lat Pulldown (Machine)",
      }),
    );
    expect(normalization.operations).toContainEqual(expect.objectContaining({ op: "upsert_alias", alias_slug: "lat-pull-down-machine" }));
  });

  it("re-derives a name_slug that is no slug at all without trying to keep it as an alias", () => {
    const catalog = catalogWith({ exercises: [exerciseFixture("Flat Row (Barbell)", ["barbell"], { name_slug: "Flat Row Barbell" })] });
    const normalization = planFamilyNormalize(audited(catalog, "flat_row"));
    expect(ops(normalization.operations, "rename_exercise")).toEqual([
      expect.objectContaining({ exercise_id: "flat_row__flat-row-barbell", new_name: "Flat Row (Barbell)" }),
    ]);
    expect(ops(normalization.operations, "upsert_alias")).toEqual([]);
    expect(catalog.validate("FAMILY_NORMALIZE", normalization.operations).errors).toEqual([]);
  });

  it("normalises equipment before naming by it", () => {
    const catalog = catalogWith({ exercises: [exerciseFixture("Good Morning", ["Barbells"])] });
    const normalization = planFamilyNormalize(audited(catalog, "good_morning"));
    expect(normalization.operations[0]).toMatchObject({
      op: "patch_fields",
      set: { equipment: ["barbell"] },
      before: { equipment: ["Barbells"] },
    });
    expect(normalization.equipment_normalised).toBe(1);
    expect(catalog.validate("FAMILY_NORMALIZE", normalization.operations).errors).toEqual([]);
  });

  it("leaves what it cannot fix to review: shared primary equipment, a name whose slug an alias holds", () => {
    const shoulder = planFamilyNormalize(audited(catalogWith(), "shoulder_press"));
    expect(shoulder.unresolved.map((finding) => finding.code)).toEqual(["shared_primary_equipment"]);
    expect(ops(shoulder.operations, "rename_exercise")).toEqual([]);

    const curl = planFamilyNormalize(audited(catalogWith(), "biceps_curl"));
    expect(curl.unresolved).toContainEqual(expect.objectContaining({ code: "name_collision", exercise_ids: ["biceps_curl__biceps-curl"] }));
    expect(ops(curl.operations, "rename_exercise")).toEqual([
      expect.objectContaining({ exercise_id: "biceps_curl__alternating-biceps-curl" }),
    ]);
  });

  it("leaves to review a name whose slug another renamed member holds, since that one keeps it as an alias", () => {
    // "Flat Press (Barbell)" is on dumbbells: it becomes "Flat Press (Dumbbell)", and its old slug stays its alias.
    const catalog = catalogWith({
      exercises: [exerciseFixture("Flat Press", ["barbell"]), exerciseFixture("Flat Press (Barbell)", ["dumbbell"])],
    });
    const normalization = planFamilyNormalize(audited(catalog, "flat_press"));
    expect(normalization.unresolved).toContainEqual(
      expect.objectContaining({ code: "name_collision", exercise_ids: ["flat_press__flat-press"] }),
    );
    expect(ops(normalization.operations, "rename_exercise")).toEqual([
      expect.objectContaining({ exercise_id: "flat_press__flat-press-barbell", new_name: "Flat Press (Dumbbell)" }),
    ]);
    expect(catalog.validate("FAMILY_NORMALIZE", normalization.operations).errors).toEqual([]);
  });

  it("plans nothing for a canonical family with a current registry", () => {
    expect(planFamilyNormalize(audited(catalogWith(), "squat")).operations).toEqual([]);
  });
});

describe("planFamilyMerge", () => {
  /** The plan of merging `source` into `target`, with no alias pointing at the source and no family merged into it. */
  const mergeIn = (catalog: InMemoryCatalog, source: string, target: string) =>
    planFamilyMerge({
      source: catalog.family(source),
      target: catalog.family(target),
      owners: catalog.owners(),
      pointingAliases: [],
      mergedIntoSource: [],
      mergedIntoMembers: [],
      aliasExercises: [],
    });

  const rows = {
    exercises: [
      exerciseFixture("Rows (Kettlebell)", ["kettlebell"]),
      exerciseFixture("Rows (Cable)", ["cable"], { description: undefined }),
    ],
    aliases: [{ alias_slug: "bent_over_rows", family_slug: "rows", is_family_alias: true }],
  };

  it("moves, renames and merges exercises into the target and retires the source", () => {
    const catalog = catalogWith(rows);
    const pointing = [...catalog.aliases].filter(([, data]) => data.family_slug === "rows").map(([id, data]) => ({ id, data }));
    const merge = planFamilyMerge({
      source: catalog.family("rows"),
      target: catalog.family("row"),
      owners: catalog.owners(),
      pointingAliases: pointing,
      mergedIntoSource: [],
      mergedIntoMembers: [],
      aliasExercises: [],
    });
    expect(merge).toMatchObject({ moved: 1, renamed: 1, merged_exercises: 1 });
    expect(merge.operations).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          op: "reassign_family",
          exercise_id: "rows__rows-kettlebell",
          from_family: "rows",
          to_family: "row",
          new_name: "Row (Kettlebell)",
        }),
        expect.objectContaining({ op: "upsert_alias", alias_slug: "rows-kettlebell", exercise_id: "rows__rows-kettlebell" }),
        expect.objectContaining({ op: "merge_exercises", source_id: "rows__rows-cable", target_id: "row__row-cable", target_patch: {} }),
        expect.objectContaining({ op: "upsert_alias", alias_slug: "bent_over_rows", family_slug: "row" }),
        expect.objectContaining({ op: "upsert_alias", alias_slug: "rows", family_slug: "row", is_family_alias: true }),
        expect.objectContaining({ op: "update_family_registry", family_slug: "row", status: "active" }),
        expect.objectContaining({ op: "update_family_registry", family_slug: "rows", status: "merged", merged_into: "row" }),
      ]),
    );
    expect(catalog.validate("FAMILY_MERGE", merge.operations).errors).toEqual([]);
  });

  it("fills the twin's missing fields from the merged exercise only with values the schema allows", () => {
    // The twin in row has no description; the merged one's legacy description is too short for the schema.
    // Its metadata carries a key the catalog does not know (which the patch allowlist refuses).
    const legacy = { description: "Too short.", metadata: { level: "beginner", difficulty: 3 } };
    const catalog = catalogWith({ exercises: [exerciseFixture("Rows (Cable)", ["cable"], legacy)] });
    const { metadata: _none, ...twin } = catalog.exercises.get("row__row-cable")!;
    catalog.exercises.set("row__row-cable", { ...twin, description: "" });
    const merge = mergeIn(catalog, "rows", "row");
    const [mergeOp] = ops(merge.operations, "merge_exercises");
    expect(mergeOp).toMatchObject({ source_id: "rows__rows-cable", target_id: "row__row-cable" });
    expect((mergeOp as { target_patch: Record<string, unknown> }).target_patch).not.toHaveProperty("description");
    expect((mergeOp as { target_patch: Record<string, unknown> }).target_patch).not.toHaveProperty("metadata");
    expect(catalog.validate("FAMILY_MERGE", merge.operations).errors).toEqual([]);
  });

  it("fills the twin's missing muscles with the merged exercise's, a legacy contribution renormalised as any write keeps it", () => {
    const muscles = {
      primary: ["latissimus dorsi"],
      secondary: ["biceps"],
      category: ["back"],
      contribution: { "latissimus dorsi": 0.5, biceps: 0.2 },
    };
    // The twin in row has no muscles.
    const demo = demoSeed();
    const exercises = demo.exercises.map((exercise) => {
      if (exercise.id !== "row__row-cable") return exercise;
      const { muscles: _none, ...twin } = exercise;
      return twin;
    });
    const catalog = new InMemoryCatalog({ ...demo, exercises: [...exercises, exerciseFixture("Rows (Cable)", ["cable"], { muscles })] });
    const merge = mergeIn(catalog, "rows", "row");
    const [mergeOp] = ops(merge.operations, "merge_exercises");
    expect((mergeOp as { target_patch: Record<string, unknown> }).target_patch.muscles).toEqual({
      ...muscles,
      contribution: { "latissimus dorsi": 0.714, biceps: 0.286 },
    });
    expect(catalog.validate("FAMILY_MERGE", merge.operations).errors).toEqual([]);
  });

  it("refuses a merge with two different exercises on one primary equipment: MERGE_CONFLICT", () => {
    const catalog = catalogWith({ exercises: [exerciseFixture("Kroc Rows (Dumbbell)", ["dumbbell"], { family_slug: "rows" })] });
    const failure = failureOf(() => mergeIn(catalog, "rows", "row"));
    expect(failure).toMatchObject({ code: "MERGE_CONFLICT", kind: "needs_review" });
    expect(failure.details).toEqual({
      conflicts: [expect.objectContaining({ exercise_id: "rows__kroc-rows-dumbbell", kind: "equipment", with: "row__row-dumbbell" })],
    });
  });

  it("refuses a merge that makes the target multi-equipment while its members share a primary equipment: MERGE_CONFLICT", () => {
    const catalog = catalogWith({
      exercises: [exerciseFixture("Push-Ups (Weighted Vest)", ["weighted-vest"], { family_slug: "push_ups" })],
    });
    const failure = failureOf(() => mergeIn(catalog, "push_ups", "push_up"));
    expect(failure).toMatchObject({ code: "MERGE_CONFLICT", kind: "needs_review" });
    expect(failure.details).toEqual({
      conflicts: expect.arrayContaining([expect.objectContaining({ exercise_id: "push_up__diamond-push-up", kind: "equipment" })]),
    });
  });

  it("refuses a merge bringing two exercises on one primary equipment the target does not have: MERGE_CONFLICT between them", () => {
    const catalog = catalogWith({
      exercises: [
        exerciseFixture("Rows (Kettlebell)", ["kettlebell"]),
        exerciseFixture("Gorilla Rows (Kettlebell)", ["kettlebell"], { family_slug: "rows" }),
      ],
    });
    expect(catalog.family("row").members.some(({ data }) => (data.equipment as string[])[0] === "kettlebell")).toBe(false);
    const failure = failureOf(() => mergeIn(catalog, "rows", "row"));
    expect(failure).toMatchObject({ code: "MERGE_CONFLICT", kind: "needs_review" });
    expect(failure.details).toEqual({
      conflicts: [
        expect.objectContaining({ exercise_id: "rows__gorilla-rows-kettlebell", kind: "equipment", with: "rows__rows-kettlebell" }),
      ],
    });
  });

  it("does not take two exercises without equipment for a conflict on one primary equipment", () => {
    const catalog = catalogWith({
      exercises: [
        exerciseFixture("Pendlay Row", [], { family_slug: "row", status: "draft" }),
        exerciseFixture("Seal Rows", [], { family_slug: "rows", status: "draft" }),
      ],
    });
    const merge = mergeIn(catalog, "rows", "row");
    expect(merge.operations).toContainEqual(
      expect.objectContaining({ op: "reassign_family", exercise_id: "rows__seal-rows", to_family: "row", new_name: "Seal Row" }),
    );
    expect(catalog.validate("FAMILY_MERGE", merge.operations).errors).toEqual([]);
  });

  it("merges an exercise into its twin however the name places the word the primary does not say", () => {
    const catalog = catalogWith({
      exercises: [
        exerciseFixture("Landmine Row", ["barbell", "landmine"], { family_slug: "landmine_row" }),
        exerciseFixture("Row (Landmine)", ["barbell", "landmine"], { family_slug: "row", description: undefined }),
      ],
    });
    const merge = mergeIn(catalog, "landmine_row", "row");
    expect(merge).toMatchObject({ moved: 0, merged_exercises: 1 });
    expect(ops(merge.operations, "merge_exercises")).toEqual([
      expect.objectContaining({ source_id: "landmine_row__landmine-row", target_id: "row__row-landmine" }),
    ]);
  });

  it("refuses a retired target", () => {
    const catalog = catalogWith({
      ...rows,
      families: [retiredFamilyFixture("old_row", "row")],
    });
    const failure = failureOf(() => mergeIn(catalog, "rows", "old_row"));
    expect(failure).toMatchObject({
      code: "TARGET_FAMILY_RETIRED",
      kind: "permanent",
      message: "family old_row is merged into row; merge rows into row instead",
    });
  });

  it("refuses a target merged away whose registry entry names no successor, saying so", () => {
    const catalog = catalogWith({ ...rows, families: [{ ...retiredFamilyFixture("old_row"), status: "merged" }] });
    const failure = failureOf(() => mergeIn(catalog, "rows", "old_row"));
    expect(failure).toMatchObject({ code: "TARGET_FAMILY_RETIRED", details: { family_slug: "old_row", merged_into: null } });
    expect(failure.message).toBe("family old_row is merged, and its registry entry names no successor; exercises go into a live family");
  });
});

describe("planFamilySplit", () => {
  const curl = {
    exercises: [
      exerciseFixture("Hammer Curl (Dumbbell)", ["dumbbell"], { family_slug: "curl" }),
      exerciseFixture("Hammer Curl (Cable)", ["cable"], { family_slug: "curl" }),
      exerciseFixture("Leg Curl (Machine)", ["machine"], { family_slug: "curl" }),
    ],
  };

  const misfiledBicepsCurl = {
    exercises: [
      exerciseFixture("Hammer Curl (Dumbbell)", ["dumbbell"], { family_slug: "curl" }),
      exerciseFixture("Reverse Biceps Curl (Cable)", ["cable"], { family_slug: "curl" }),
    ],
  };

  it("moves an exercise whose name holds a qualifier once, not repeating the qualifier", () => {
    const catalog = catalogWith({
      exercises: [
        exerciseFixture("Curl (Hammer)", ["dumbbell"], { family_slug: "curl" }),
        exerciseFixture("Leg Curl (Machine)", ["machine"], { family_slug: "curl" }),
      ],
    });
    const split = planFamilySplit({
      family: catalog.family("curl"),
      target: catalog.family("hammer_curl"),
      equipment: ["dumbbell"],
      owners: catalog.owners(),
    });
    expect(ops(split.operations, "reassign_family")).toEqual([expect.objectContaining({ new_name: "Hammer Curl (Dumbbell)" })]);
    expect(catalog.validate("FAMILY_SPLIT", split.operations).errors).toEqual([]);
  });

  it("spells a new family's base as the catalog spells the old one: Push-Up keeps its hyphen and its equipment suffix", () => {
    const catalog = catalogWith({ exercises: [exerciseFixture("Push-Up (Dumbbell)", ["dumbbell"], { family_slug: "push_up" })] });
    const split = planFamilySplit({
      family: catalog.family("push_up"),
      target: catalog.family("renegade_push_up"),
      equipment: ["dumbbell"],
      owners: catalog.owners(),
    });
    expect(ops(split.operations, "reassign_family")).toEqual([
      expect.objectContaining({ exercise_id: "push_up__push-up-dumbbell", new_name: "Renegade Push-Up (Dumbbell)" }),
    ]);
    expect(catalog.validate("FAMILY_SPLIT", split.operations).errors).toEqual([]);
  });

  it("moves the exercises of the given equipment into a new family", () => {
    const catalog = catalogWith(curl);
    const split = planFamilySplit({
      family: catalog.family("curl"),
      target: catalog.family("leg_curl"),
      equipment: ["Machine"],
      owners: catalog.owners(),
    });
    expect(split.operations).toEqual([
      expect.objectContaining({ op: "reassign_family", exercise_id: "curl__leg-curl-machine", from_family: "curl", to_family: "leg_curl" }),
      expect.objectContaining({ op: "update_family_registry", family_slug: "curl" }),
      expect.objectContaining({ op: "update_family_registry", family_slug: "leg_curl" }),
    ]);
    expect(catalog.validate("FAMILY_SPLIT", split.operations).errors).toEqual([]);
  });

  it("refuses a split into a family that already has the equipment: SPLIT_EQUIPMENT_CONFLICT", () => {
    // A biceps curl misfiled in curl: its name fits biceps_curl, whose cable exercise it would meet.
    const catalog = catalogWith(misfiledBicepsCurl);
    const failure = failureOf(() =>
      planFamilySplit({
        family: catalog.family("curl"),
        target: catalog.family("biceps_curl"),
        equipment: ["cable"],
        owners: catalog.owners(),
      }),
    );
    expect(failure).toMatchObject({ code: "SPLIT_EQUIPMENT_CONFLICT", kind: "needs_review" });
  });

  it.each([
    ["no exercise with the equipment", ["kettlebell"], "NO_MATCHING_EXERCISES"],
    ["every exercise", ["dumbbell", "cable", "machine"], "SPLIT_TAKES_WHOLE_FAMILY"],
  ])("refuses a split of %s", (_name, equipment, code) => {
    const catalog = catalogWith(curl);
    const failure = failureOf(() =>
      planFamilySplit({ family: catalog.family("curl"), target: catalog.family("leg_curl"), equipment, owners: catalog.owners() }),
    );
    expect(failure).toMatchObject({ code, kind: "permanent" });
  });

  it("points a split of every exercise to a rename for a new family and to a merge for an existing one", () => {
    const catalog = catalogWith(curl);
    const wholeSplit = (target: string) =>
      failureOf(() =>
        planFamilySplit({
          family: catalog.family("curl"),
          target: catalog.family(target),
          equipment: ["dumbbell", "cable", "machine"],
          owners: catalog.owners(),
        }),
      );
    expect(wholeSplit("leg_curl").message).toContain("use FAMILY_RENAME_SLUG");
    expect(wholeSplit("biceps_curl").message).toContain("use FAMILY_MERGE to move it into biceps_curl");
  });
});

describe("planFamilyRenameSlug", () => {
  it("moves every exercise, follows aliases, turns the old slug into an alias and retires it", () => {
    const catalog = catalogWith();
    const familyAliases = [...catalog.aliases].filter(([, data]) => data.family_slug === "push_up").map(([id, data]) => ({ id, data }));
    const rename = planFamilyRenameSlug({
      family: catalog.family("push_up"),
      renamed: catalog.family("press_up"),
      owners: catalog.owners(),
      familyAliases,
      mergedIntoFamily: [],
      aliasExercises: [],
    });
    expect(rename.moved).toBe(4);
    expect(rename.operations).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ op: "reassign_family", exercise_id: "push_up__push-up", to_family: "press_up", new_name: "Press-Up" }),
        expect.objectContaining({ op: "upsert_alias", alias_slug: "push-up", exercise_id: "push_up__push-up" }),
        expect.objectContaining({ op: "delete_alias", alias_slug: "press_up" }),
        expect.objectContaining({ op: "upsert_alias", alias_slug: "push_up", family_slug: "press_up", is_family_alias: true }),
        expect.objectContaining({ op: "update_family_registry", family_slug: "push_up", status: "merged", merged_into: "press_up" }),
      ]),
    );
    expect(catalog.validate("FAMILY_RENAME_SLUG", rename.operations).errors).toEqual([]);
  });

  it("keeps the catalog's spelling of the words the new slug shares with the old, and a variant's own words: push_ups → push_up", () => {
    const catalog = new InMemoryCatalog({
      exercises: [
        exerciseFixture("Push-Ups (Dumbbell)", ["dumbbell"]),
        exerciseFixture("Decline Push-Ups (Cable)", ["cable"], { family_slug: "push_ups" }),
      ],
    });
    const rename = planFamilyRenameSlug({
      family: catalog.family("push_ups"),
      renamed: catalog.family("push_up"),
      owners: catalog.owners(),
      familyAliases: [],
      mergedIntoFamily: [],
      aliasExercises: [],
    });
    expect(ops(rename.operations, "reassign_family")).toEqual([
      expect.objectContaining({ exercise_id: "push_ups__push-ups-dumbbell", new_name: "Push-Up (Dumbbell)" }),
      expect.objectContaining({ exercise_id: "push_ups__decline-push-ups-cable", new_name: "Decline Push-Up (Cable)" }),
    ]);
    expect(catalog.validate("FAMILY_RENAME_SLUG", rename.operations).errors).toEqual([]);
  });

  it("sends a rename whose new base adds words to the old to review for a variant: a side plank is no front plank", () => {
    const catalog = catalogWith();
    expect(namesUnderNewSlug(catalog.family("plank"), "front_plank")).toEqual(
      new Map([
        ["plank__plank", "Front Plank"],
        ["plank__side-plank", null],
      ]),
    );
    const failure = failureOf(() =>
      planFamilyRenameSlug({
        family: catalog.family("plank"),
        renamed: catalog.family("front_plank"),
        owners: catalog.owners(),
        familyAliases: [],
        mergedIntoFamily: [],
        aliasExercises: [],
      }),
    );
    expect(failure).toMatchObject({
      code: "RENAME_CONFLICT",
      kind: "needs_review",
      details: { conflicts: [expect.objectContaining({ exercise_id: "plank__side-plank", kind: "name" })] },
    });
  });

  it("keeps a problem the family already had a warning: shoulder_press has two dumbbell variants", () => {
    const catalog = catalogWith();
    const rename = planFamilyRenameSlug({
      family: catalog.family("shoulder_press"),
      renamed: catalog.family("overhead_press"),
      owners: catalog.owners(),
      familyAliases: [],
      mergedIntoFamily: [],
      aliasExercises: [],
    });
    expect(catalog.validate("FAMILY_RENAME_SLUG", rename.operations).errors).not.toContainEqual(
      expect.stringContaining("DUPLICATE_EQUIPMENT_VARIANT"),
    );
  });

  it("keeps names that already fit the new slug", () => {
    const catalog = catalogWith({
      exercises: [exerciseFixture("Close-Grip Bench Press (Barbell)", ["barbell"], { family_slug: "closegrip" })],
    });
    const rename = planFamilyRenameSlug({
      family: catalog.family("closegrip"),
      renamed: catalog.family("close_grip_bench_press"),
      owners: catalog.owners(),
      familyAliases: [],
      mergedIntoFamily: [],
      aliasExercises: [],
    });
    expect(ops(rename.operations, "reassign_family")[0]).not.toHaveProperty("new_name");
  });

  it("refuses a slug another family has: FAMILY_EXISTS", () => {
    const catalog = catalogWith();
    const failure = failureOf(() =>
      planFamilyRenameSlug({
        family: catalog.family("row"),
        renamed: catalog.family("squat"),
        owners: catalog.owners(),
        familyAliases: [],
        mergedIntoFamily: [],
        aliasExercises: [],
      }),
    );
    expect(failure).toMatchObject({ code: "FAMILY_EXISTS", kind: "permanent" });
  });

  it("renames a one-word family back: the alias of its old slug, which the plan deletes, is no naming conflict", () => {
    // After burpee → burpee_hold: "burpee" is a family alias of burpee_hold, and Burpee is Burpee Hold.
    const registry = { primary_equipment: ["bodyweight"], allowed_equipment: ["bodyweight"] };
    const catalog = catalogWith({
      exercises: [{ ...exerciseFixture("Burpee Hold", ["bodyweight"], { family_slug: "burpee_hold" }), id: "burpee__burpee" }],
      families: [
        { family_slug: "burpee_hold", base_name: "Burpee Hold", ...registry, exercise_count: 1, status: "active" },
        { family_slug: "burpee", base_name: "Burpee", ...registry, exercise_count: 0, status: "merged", merged_into: "burpee_hold" },
      ],
      aliases: [{ alias_slug: "burpee", family_slug: "burpee_hold", is_family_alias: true }],
    });
    const rename = planFamilyRenameSlug({
      family: catalog.family("burpee_hold"),
      renamed: catalog.family("burpee"),
      owners: catalog.owners(),
      familyAliases: [{ id: "burpee", data: catalog.aliases.get("burpee") ?? {} }],
      mergedIntoFamily: [{ id: "burpee", data: catalog.families.get("burpee") ?? {} }],
      aliasExercises: [],
    });
    expect(rename.operations).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ op: "reassign_family", exercise_id: "burpee__burpee", to_family: "burpee", new_name: "Burpee" }),
        expect.objectContaining({ op: "upsert_alias", alias_slug: "burpee-hold", exercise_id: "burpee__burpee" }),
        expect.objectContaining({ op: "delete_alias", alias_slug: "burpee" }),
        expect.objectContaining({ op: "upsert_alias", alias_slug: "burpee_hold", family_slug: "burpee", is_family_alias: true }),
      ]),
    );
    expect(catalog.validate("FAMILY_RENAME_SLUG", rename.operations).errors).toEqual([]);
  });

  it("refuses a slug that is an alias of another family: FAMILY_SLUG_IS_ALIAS", () => {
    const catalog = catalogWith();
    const failure = failureOf(() =>
      planFamilyRenameSlug({
        family: catalog.family("squat"),
        renamed: catalog.family("bent_over_row"),
        owners: catalog.owners(),
        familyAliases: [],
        mergedIntoFamily: [],
        aliasExercises: [],
      }),
    );
    expect(failure).toMatchObject({ code: "FAMILY_SLUG_IS_ALIAS", kind: "permanent" });
  });
});

describe("planExerciseAdd", () => {
  it("creates a normalised draft exercise with its deterministic id in a new family", () => {
    const catalog = catalogWith();
    const draft = draftExercise({
      base_name: "bulgarian split squat",
      equipment: ["Dumbbells"],
      category: "Multi-Joint",
      muscles: { primary: ["Quads", "glute"], secondary: ["hams", "quads"] },
    });
    const placed = placeExercise(draft, catalog.family(draft.family_slug));
    const addition = planExerciseAdd(placed, catalog.owners(), catalog, false);
    expect(addition.exercise_id).toBe("bulgarian_split_squat__bulgarian-split-squat-dumbbell");
    expect(addition.operations[0]).toMatchObject({
      op: "create_exercise",
      data: {
        name: "Bulgarian Split Squat (Dumbbell)",
        name_slug: "bulgarian-split-squat-dumbbell",
        family_slug: "bulgarian_split_squat",
        equipment: ["dumbbell"],
        category: "compound",
        muscles: { primary: ["quadriceps", "glutes"], secondary: ["hamstrings"] },
        status: "draft",
      },
    });
    expect(catalog.validate("EXERCISE_ADD", addition.operations).errors).toEqual([]);
  });

  it("renames the family's exercises when the new one makes it multi-equipment", () => {
    const catalog = catalogWith({ exercises: [exerciseFixture("Glute Bridge", ["barbell"])] });
    const draft = draftExercise({ base_name: "Glute Bridge", equipment: ["machine"] });
    const addition = planExerciseAdd(placeExercise(draft, catalog.family("glute_bridge")), catalog.owners(), catalog, false);
    expect(addition.exercise_id).toBe("glute_bridge__glute-bridge-machine");
    expect(ops(addition.operations, "rename_exercise")).toEqual([
      expect.objectContaining({ exercise_id: "glute_bridge__glute-bridge", new_name: "Glute Bridge (Barbell)" }),
    ]);
    expect(catalog.validate("EXERCISE_ADD", addition.operations).errors).toEqual([]);
  });

  it("leaves a name the family's new naming rule judges as the old one did to FAMILY_NORMALIZE", () => {
    // "Barbell Hip Thrust" should be "Hip Thrust (Barbell)" with or without the machine variant: an older problem.
    const catalog = catalogWith();
    const draft = draftExercise({ base_name: "Hip Thrust", equipment: ["machine"] });
    const addition = planExerciseAdd(placeExercise(draft, catalog.family("hip_thrust")), catalog.owners(), catalog, false);
    expect(addition.exercise_id).toBe("hip_thrust__hip-thrust-machine");
    expect(ops(addition.operations, "rename_exercise")).toEqual([]);
    expect(catalog.validate("EXERCISE_ADD", addition.operations).errors).toEqual([]);
  });

  it("takes a bodyweight classic with or without its optional suffix for one exercise: DUPLICATE_EXERCISE", () => {
    const catalog = catalogWith({ exercises: [exerciseFixture("Muscle-Up (Bodyweight)", ["bodyweight"])] });
    const draft = draftExercise({ base_name: "Muscle-Up", equipment: ["bodyweight"] });
    const failure = failureOf(() => planExerciseAdd(placeExercise(draft, catalog.family("muscle_up")), catalog.owners(), catalog, false));
    expect(failure).toMatchObject({ code: "DUPLICATE_EXERCISE", kind: "needs_review" });
  });

  it("refuses an exercise whose family's new naming rule renames a misfiled member to a name no variant of it: RENAME_CONFLICT", () => {
    // "Chest Fly" sits in glute_bridge by mistake: once it is multi-equipment, "Chest Fly (Barbell)" would be the name there.
    const catalog = catalogWith({ exercises: [exerciseFixture("Chest Fly", ["barbell"], { family_slug: "glute_bridge" })] });
    const draft = draftExercise({ base_name: "Glute Bridge", equipment: ["machine"] });
    const failure = failureOf(() =>
      planExerciseAdd(placeExercise(draft, catalog.family("glute_bridge")), catalog.owners(), catalog, false),
    );
    expect(failure).toMatchObject({ code: "RENAME_CONFLICT", kind: "needs_review" });
    expect((failure.details as { conflicts: unknown[] }).conflicts).toEqual([
      expect.objectContaining({ exercise_id: "glute_bridge__chest-fly", kind: "name" }),
    ]);
  });

  it("refuses an exercise that makes a family multi-equipment while its members share a primary equipment: ADD_EQUIPMENT_CONFLICT", () => {
    const catalog = catalogWith();
    // push_up holds four exercises on bodyweight: fine while that is its only primary equipment.
    const draft = draftExercise({ base_name: "Weighted Push-Up", equipment: ["weighted vest"] });
    const placed = placeExercise(draft, catalog.family(draft.family_slug));
    const failure = failureOf(() => planExerciseAdd(placed, catalog.owners(), catalog, false));
    expect(failure).toMatchObject({ code: "ADD_EQUIPMENT_CONFLICT", kind: "needs_review" });
    expect((failure.details as { conflicts: unknown[] }).conflicts).toHaveLength(3);
    expect((failure.details as { conflicts: unknown[] }).conflicts).toContainEqual(
      expect.objectContaining({ exercise_id: "push_up__diamond-push-up", kind: "equipment", with: "push_up__push-up" }),
    );
  });

  it("refuses an exercise that shares the primary equipment of another in an already multi-equipment family: ADD_EQUIPMENT_CONFLICT, not a duplicate", () => {
    // push_up is multi-equipment already (a band and bodyweight); "Push-Up" is no "Incline Push-Up", but may not share bodyweight with it.
    const catalog = new InMemoryCatalog({
      exercises: [
        exerciseFixture("Push-Up (Resistance Band)", ["resistance band"]),
        exerciseFixture("Incline Push-Up", ["bodyweight"], { family_slug: "push_up" }),
      ],
    });
    const draft = draftExercise({ base_name: "Push-Up", equipment: ["bodyweight"] });
    const failure = failureOf(() => planExerciseAdd(placeExercise(draft, catalog.family("push_up")), catalog.owners(), catalog, false));
    expect(failure).toMatchObject({ code: "ADD_EQUIPMENT_CONFLICT", kind: "needs_review" });
    expect((failure.details as { conflicts: unknown[] }).conflicts).toEqual([
      expect.objectContaining({ exercise_id: "push_up__push-up", kind: "equipment", with: "push_up__incline-push-up" }),
    ]);
  });

  it("refuses a leading equipment word the primary equipment does not name, which the suffix would drop: INVALID_INTENT", () => {
    for (const intent of [
      { base_name: "Landmine Row", equipment: ["barbell"] },
      { base_name: "Landmine Row", equipment: ["barbell", "landmine"] },
      { base_name: "Weighted Dip", equipment: ["dip station"] },
    ]) {
      const failure = failureOf(() => draftExercise(intent));
      expect(failure).toMatchObject({ code: "INVALID_INTENT", kind: "permanent", details: { base_name: intent.base_name } });
      expect(failure.message).toContain(`"${intent.base_name.split(" ")[0]}"`);
    }
    // The suffix says what the word said: it moves there.
    expect(draftExercise({ base_name: "Barbell Squat", equipment: ["barbell"] })).toMatchObject({ base: "Squat", family_slug: "squat" });
    expect(draftExercise({ base_name: "Weighted Pull-Up", equipment: ["dip belt"] })).toMatchObject({
      base: "Pull-Up",
      family_slug: "pull_up",
    });
    expect(draftExercise({ base_name: "Landmine Row", equipment: ["landmine", "barbell"] })).toMatchObject({
      base: "Row",
      family_slug: "row",
    });
  });

  it("refuses a suffix naming a word the primary equipment does not say, which the equipment's suffix would replace: INVALID_INTENT", () => {
    for (const intent of [
      { base_name: "Row (Landmine)", equipment: ["barbell", "landmine"] },
      { base_name: "Pull-Up (Weighted)", equipment: ["pull-up bar"] },
    ]) {
      const failure = failureOf(() => draftExercise(intent));
      expect(failure).toMatchObject({ code: "INVALID_INTENT", kind: "permanent", details: { base_name: intent.base_name } });
      expect(failure.message).toContain(`ends with "(${/\((.*)\)/.exec(intent.base_name)![1]})"`);
    }
    // What the primary says: the suffix gives way to it.
    expect(draftExercise({ base_name: "Row (Landmine)", equipment: ["landmine", "barbell"] })).toMatchObject({ base: "Row" });
    expect(draftExercise({ base_name: "Pull-Up (Weighted)", equipment: ["dip belt"] })).toMatchObject({ base: "Pull-Up" });
    expect(draftExercise({ base_name: "Squat (Dumbbell)", equipment: ["barbell"] })).toMatchObject({ base: "Squat" });
  });

  it("takes a suffix naming the intent's equipment, or an abbreviation of one, for the equipment, not for a qualifier", () => {
    expect(draftExercise({ base_name: "Row (Sandbag)", equipment: ["sandbag"] })).toMatchObject({ base: "Row", family_slug: "row" });
    const catalog = catalogWith();
    const draft = draftExercise({ base_name: "Bench Press (DB)", equipment: ["dumbbell"] });
    expect(draft).toMatchObject({ base: "Bench Press", family_slug: "bench_press" });
    const failure = failureOf(() =>
      planExerciseAdd(placeExercise(draft, catalog.family(draft.family_slug)), catalog.owners(), catalog, false),
    );
    expect(failure).toMatchObject({ code: "DUPLICATE_EXERCISE" });
  });

  it("keeps a qualifier written as a suffix in the base name instead of dropping it", () => {
    const catalog = catalogWith();
    const draft = draftExercise({ base_name: "Bench Press (Close Grip)", equipment: ["barbell"] });
    expect(draft).toMatchObject({ base: "Close Grip Bench Press", family_slug: "close_grip_bench_press" });
    const addition = planExerciseAdd(placeExercise(draft, catalog.family(draft.family_slug)), catalog.owners(), catalog, false);
    expect(addition.operations[0]).toMatchObject({ op: "create_exercise", data: { name: "Close Grip Bench Press (Barbell)" } });
  });

  it("refuses a duplicate, however the intent spells it: DUPLICATE_EXERCISE", () => {
    const catalog = catalogWith();
    const draft = draftExercise({ base_name: "Dumbbell Bench Press", equipment: ["dumbbell"] });
    const failure = failureOf(() => planExerciseAdd(placeExercise(draft, catalog.family("bench_press")), catalog.owners(), catalog, false));
    expect(failure).toMatchObject({ code: "DUPLICATE_EXERCISE", kind: "needs_review" });
  });

  it.each([
    // Aliases at the intent's own slug, of exercises in another family.
    ["Goblet Squat", "dumbbell", "squat__squat-dumbbell", "goblet-squat"],
    ["Conventional Deadlift", "barbell", "deadlift__deadlift-barbell", "conventional-deadlift"],
    ["Flat Dumbbell Press", "dumbbell", "bench_press__bench-press-dumbbell", "flat-dumbbell-press"],
    // The name without its suffix, held in another family.
    ["Alternating Biceps Curl", "dumbbell", "biceps_curl__alternating-biceps-curl", null],
  ])(
    "refuses %s on %s, known anywhere in the catalog by another spelling on that equipment: DUPLICATE_EXERCISE",
    (base, equipment, existing, aliasSlug) => {
      const catalog = catalogWith();
      const draft = draftExercise({ base_name: base, equipment: [equipment] });
      const failure = failureOf(() =>
        planExerciseAdd(placeExercise(draft, catalog.family(draft.family_slug)), catalog.owners(), catalog, false),
      );
      expect(failure).toMatchObject({
        code: "DUPLICATE_EXERCISE",
        kind: "needs_review",
        details: { existing: [existing], alias: aliasSlug === null ? null : { alias_slug: aliasSlug, exercise_id: existing } },
      });
      expect(failure.message).toContain(existing);
      expect(failure.message).toContain(`on the same primary equipment "${equipment}"`);
    },
  );

  it("refuses a bodyweight classic the catalog holds with its optional suffix in another family: DUPLICATE_EXERCISE", () => {
    const incline = exerciseFixture("Incline Push-Up (Bodyweight)", ["bodyweight"], { family_slug: "push_up" });
    const catalog = new InMemoryCatalog({ exercises: [incline] });
    const draft = draftExercise({ base_name: "Incline Push-Up", equipment: ["bodyweight"] });
    expect(draft.family_slug).toBe("incline_push_up");
    const failure = failureOf(() =>
      planExerciseAdd(placeExercise(draft, catalog.family(draft.family_slug)), catalog.owners(), catalog, false),
    );
    expect(failure).toMatchObject({ code: "DUPLICATE_EXERCISE", details: { existing: [incline.id], alias: null } });
  });

  it("takes another spelling's exercise on other primary equipment, or a retired one, for another exercise", () => {
    const archived = archivedExerciseFixture("Zercher Squat", ["barbell"], { family_slug: "squat" });
    const catalog = catalogWith({ exercises: [archived] });
    for (const [base, equipment, created] of [
      // "goblet-squat" is an alias of the dumbbell squat.
      ["Goblet Squat", "kettlebell", "goblet_squat__goblet-squat-kettlebell"],
      ["Alternating Biceps Curl", "kettlebell", "alternating_biceps_curl__alternating-biceps-curl-kettlebell"],
      ["Zercher Squat", "barbell", "zercher_squat__zercher-squat-barbell"],
    ]) {
      const draft = draftExercise({ base_name: base, equipment: [equipment] });
      const addition = planExerciseAdd(placeExercise(draft, catalog.family(draft.family_slug)), catalog.owners(), catalog, false);
      expect(addition.exercise_id).toBe(created);
      expect(catalog.validate("EXERCISE_ADD", addition.operations).errors).toEqual([]);
    }
  });

  it("moves a leading equipment name of several words into the suffix, or refuses it when the primary does not name it", () => {
    const catalog = catalogWith();
    expect(draftExercise({ base_name: "Medicine Ball Slam", equipment: ["med ball"] })).toMatchObject({
      base: "Slam",
      family_slug: "slam",
    });
    for (const [base, equipment, existing] of [
      ["Resistance Band Row", "resistance band", "row__row-resistance-band"],
      ["Cable Machine Row", "cable", "row__row-cable"],
    ]) {
      const draft = draftExercise({ base_name: base, equipment: [equipment] });
      expect(draft).toMatchObject({ base: "Row", family_slug: "row" });
      const failure = failureOf(() => planExerciseAdd(placeExercise(draft, catalog.family("row")), catalog.owners(), catalog, false));
      expect(failure).toMatchObject({ code: "DUPLICATE_EXERCISE", details: { existing: [existing] } });
    }
    const failure = failureOf(() => draftExercise({ base_name: "Cable Machine Row", equipment: ["machine"] }));
    expect(failure).toMatchObject({
      code: "INVALID_INTENT",
      details: { base_name: "Cable Machine Row", leading_word: "Cable Machine", primary_equipment: "machine" },
    });
  });

  it("plans only what is left when an earlier attempt of the job created it", () => {
    const catalog = catalogWith();
    const placed = placeExercise(draftExercise({ base_name: "Bench Press", equipment: ["dumbbell"] }), {
      ...catalog.family("bench_press"),
      members: catalog.family("bench_press").members.filter(({ id }) => id !== "bench_press__bench-press-dumbbell"),
    });
    const addition = planExerciseAdd(placed, catalog.owners(), catalog, true);
    expect(ops(addition.operations, "create_exercise")).toEqual([]);
  });

  it.each([
    ["an unknown category", { base_name: "Lunge", equipment: ["dumbbell"], category: "stretchy" }],
    ["a short description", { base_name: "Lunge", equipment: ["dumbbell"], description: "Too short." }],
    ["no usable equipment", { base_name: "Lunge", equipment: [" "] }],
  ])("refuses an intent with %s: INVALID_INTENT", (_name, intent) => {
    expect(failureOf(() => draftExercise(intent))).toMatchObject({ code: "INVALID_INTENT", kind: "permanent" });
  });
});

describe("planTargetedFix", () => {
  const catalog = catalogWith();
  const allFamilies = new Map(
    [...new Set([...catalog.exercises.values()].map((data) => String(data.family_slug)))].map((slug) => [slug, catalog.family(slug)]),
  );
  const fix = (
    payload: Parameters<typeof planTargetedFix>[0]["payload"],
    pointingAliases: { id: string; data: Record<string, unknown> }[] = [],
  ) =>
    planTargetedFix({
      payload,
      exercises: catalog.exercises,
      families: allFamilies,
      owners: catalog.owners(),
      pointingAliases,
      mergedIntoNamed: [],
    });

  it("renames and keeps the old slug", () => {
    const result = fix({
      exercise_doc_ids: ["leg_press__single-leg-press-machine"],
      fix_type: "rename",
      fix_data: { new_name: "Unilateral Leg Press (Machine)" },
    });
    expect(result.operations).toEqual([
      expect.objectContaining({ op: "rename_exercise", new_name: "Unilateral Leg Press (Machine)" }),
      expect.objectContaining({
        op: "upsert_alias",
        alias_slug: "single-leg-press-machine",
        exercise_id: "leg_press__single-leg-press-machine",
      }),
      expect.objectContaining({ op: "update_family_registry", family_slug: "leg_press" }),
    ]);
    expect(catalog.validate("TARGETED_FIX", result.operations).errors).toEqual([]);
  });

  it("leaves the slug the exercise was created with to an alias that leads to another live exercise", () => {
    const taken = { alias_slug: "military-press", exercise_id: "shoulder_press__shoulder-press-barbell", is_family_alias: false };
    const catalog = catalogWith({ aliases: [taken] });
    const result = planTargetedFix({
      payload: {
        exercise_doc_ids: ["shoulder_press__military-press"],
        fix_type: "rename",
        fix_data: { new_name: "Seated Shoulder Press (Smith Machine)" },
      },
      exercises: catalog.exercises,
      families: allFamilies,
      owners: catalog.owners(),
      pointingAliases: [],
      mergedIntoNamed: [],
    });
    expect(ops(result.operations, "upsert_alias")).toEqual([
      expect.objectContaining({ alias_slug: "shoulder-press-smith-machine", exercise_id: "shoulder_press__military-press" }),
    ]);
    expect(catalog.validate("TARGETED_FIX", result.operations).errors).toEqual([]);
  });

  it("renames one of two live exercises sharing a name slug, leaving the slug to the other", () => {
    const twin = { ...catalog.exercises.get("row__row-cable")!, id: "row__row-cable-2" };
    const twinned = catalogWith({ exercises: [twin] });
    const families = new Map([...allFamilies, ["row", twinned.family("row")]]);
    const result = planTargetedFix({
      payload: { exercise_doc_ids: ["row__row-cable-2"], fix_type: "rename", fix_data: { new_name: "Seated Row (Cable)" } },
      exercises: twinned.exercises,
      families,
      owners: twinned.owners(),
      pointingAliases: [],
      mergedIntoNamed: [],
    });
    // Only the slug it was created with: "row-cable" stays row__row-cable's.
    expect(ops(result.operations, "upsert_alias")).toEqual([expect.objectContaining({ alias_slug: "row-cable-2" })]);
    expect(twinned.validate("TARGETED_FIX", result.operations).errors).toEqual([]);
  });

  it("patches only what differs; null removes a field", () => {
    const result = fix({
      exercise_doc_ids: ["squat__squat-barbell"],
      fix_type: "patch",
      fix_data: { patch: { category: "compound", "metadata.level": "advanced", stimulus_tags: null } },
    });
    expect(result.operations).toEqual([
      expect.objectContaining({
        op: "patch_fields",
        set: { "metadata.level": "advanced" },
        unset: ["stimulus_tags"],
        before: { "metadata.level": "intermediate", stimulus_tags: ["Strength", "Hypertrophy", "Compound Movement", "Lower Body"] },
      }),
    ]);
    expect(catalog.validate("TARGETED_FIX", result.operations).errors).toEqual([]);
  });

  it("marks merged and repoints aliases of the merged exercise", () => {
    const result = fix(
      {
        exercise_doc_ids: ["squat__squat-dumbbell"],
        fix_type: "mark_merged",
        fix_data: { merged_into: "squat__squat-kettlebell" },
      },
      [{ id: "goblet-squat", data: { alias_slug: "goblet-squat", exercise_id: "squat__squat-dumbbell" } }],
    );
    expect(result.operations).toEqual([
      expect.objectContaining({
        op: "deprecate_exercise",
        exercise_id: "squat__squat-dumbbell",
        status: "merged",
        merged_into: "squat__squat-kettlebell",
      }),
      expect.objectContaining({ op: "upsert_alias", alias_slug: "goblet-squat", exercise_id: "squat__squat-kettlebell" }),
      expect.objectContaining({ op: "update_family_registry", family_slug: "squat" }),
    ]);
    expect(catalog.validate("TARGETED_FIX", result.operations).errors).toEqual([]);
  });

  it("archives live exercises only, and deprecates a family left without live exercises", () => {
    const result = fix({
      exercise_doc_ids: ["chest_fly__chest-fly-cable", "chest_fly__chest-fly-machine"],
      fix_type: "archive",
    });
    expect(result).toMatchObject({ changed: ["chest_fly__chest-fly-cable"], unchanged: ["chest_fly__chest-fly-machine"] });
    expect(ops(result.operations, "update_family_registry")).toEqual([
      expect.objectContaining({ family_slug: "chest_fly", status: "deprecated" }),
    ]);
    expect(catalog.validate("TARGETED_FIX", result.operations).errors).toEqual([]);
  });

  describe("on retired exercises", () => {
    const retired = catalogWith({
      exercises: [
        archivedExerciseFixture("Flat Row (Barbell)", ["barbell"]),
        exerciseFixture("Flat Row (Cable)", ["cable"], { family_slug: "flat_row", status: "merged", merged_into: "row__row-cable" }),
      ],
    });
    const fixRetired = (payload: Parameters<typeof planTargetedFix>[0]["payload"]) =>
      planTargetedFix({
        payload,
        exercises: retired.exercises,
        families: new Map([["flat_row", retired.family("flat_row")]]),
        owners: retired.owners(),
        pointingAliases: [],
        mergedIntoNamed: [],
      });

    it.each(["flat_row__flat-row-barbell", "flat_row__flat-row-cable"])(
      "refuses to rename %s: EXERCISE_RETIRED (restore it first)",
      (id) => {
        const failure = failureOf(() =>
          fixRetired({ exercise_doc_ids: [id], fix_type: "rename", fix_data: { new_name: "Flat Row (Band)" } }),
        );
        expect(failure).toMatchObject({ code: "EXERCISE_RETIRED", kind: "permanent", details: { exercise_id: id } });
        expect(failure.message).toContain("restore it first with a patch of its status");
      },
    );

    it.each([
      ["flat_row__flat-row-barbell", "deprecated_at"],
      ["flat_row__flat-row-cable", "merged_into"],
    ])("brings %s back with a patch of its status, clearing %s", (id, field) => {
      const result = fixRetired({ exercise_doc_ids: [id], fix_type: "patch", fix_data: { patch: { status: "approved" } } });
      expect(ops(result.operations, "patch_fields")).toEqual([
        expect.objectContaining({ exercise_id: id, set: { status: "approved" }, unset: [field] }),
      ]);
      expect(retired.validate("TARGETED_FIX", result.operations).errors).toEqual([]);
    });
  });

  describe("on a primary equipment another member of a multi-equipment family uses", () => {
    const machine = exerciseFixture("Hip Abduction (Machine)", ["machine"]);
    const cable = exerciseFixture("Hip Abduction (Cable)", ["cable"]);
    const band = exerciseFixture("Hip Abduction (Resistance Band)", ["resistance-band"]);
    /** The fix of `id` by `patch` in the demo catalog with `seed`, to run. */
    const fixIn = (seed: CatalogSeed, family: string, id: string, patch: Record<string, unknown>) => {
      const seeded = catalogWith(seed);
      return () =>
        planTargetedFix({
          payload: { exercise_doc_ids: [id], fix_type: "patch", fix_data: { patch } },
          exercises: seeded.exercises,
          families: new Map([[family, seeded.family(family)]]),
          owners: seeded.owners(),
          pointingAliases: [],
          mergedIntoNamed: [],
        });
    };
    const equipmentConflicts = (failure: JobFailure) => (failure.details as { conflicts: unknown[] }).conflicts;

    it.each([
      ["whose name the patched one's new name would take, before the naming conflict", machine],
      ["under a legacy name no new name collides with", exerciseFixture("Machine Hip Abduction", ["machine"])],
    ])("refuses a patch moving an exercise onto the primary equipment of one %s: PATCH_EQUIPMENT_CONFLICT", (_, other) => {
      const fixed = fixIn({ exercises: [other, cable, band] }, "hip_abduction", cable.id, { equipment: ["machine"] });
      const failure = failureOf(fixed);
      expect(failure).toMatchObject({ code: "PATCH_EQUIPMENT_CONFLICT", kind: "needs_review" });
      expect(equipmentConflicts(failure)).toEqual([
        expect.objectContaining({ exercise_id: cable.id, kind: "equipment", with: other.id, reason: expect.stringContaining('"machine"') }),
      ]);
    });

    it("refuses a patch bringing an exercise back onto the primary equipment of a live one: PATCH_EQUIPMENT_CONFLICT", () => {
      const archived = archivedExerciseFixture("Hip Abduction (Machine)", ["machine"]);
      const legacy = exerciseFixture("Machine Hip Abduction", ["machine"]);
      const fixed = fixIn({ exercises: [archived, legacy, cable] }, "hip_abduction", archived.id, { status: "approved" });
      const failure = failureOf(fixed);
      expect(failure).toMatchObject({ code: "PATCH_EQUIPMENT_CONFLICT", kind: "needs_review" });
      expect(equipmentConflicts(failure)).toEqual([expect.objectContaining({ exercise_id: archived.id, with: legacy.id })]);
    });

    it("refuses a patch that makes a family multi-equipment while its members share a primary equipment: PATCH_EQUIPMENT_CONFLICT", () => {
      const plain = exerciseFixture("Good Morning", ["barbell"]);
      const seated = exerciseFixture("Seated Good Morning", ["barbell"], { family_slug: "good_morning" });
      const kneeling = exerciseFixture("Kneeling Good Morning", ["barbell"], { family_slug: "good_morning" });
      const fixed = fixIn({ exercises: [plain, seated, kneeling] }, "good_morning", kneeling.id, { equipment: ["dumbbell"] });
      const failure = failureOf(fixed);
      expect(failure).toMatchObject({ code: "PATCH_EQUIPMENT_CONFLICT", kind: "needs_review" });
      expect(equipmentConflicts(failure)).toEqual([
        expect.objectContaining({
          exercise_id: seated.id,
          kind: "equipment",
          with: plain.id,
          reason: expect.stringContaining("becomes multi-equipment"),
        }),
      ]);
    });

    // shoulder_press is multi-equipment with two exercises on dumbbell already: an older problem than the patch.
    it("leaves a pair that shared a primary equipment before the patch alone unless it patches the equipment of one of them", () => {
      const untouched = fix({
        exercise_doc_ids: ["shoulder_press__shoulder-press-barbell"],
        fix_type: "patch",
        fix_data: { patch: { equipment: ["barbell", "plate"] } },
      });
      expect(ops(untouched.operations, "patch_fields")).toHaveLength(1);
      expect(catalog.validate("TARGETED_FIX", untouched.operations).errors).toEqual([]);
      const failure = failureOf(() =>
        fix({
          exercise_doc_ids: ["shoulder_press__seated-shoulder-press-dumbbell"],
          fix_type: "patch",
          fix_data: { patch: { equipment: ["dumbbell", "plate"] } },
        }),
      );
      expect(failure).toMatchObject({ code: "PATCH_EQUIPMENT_CONFLICT", kind: "needs_review" });
      expect(equipmentConflicts(failure)).toEqual([
        expect.objectContaining({
          exercise_id: "shoulder_press__seated-shoulder-press-dumbbell",
          with: "shoulder_press__shoulder-press-dumbbell",
        }),
      ]);
    });
  });

  it.each([
    [{ name: "Squat (Bar)" }, ["name"]],
    [{ name_slug: "squat-bar" }, ["name_slug"]],
    [{ family_slug: "row", description: "A squat with the bar on the back, long enough for the schema." }, ["family_slug"]],
    [{ nope: 1 }, ["nope"]],
    [{ "execution_notes.0": "Brace." }, ["execution_notes.0"]],
    [{ name: null }, ["name"]],
  ])("refuses a patch of %j before planning it: INVALID_PATCH naming %j", (patch, paths) => {
    const failure = failureOf(() => fix({ exercise_doc_ids: ["squat__squat-barbell"], fix_type: "patch", fix_data: { patch } }));
    expect(failure).toMatchObject({ code: "INVALID_PATCH", kind: "permanent" });
    expect((failure.details as { refused: { path: string }[] }).refused.map(({ path }) => path)).toEqual(paths);
  });

  it("patches away a deprecated field: the validator's allowlist, which removes what it does not let set", () => {
    const result = fix({ exercise_doc_ids: ["squat__squat-barbell"], fix_type: "patch", fix_data: { patch: { instructions: null } } });
    expect(catalog.validate("TARGETED_FIX", result.operations).errors).toEqual([]);
  });

  it("fails on a missing exercise or merge target: EXERCISE_NOT_FOUND", () => {
    const failure = failureOf(() =>
      fix({ exercise_doc_ids: ["squat__squat-barbell"], fix_type: "mark_merged", fix_data: { merged_into: "squat__nope" } }),
    );
    expect(failure).toMatchObject({ code: "EXERCISE_NOT_FOUND", kind: "permanent", details: { missing: ["squat__nope"] } });
  });

  it("fails a merge into one of the merged exercises: MERGE_TARGET_INVALID", () => {
    const failure = failureOf(() =>
      fix({
        exercise_doc_ids: ["squat__squat-barbell"],
        fix_type: "mark_merged",
        fix_data: { merged_into: "squat__squat-barbell" },
      }),
    );
    expect(failure).toMatchObject({ code: "MERGE_TARGET_INVALID", kind: "permanent" });
  });
});

describe("planSchemaCleanup", () => {
  const catalog = catalogWith({
    exercises: [
      exerciseFixture("Step Up (Box)", ["box"], { muscles: undefined, primary_muscles: ["quads"], tips: ["Drive through the heel"] }),
    ],
  });

  it("removes deprecated fields whose replacement exists, and keeps the others", () => {
    const cleanup = planSchemaCleanup({ exercise_doc_ids: ["leg_press__leg-press-machine", "step_up__step-up-box"] }, catalog.exercises);
    expect(cleanup.operations).toEqual([
      expect.objectContaining({
        op: "patch_fields",
        exercise_id: "leg_press__leg-press-machine",
        unset: ["primary_muscles", "coaching_cues", "enriched_at"],
      }),
      expect.objectContaining({ op: "patch_fields", exercise_id: "step_up__step-up-box", unset: ["tips"] }),
    ]);
    expect(cleanup.kept).toEqual([
      { exercise_id: "step_up__step-up-box", field: "primary_muscles", reason: expect.stringContaining("muscles.primary") },
    ]);
    expect(catalog.validate("SCHEMA_CLEANUP", cleanup.operations).errors).toEqual([]);
  });

  it("limits the work to fields_to_remove", () => {
    const cleanup = planSchemaCleanup(
      { exercise_doc_ids: ["leg_press__leg-press-machine"], fields_to_remove: ["coaching_cues"] },
      catalog.exercises,
    );
    expect(cleanup.operations).toEqual([expect.objectContaining({ unset: ["coaching_cues"] })]);
  });

  it("removes empty deprecated fields even while their replacements are empty too, and the validator lets them go", () => {
    const legacy = exerciseFixture("Curl (Cable)", ["cable"], {
      secondary_muscles: [],
      instructions: [],
      execution_notes: [],
      muscles: { primary: ["biceps"], secondary: [], category: ["arms"] },
    });
    const withLegacy = catalogWith({ exercises: [legacy] });
    const cleanup = planSchemaCleanup({ exercise_doc_ids: [legacy.id] }, withLegacy.exercises);
    expect(cleanup.operations).toEqual([
      expect.objectContaining({ op: "patch_fields", exercise_id: legacy.id, unset: ["secondary_muscles", "instructions"] }),
    ]);
    expect(cleanup).toMatchObject({ fields_removed: 2, kept: [] });
    expect(withLegacy.validate("SCHEMA_CLEANUP", cleanup.operations).errors).toEqual([]);
    // A plan of anyone else's that unsets an empty deprecated field passes the same rule.
    const manual: OperationInput = { op: "patch_fields", exercise_id: legacy.id, unset: ["instructions"], rationale: "drop legacy" };
    expect(withLegacy.validate("TARGETED_FIX", [manual]).errors).toEqual([]);
  });

  it("keeps a deprecated field whose replacement only looks filled, and the validator refuses removing it", () => {
    const legacy = exerciseFixture("Curl (Cable)", ["cable"], {
      primary_muscles: ["biceps"],
      instructions: ["Curl the handle up", "Lower it under control"],
      muscles: { primary: "TODO", category: ["arms"] },
      execution_notes: [""],
    });
    const withLegacy = catalogWith({ exercises: [legacy] });
    const cleanup = planSchemaCleanup({ exercise_doc_ids: [legacy.id] }, withLegacy.exercises);
    expect(cleanup).toEqual({
      operations: [],
      fields_removed: 0,
      kept: [
        { exercise_id: legacy.id, field: "primary_muscles", reason: expect.stringContaining("muscles.primary holds no valid value") },
        { exercise_id: legacy.id, field: "instructions", reason: "its replacement execution_notes is still empty" },
      ],
    });
    const manual: OperationInput = {
      op: "patch_fields",
      exercise_id: legacy.id,
      unset: ["primary_muscles", "instructions"],
      rationale: "drop legacy",
    };
    expect(withLegacy.validate("TARGETED_FIX", [manual]).errors).toEqual([
      // The validator says what the replacement lacks, as the cleanup's `kept` does.
      expect.stringMatching(
        /^REPLACEMENT_MISSING @0: removing "primary_muscles" loses its content: its replacement muscles\.primary holds no valid value/,
      ),
      expect.stringMatching(
        /^REPLACEMENT_MISSING @0: removing "instructions" loses its content: its replacement execution_notes is still empty/,
      ),
    ]);
  });

  it.each([["status"], ["merged_into"], ["description"]])("refuses to remove %s: INVALID_FIELDS", (field) => {
    const failure = failureOf(() =>
      planSchemaCleanup({ exercise_doc_ids: ["leg_press__leg-press-machine"], fields_to_remove: [field] }, catalog.exercises),
    );
    expect(failure).toMatchObject({ code: "INVALID_FIELDS", kind: "permanent", details: { invalid: [field] } });
  });
});

describe("planAliasRepair", () => {
  it("repairs every broken demo alias by what is wrong with it", () => {
    const catalog = catalogWith();
    const facts = catalog.aliasFacts();
    const slugs = ["kettlebell-bench-press", "pec_deck", "overhead-press", "biceps-curl-barbell", "db-curl", "military-press"];
    const repair = planAliasRepair(slugs.map((slug) => resolveAlias(slug, facts)));
    expect(repair.operations).toEqual([
      expect.objectContaining({ op: "delete_alias", alias_slug: "kettlebell-bench-press" }),
      expect.objectContaining({ op: "delete_alias", alias_slug: "pec_deck" }),
      {
        op: "upsert_alias",
        alias_slug: "overhead-press",
        exercise_id: "shoulder_press__shoulder-press-barbell",
        rationale: expect.any(String),
      },
      expect.objectContaining({ op: "delete_alias", alias_slug: "biceps-curl-barbell" }),
      expect.objectContaining({ op: "upsert_alias", alias_slug: "db-curl", exercise_id: "biceps_curl__alternating-biceps-curl" }),
      expect.objectContaining({ op: "upsert_alias", alias_slug: "military-press", exercise_id: "shoulder_press__military-press" }),
    ]);
    expect(catalog.validate("ALIAS_REPAIR", repair.operations).errors).toEqual([]);
  });

  it("keeps the valid target of a both-targets alias in a plan that passes validation", () => {
    const catalog = catalogWith();
    const repair = planAliasRepair([resolveAlias("overhead-press", catalog.aliasFacts())]);
    expect(catalog.validate("ALIAS_REPAIR", repair.operations).errors).toEqual([]);
  });

  it("fails when none of the slugs exists in any form: ALIAS_NOT_FOUND", () => {
    const facts = catalogWith().aliasFacts();
    expect(failureOf(() => planAliasRepair([resolveAlias("no-such-alias", facts)]))).toMatchObject({
      code: "ALIAS_NOT_FOUND",
      kind: "permanent",
    });
  });
});
