import {
  BROKEN_ALIASES,
  BROKEN_EXERCISES,
  type BrokenAlias,
  type BrokenAliasDefect,
  type BrokenExercise,
  type BrokenExerciseDefect,
  DEMO_ALIASES,
  DEMO_EXERCISES,
  DEMO_FAMILIES,
} from "../../src/catalog/demo-catalog";
import { findDeprecatedFields } from "../../src/catalog/fields";
import { aliasDocSchema, exerciseDocSchema, familyRegistrySchema } from "../../src/catalog/schemas";
import { exerciseIdFor, normalizeEquipment, splitExerciseName, toFamilySlug } from "../../src/catalog/taxonomy";
import { type HardCheck, heuristicScoreExercise } from "../../src/reviewer/quality-scanner";

interface RawExercise {
  id: string;
  data: Record<string, unknown>;
}

const demoRaw: RawExercise[] = DEMO_EXERCISES.map(({ id, ...data }) => ({ id, data }));
const brokenRaw: RawExercise[] = BROKEN_EXERCISES.map(({ id, data }) => ({ id, data }));
const allExercises = [...demoRaw, ...brokenRaw];

const primaryOf = (exercise: RawExercise): string => (exercise.data.equipment as string[])[0];

function familyMembers(familySlug: string, exercises: readonly RawExercise[]): RawExercise[] {
  return exercises.filter((exercise) => exercise.data.family_slug === familySlug);
}

function isMultiEquipment(members: readonly RawExercise[]): boolean {
  return new Set(members.map(primaryOf)).size > 1;
}

function hardChecksOf(data: Record<string, unknown>): HardCheck[] {
  return heuristicScoreExercise(data).hard_failures.map((failure) => failure.check);
}

describe("DEMO_EXERCISES", () => {
  it("has about thirty exercises in at least six families", () => {
    expect(DEMO_EXERCISES.length).toBeGreaterThanOrEqual(25);
    expect(new Set(DEMO_EXERCISES.map((exercise) => exercise.family_slug)).size).toBeGreaterThanOrEqual(6);
    for (const family of ["bench_press", "squat", "deadlift", "row", "push_up", "lateral_raise"]) {
      expect(familyMembers(family, demoRaw).length).toBeGreaterThan(0);
    }
  });

  it.each(DEMO_EXERCISES.map((exercise) => [exercise.id, exercise] as const))("%s is a valid exercise", (_id, exercise) => {
    const { id, ...data } = exercise;
    expect(exerciseDocSchema.safeParse(data).error?.issues ?? []).toEqual([]);
    expect(id).toBe(exerciseIdFor(exercise.family_slug, exercise.name_slug));
  });

  it("has unique ids", () => {
    expect(new Set(DEMO_EXERCISES.map((exercise) => exercise.id)).size).toBe(DEMO_EXERCISES.length);
  });

  it("passes every hard check, and all but the two deliberately thin exercises score 0.85", () => {
    const thin = ["row__row-resistance-band", "lateral_raise__lateral-raise-resistance-band"];
    for (const exercise of DEMO_EXERCISES) {
      const result = heuristicScoreExercise(exercise);
      expect({ id: exercise.id, hard: result.hard_failures }).toEqual({ id: exercise.id, hard: [] });
      expect({ id: exercise.id, score: result.score }).toEqual({ id: exercise.id, score: thin.includes(exercise.id) ? 0.7 : 0.85 });
    }
  });

  it("follows the family rules: suffixed names in multi-equipment families, one exercise per primary equipment", () => {
    for (const family of DEMO_FAMILIES) {
      const members = familyMembers(family.family_slug, demoRaw);
      if (!isMultiEquipment(members)) continue;
      expect(new Set(members.map(primaryOf)).size).toBe(members.length);
      for (const member of members) {
        const { suffix } = splitExerciseName(member.data.name as string);
        expect(suffix && normalizeEquipment(suffix).value).toBe(primaryOf(member));
        expect(toFamilySlug(member.data.name as string)).toBe(family.family_slug);
      }
    }
  });
});

describe("DEMO_FAMILIES", () => {
  it.each(DEMO_FAMILIES.map((family) => [family.family_slug, family] as const))("%s matches its exercises", (slug, family) => {
    expect(familyRegistrySchema.safeParse(family).success).toBe(true);
    const members = familyMembers(slug, demoRaw);
    expect(family.exercise_count).toBe(members.length);
    expect(new Set(family.primary_equipment)).toEqual(new Set(members.map(primaryOf)));
    expect(new Set(family.allowed_equipment)).toEqual(new Set(members.flatMap((member) => member.data.equipment as string[])));
  });

  it("covers every family of the demo exercises", () => {
    expect(new Set(DEMO_FAMILIES.map((family) => family.family_slug))).toEqual(
      new Set(DEMO_EXERCISES.map((exercise) => exercise.family_slug)),
    );
  });
});

describe("DEMO_ALIASES", () => {
  it.each(DEMO_ALIASES.map((alias) => [alias.alias_slug, alias] as const))("%s is valid and resolves", (_slug, alias) => {
    expect(aliasDocSchema.safeParse(alias).success).toBe(true);
    if (alias.exercise_id) expect(DEMO_EXERCISES.map((exercise) => exercise.id)).toContain(alias.exercise_id);
    if (alias.family_slug) expect(DEMO_FAMILIES.map((family) => family.family_slug)).toContain(alias.family_slug);
  });
});

