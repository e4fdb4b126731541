import { runInNewContext } from "node:vm";
import {
  DEPRECATED_FIELDS,
  LOCKED_ENRICHMENT_FIELDS,
  deprecatedFieldReplacement,
  findDeprecatedFields,
  isAllowedExercisePath,
  isDeprecatedField,
  isLockedForEnrichment,
} from "../../src/catalog/fields";
import { exercisePathSchema, EXERCISE_FIELD_PATHS } from "../../src/catalog/schemas";
import { changePlanSchema } from "../../src/apply/plan";
import { deletePath, getPath, isPlainRecord, setPath } from "../../src/util/object-paths";

describe("exercise path allowlist", () => {
  it.each([
    "name",
    "equipment",
    "muscles",
    "muscles.primary",
    "muscles.contribution",
    "metadata.plane_of_motion",
    "movement.split",
    "stimulus_tags",
    "review_metadata.quality_score",
    "review_metadata.last_scanned_at",
    "status",
    "deprecated_at",
    "merged_into",
    "updated_at",
  ])("allows %s", (path) => {
    expect(isAllowedExercisePath(path)).toBe(true);
    expect(isAllowedExercisePath(path, "delete")).toBe(true);
  });

  it.each([
    "execution_notes.0",
    "execution_notes[0]",
    "muscles.primary.1",
    "muscles.unknown",
    "difficulty",
    "created_at",
    "muscles.contribution.quadriceps",
    "",
    "muscles.",
  ])("rejects %s", (path) => {
    expect(isAllowedExercisePath(path)).toBe(false);
    expect(isAllowedExercisePath(path, "delete")).toBe(false);
  });

  it("allows deprecated fields to be deleted, never set", () => {
    for (const field of ["primary_muscles", "instructions", "coaching_cues", "_debug_project_id", "id", "enriched_description"]) {
      expect(isAllowedExercisePath(field, "delete")).toBe(true);
      expect(isAllowedExercisePath(field, "set")).toBe(false);
    }
  });

  it("has a schema for every allowed path", () => {
    for (const path of EXERCISE_FIELD_PATHS) expect(exercisePathSchema(path)).not.toBeNull();
  });
});

describe("alias fields a plan may write", () => {
  const upsert = (fields: Record<string, unknown>) =>
    changePlanSchema.safeParse({ job_id: "j", job_type: "T", operations: [{ op: "upsert_alias", rationale: "r", ...fields }] }).success;

  it("are the alias's own, written whole by upsert_alias", () => {
    expect(upsert({ alias_slug: "squats", exercise_id: "squat__back_squat", is_family_alias: false })).toBe(true);
    expect(upsert({ alias_slug: "squats", family_slug: "squat", is_family_alias: true })).toBe(true);
    for (const field of ["name", "status", "target", "updated_at"])
      expect(upsert({ alias_slug: "squats", family_slug: "squat", [field]: "x" })).toBe(false);
  });
});

describe("deprecated fields", () => {
  it("names the replacements from the domain doc", () => {
    expect(DEPRECATED_FIELDS.primary_muscles).toBe("muscles.primary");
    expect(DEPRECATED_FIELDS.secondary_muscles).toBe("muscles.secondary");
    expect(DEPRECATED_FIELDS.instructions).toBe("execution_notes");
    expect(deprecatedFieldReplacement("tips")).toBeNull();
    expect(deprecatedFieldReplacement("name")).toBeNull();
  });
  it("treats top-level enriched_* fields as deprecated", () => {
    expect(isDeprecatedField("enriched_at")).toBe(true);
    expect(isDeprecatedField("enriched_description")).toBe(true);
    expect(isDeprecatedField("enriched_at.seconds")).toBe(false);
  });
  it("never treats the live lifecycle fields as deprecated", () => {
    for (const field of ["status", "deprecated_at", "merged_into"]) expect(isDeprecatedField(field)).toBe(false);
  });
  it("finds deprecated fields and removes them only once their replacement holds a value", () => {
    const doc = {
      name: "Leg Press (Machine)",
      primary_muscles: ["quads"],
      secondary_muscles: ["glutes"],
      instructions: "Push.",
      tips: ["Breathe"],
      enriched_at: "2024-01-01",
      muscles: { primary: ["quadriceps"], secondary: [] },
    };
    expect(findDeprecatedFields(doc)).toEqual([
      { field: "primary_muscles", replacement: "muscles.primary", removable: true },
      {
        field: "secondary_muscles",
        replacement: "muscles.secondary",
        removable: false,
        reason: "its replacement muscles.secondary is still empty",
      },
      { field: "instructions", replacement: "execution_notes", removable: false, reason: "its replacement execution_notes is still empty" },
      { field: "tips", replacement: null, removable: true },
      { field: "enriched_at", replacement: null, removable: true },
    ]);
  });
  it("removes an empty deprecated field once its replacement exists, empty too: it has nothing to lose", () => {
    const doc = {
      primary_muscles: null,
      secondary_muscles: [],
      instructions: "",
      muscles: { primary: ["biceps"], secondary: [] },
    };
    expect(findDeprecatedFields(doc)).toEqual([
      { field: "primary_muscles", replacement: "muscles.primary", removable: true },
      { field: "secondary_muscles", replacement: "muscles.secondary", removable: true },
      // No execution_notes at all: the domain keeps a deprecated field until its replacement exists.
      { field: "instructions", replacement: "execution_notes", removable: false, reason: "its replacement execution_notes is still empty" },
    ]);
  });
  it("keeps a field whose replacement only looks filled: blank items, or a value its schema refuses", () => {
    const doc = {
      primary_muscles: ["lats"],
      secondary_muscles: ["biceps"],
      instructions: ["Brace", "Pull the bar to the ribs"],
      muscles: { primary: "TODO", secondary: ["", " "] },
      execution_notes: "see instructions",
    };
    expect(findDeprecatedFields(doc)).toEqual([
      {
        field: "primary_muscles",
        replacement: "muscles.primary",
        removable: false,
        reason: "its replacement muscles.primary holds no valid value (Invalid input: expected array, received string)",
      },
      {
        field: "secondary_muscles",
        replacement: "muscles.secondary",
        removable: false,
        reason: "its replacement muscles.secondary is still empty",
      },
      {
        field: "instructions",
        replacement: "execution_notes",
        removable: false,
        reason: "its replacement execution_notes holds no valid value (Invalid input: expected array, received string)",
      },
    ]);
    // Its schema decides, not a non-empty look: muscle names must be canonical, notes at least two.
    const notQuite = { primary_muscles: ["lats"], muscles: { primary: ["Lats"] }, instructions: ["Pull."], execution_notes: ["Pull."] };
    expect(findDeprecatedFields(notQuite).map(({ removable }) => removable)).toEqual([false, false]);
  });
});

describe("locked enrichment fields", () => {
  it("locks identity, lifecycle, timestamps and scanner output, including sub-paths", () => {
    for (const field of LOCKED_ENRICHMENT_FIELDS) expect(isLockedForEnrichment(field)).toBe(true);
    expect(isLockedForEnrichment("review_metadata.quality_score")).toBe(true);
    expect(isLockedForEnrichment("name_slug")).toBe(true);
    expect(isLockedForEnrichment("description")).toBe(false);
    expect(isLockedForEnrichment("muscles.primary")).toBe(false);
    expect(isLockedForEnrichment("names")).toBe(false);
  });
});

describe("dotted path helpers", () => {
  const doc = {
    name: "Row (Cable)",
    muscles: { primary: ["latissimus dorsi"], contribution: { "latissimus dorsi": 1 } },
    notes: ["a", "b"],
  };

  it("getPath reads nested values and never indexes arrays", () => {
    expect(getPath(doc, "muscles.primary")).toEqual(["latissimus dorsi"]);
    expect(getPath(doc, "muscles.contribution.latissimus dorsi")).toBe(1);
    expect(getPath(doc, "notes.0")).toBeUndefined();
    expect(getPath(doc, "missing.deep")).toBeUndefined();
    expect(getPath(null, "name")).toBeUndefined();
  });

  it("setPath returns a new object and leaves the input alone", () => {
    const updated = setPath(doc, "muscles.secondary", ["biceps"]);
    expect(updated).toEqual({ ...doc, muscles: { ...doc.muscles, secondary: ["biceps"] } });
    expect(doc.muscles).not.toHaveProperty("secondary");
    expect(updated.notes).toBe(doc.notes);
  });

  it("setPath creates missing maps and replaces null or scalar parents, like a Firestore update", () => {
    expect(setPath({}, "metadata.level", "beginner")).toEqual({ metadata: { level: "beginner" } });
    expect(setPath({ metadata: null }, "metadata.level", "beginner")).toEqual({ metadata: { level: "beginner" } });
    expect(setPath({ metadata: "" }, "metadata.level", "beginner")).toEqual({ metadata: { level: "beginner" } });
  });

  it("setPath refuses to index into arrays or other objects", () => {
    expect(() => setPath(doc, "notes.0", "x")).toThrow(/not a map/);
    expect(() => setPath({ updated_at: new Date() }, "updated_at.seconds", 1)).toThrow(/not a map/);
    expect(() => setPath(doc, "muscles..primary", 1)).toThrow(/invalid field path/);
  });

  it("deletePath removes a nested key immutably", () => {
    const updated = deletePath(doc, "muscles.contribution");
    expect(updated).toEqual({ ...doc, muscles: { primary: ["latissimus dorsi"] } });
    expect(doc.muscles).toHaveProperty("contribution");
  });

  it("deletePath leaves missing paths alone", () => {
    expect(deletePath(doc, "metadata.level")).toEqual(doc);
    expect(deletePath(doc, "notes.0")).toEqual(doc);
    expect(deletePath(doc, "muscles.primary.x")).toEqual(doc);
  });

  it("isPlainRecord accepts plain maps only", () => {
    expect(isPlainRecord({})).toBe(true);
    expect(isPlainRecord(Object.create(null))).toBe(true);
    expect(isPlainRecord([])).toBe(false);
    expect(isPlainRecord(new Date())).toBe(false);
    expect(isPlainRecord(null)).toBe(false);
  });

  it("isPlainRecord accepts maps from another realm", () => {
    expect(isPlainRecord(runInNewContext("({ a: 1 })"))).toBe(true);
    expect(isPlainRecord(runInNewContext("new Date()"))).toBe(false);
  });
});