/** How each broken exercise is caught: by the scanner, the schema, or a catalog-level invariant. */
const EXERCISE_DETECTORS: Record<BrokenExerciseDefect, (item: BrokenExercise) => void> = {
  name_starts_with_equipment: (item) => expect(hardChecksOf(item.data)).toEqual(["canonical_name"]),
  missing_equipment_suffix: (item) => {
    expect(hardChecksOf(item.data)).toEqual(["canonical_name"]);
    expect(isMultiEquipment(familyMembers(item.data.family_slug as string, brokenRaw))).toBe(true);
  },
  numbered_execution_notes: (item) => expect(hardChecksOf(item.data)).toEqual(["content_format"]),
  unnormalised_muscles: (item) => {
    expect(hardChecksOf(item.data)).toEqual(["primary_muscles_format"]);
    expect(exerciseDocSchema.safeParse(item.data).success).toBe(false);
  },
  missing_description: (item) => expect(hardChecksOf(item.data)).toEqual(["description_length"]),
  non_canonical_enums: (item) => {
    expect(hardChecksOf(item.data)).toEqual(["category_canonical", "movement_type_canonical", "movement_split_canonical"]);
    expect(exerciseDocSchema.safeParse(item.data).success).toBe(false);
  },
  name_slug_mismatch: (item) => {
    expect(exerciseDocSchema.safeParse(item.data).error?.issues.map((issue) => issue.path.join("."))).toEqual(["name_slug"]);
  },
  merged_without_target: (item) => {
    expect(exerciseDocSchema.safeParse(item.data).error?.issues.map((issue) => issue.path.join("."))).toEqual(["merged_into"]);
  },
  style_issues_only: (item) => {
    const result = heuristicScoreExercise(item.data);
    expect(result).toMatchObject({ passed: true, score: 0.7, issue_type: "needs_enrichment", needs_enrichment_only: true });
  },
  deprecated_fields: (item) => {
    expect(findDeprecatedFields(item.data).filter((finding) => finding.removable).length).toBeGreaterThan(0);
  },
  shared_primary_equipment: (item) => {
    const members = familyMembers(item.data.family_slug as string, brokenRaw);
    const primaries = members.map(primaryOf);
    expect(isMultiEquipment(members)).toBe(true);
    expect(new Set(primaries).size).toBeLessThan(primaries.length);
  },
  old_slug_without_alias: (item) => {
    const derivedId = exerciseIdFor(item.data.family_slug as string, item.data.name_slug as string);
    expect(item.id).not.toBe(derivedId);
    const oldSlug = item.id.split("__")[1];
    const aliasSlugs = [...DEMO_ALIASES.map((alias) => alias.alias_slug), ...BROKEN_ALIASES.map((alias) => alias.id)];
    expect(aliasSlugs).not.toContain(oldSlug);
  },
};

describe("BROKEN_EXERCISES", () => {
  it("covers every defect kind", () => {
    expect(new Set(BROKEN_EXERCISES.map((item) => item.defect))).toEqual(new Set(Object.keys(EXERCISE_DETECTORS)));
  });

  it.each(BROKEN_EXERCISES.map((item) => [item.defect, item.id, item] as const))("%s (%s) is caught", (_defect, _id, item) => {
    EXERCISE_DETECTORS[item.defect](item);
  });

  it("uses ids that collide with no demo exercise", () => {
    const ids = allExercises.map((exercise) => exercise.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("keeps broken families apart from the demo families", () => {
    const demoFamilies = new Set(DEMO_EXERCISES.map((exercise) => exercise.family_slug));
    for (const item of BROKEN_EXERCISES) expect(demoFamilies.has(item.data.family_slug as string)).toBe(false);
  });
});

const exerciseIds = new Set(allExercises.map((exercise) => exercise.id));
const familySlugs = new Set(allExercises.map((exercise) => exercise.data.family_slug as string));

const ALIAS_DETECTORS: Record<BrokenAliasDefect, (item: BrokenAlias) => void> = {
  orphaned_exercise_alias: (item) => {
    expect(aliasDocSchema.safeParse(item.data).success).toBe(true);
    expect(exerciseIds.has(item.data.exercise_id as string)).toBe(false);
  },
  orphaned_family_alias: (item) => {
    expect(aliasDocSchema.safeParse(item.data).success).toBe(true);
    expect(familySlugs.has(item.data.family_slug as string)).toBe(false);
  },
  both_targets: (item) => expect(aliasDocSchema.safeParse(item.data).success).toBe(false),
  no_target: (item) => expect(aliasDocSchema.safeParse(item.data).success).toBe(false),
  family_flag_mismatch: (item) => expect(aliasDocSchema.safeParse(item.data).success).toBe(false),
};

describe("BROKEN_ALIASES", () => {
  it("covers every defect kind", () => {
    expect(new Set(BROKEN_ALIASES.map((item) => item.defect))).toEqual(new Set(Object.keys(ALIAS_DETECTORS)));
  });

  it.each(BROKEN_ALIASES.map((item) => [item.defect, item.id, item] as const))("%s (%s) is caught", (_defect, _id, item) => {
    expect(item.data.alias_slug).toBe(item.id);
    ALIAS_DETECTORS[item.defect](item);
  });
});
