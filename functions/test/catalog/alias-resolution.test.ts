import { aliasProblem, leftForRetiredTarget, resolveAlias } from "../../src/catalog/alias-resolution";
import { planAliasRepair } from "../../src/handlers/plans/alias-repair";
import type { CatalogSeed } from "../helpers/catalog";
import { exerciseFixture, retiredFamilyFixture } from "../helpers/catalog";
import { InMemoryCatalog } from "../handlers/in-memory-catalog";
import { demoSeed } from "../handlers/support";

function catalogWith(extra: CatalogSeed): InMemoryCatalog {
  const demo = demoSeed();
  return new InMemoryCatalog({
    exercises: [...demo.exercises, ...(extra.exercises ?? [])],
    aliases: [...demo.aliases, ...(extra.aliases ?? [])],
    families: [...demo.families, ...(extra.families ?? [])],
  });
}

function factsWith(extra: CatalogSeed) {
  return catalogWith(extra).aliasFacts();
}

describe("aliasProblem", () => {
  const facts = factsWith({});
  it.each([
    ["kettlebell-bench-press", "orphaned"],
    ["pec_deck", "orphaned"],
    ["overhead-press", "both_targets"],
    ["biceps-curl-barbell", "no_target"],
    ["db-curl", "flag_mismatch"],
    ["goblet-squat", null],
    ["bent_over_row", null],
  ])("%s → %s", (slug, problem) => {
    expect(aliasProblem(slug, facts.alias(slug), facts)).toBe(problem);
  });
});

describe("resolveAlias", () => {
  it("leaves an alias whose only fault is its flag, to an exercise retired without a successor, to a person instead of deleting it", () => {
    const archived = exerciseFixture("Curl (Band)", ["band"], { status: "deprecated" });
    const facts = factsWith({
      exercises: [archived],
      aliases: [{ alias_slug: "old-band-curl", exercise_id: archived.id, is_family_alias: true }],
    });
    expect(resolveAlias("old-band-curl", facts)).toMatchObject({
      problem: "flag_mismatch",
      action: "unresolved",
      code: "ALIAS_TARGET_RETIRED",
    });
  });

  it("re-points an orphaned alias to the one exercise that now carries the missing exercise's slug", () => {
    const facts = factsWith({
      exercises: [exerciseFixture("Bench Press (Kettlebell)", ["kettlebell"], { family_slug: "floor_press" })],
      aliases: [{ alias_slug: "kb-press", exercise_id: "bench_press__bench-press-kettlebell", is_family_alias: false }],
    });
    expect(resolveAlias("kb-press", facts)).toMatchObject({
      problem: "orphaned",
      action: "upsert",
      target: { exercise_id: "floor_press__bench-press-kettlebell" },
    });
  });

  it("follows a renamed family through the alias its old slug left", () => {
    const facts = factsWith({
      aliases: [
        { alias_slug: "pushups", family_slug: "press_up", is_family_alias: true },
        { alias_slug: "press_up_old", family_slug: "press_up", is_family_alias: true },
      ],
    });
    // press_up has no exercises or registry; the demo's "press_up" alias leads to push_up.
    expect(resolveAlias("pushups", facts)).toMatchObject({ problem: "orphaned", action: "upsert", target: { family_slug: "push_up" } });
  });

  it("reports a loop of merged families instead of writing anything", () => {
    const facts = factsWith({
      families: [retiredFamilyFixture("a_row", "b_row"), retiredFamilyFixture("b_row", "a_row")],
      aliases: [{ alias_slug: "ab", family_slug: "a_row", is_family_alias: true }],
    });
    expect(resolveAlias("ab", facts)).toMatchObject({
      action: "unresolved",
      code: "ALIAS_LOOP",
      reason: expect.stringContaining("a_row → b_row → a_row"),
    });
  });

  it("reports several possible successors instead of guessing", () => {
    const facts = factsWith({
      exercises: [
        exerciseFixture("Bench Press (Kettlebell)", ["kettlebell"], { family_slug: "floor_press" }),
        exerciseFixture("Bench Press (Kettlebell)", ["kettlebell"], { family_slug: "kb_bench_press" }),
      ],
    });
    expect(resolveAlias("kettlebell-bench-press", facts)).toMatchObject({ action: "unresolved", code: "AMBIGUOUS_ALIAS_TARGET" });
  });

  it("deletes an alias whose successor carries the alias's own slug", () => {
    const facts = factsWith({
      exercises: [exerciseFixture("Good Morning (Barbell)", ["barbell"])],
      aliases: [{ alias_slug: "good-morning-barbell", exercise_id: "good_morning__old-good-morning", is_family_alias: false }],
    });
    expect(resolveAlias("good-morning-barbell", facts)).toMatchObject({ action: "delete" });
  });

  it("restores the alias of a slug an exercise was created with and has left", () => {
    expect(resolveAlias("military-press", factsWith({}))).toMatchObject({
      problem: "missing_alias",
      action: "upsert",
      target: { exercise_id: "shoulder_press__military-press" },
    });
  });

  it("restores no alias for a slug another live exercise has taken as its own name: none may shadow it", () => {
    const facts = factsWith({ exercises: [exerciseFixture("Military Press", ["barbell"], { family_slug: "military_press" })] });
    expect(resolveAlias("military-press", facts)).toMatchObject({
      action: "none",
      reason: "the slug is the name of live exercise military_press__military-press",
    });
  });

  it("deletes rather than repoints an alias whose slug another live exercise has taken as its name", () => {
    const facts = factsWith({
      exercises: [exerciseFixture("Military Press", ["barbell"], { family_slug: "military_press" })],
      aliases: [{ alias_slug: "military-press", exercise_id: null, family_slug: null, is_family_alias: false }],
    });
    expect(resolveAlias("military-press", facts)).toMatchObject({
      problem: "shadows_name",
      action: "delete",
      reason: "the slug is the name of live exercise military_press__military-press: no alias may shadow it",
    });
  });

  describe("an alias whose target leads to one retired without a successor", () => {
    // Merged into squat__squat-dumbbell, archived since.
    const archivedSquat = exerciseFixture("Squat (Dumbbell)", ["dumbbell"], { status: "deprecated" });
    const goblet = exerciseFixture("Goblet Squat (Dumbbell)", ["dumbbell"], {
      family_slug: "squat",
      status: "merged",
      merged_into: archivedSquat.id,
    });
    const dbGoblet = { alias_slug: "db-goblet", exercise_id: goblet.id, is_family_alias: false };

    it("is left to a person when it was merged, not deleted: the archived exercise can come back", () => {
      const facts = factsWith({ exercises: [archivedSquat, goblet], aliases: [dbGoblet] });

      expect(resolveAlias("db-goblet", facts)).toMatchObject({
        problem: "merged_target",
        action: "unresolved",
        code: "ALIAS_TARGET_RETIRED",
      });
      expect(leftForRetiredTarget("db-goblet", "merged_target", facts)).toBe(true);
      // An alias pointing at the archived exercise directly is fine, as before.
      expect(resolveAlias("goblet-squat", facts)).toMatchObject({ action: "none" });
    });

    it("is left to a person when its family was merged into one deprecated since", () => {
      const facts = factsWith({
        families: [retiredFamilyFixture("rows_old", "rows_dead"), retiredFamilyFixture("rows_dead")],
        aliases: [{ alias_slug: "old_rows", family_slug: "rows_old", is_family_alias: true }],
      });

      expect(resolveAlias("old_rows", facts)).toMatchObject({
        problem: "merged_target",
        action: "unresolved",
        code: "ALIAS_TARGET_RETIRED",
      });
      expect(leftForRetiredTarget("old_rows", "merged_target", facts)).toBe(true);
    });

    it("is left to a person when it also names a family that no longer exists", () => {
      const facts = factsWith({
        exercises: [archivedSquat],
        aliases: [{ alias_slug: "squat-or-what", exercise_id: archivedSquat.id, family_slug: "no_such_family" }],
      });

      expect(resolveAlias("squat-or-what", facts)).toMatchObject({
        problem: "both_targets",
        action: "unresolved",
        code: "ALIAS_TARGET_RETIRED",
      });
    });

    it("is deleted when it is an orphan, whose family's new slug is retired since", () => {
      const facts = factsWith({
        families: [retiredFamilyFixture("rows_dead")],
        aliases: [
          { alias_slug: "rowing", family_slug: "rows_gone", is_family_alias: true },
          { alias_slug: "rows_gone", family_slug: "rows_dead", is_family_alias: true },
        ],
      });

      expect(resolveAlias("rowing", facts)).toMatchObject({ problem: "orphaned", action: "delete" });
    });

    it("is asked about when its merges lead to a live exercise", () => {
      const facts = factsWith({ exercises: [goblet], aliases: [dbGoblet] });

      expect(resolveAlias("db-goblet", facts)).toMatchObject({ action: "upsert", target: { exercise_id: "squat__squat-dumbbell" } });
      expect(leftForRetiredTarget("db-goblet", "merged_target", facts)).toBe(false);
    });
  });

  describe("an alias of a live exercise's own name slug", () => {
    const shadowing = { alias_slug: "deadlift-barbell", exercise_id: "squat__squat-dumbbell", is_family_alias: false };

    it("is deleted when it points at another exercise: the slug finds the named one, and no alias may shadow it", () => {
      const catalog = catalogWith({ aliases: [shadowing] });
      const facts = catalog.aliasFacts();
      const repair = resolveAlias("deadlift-barbell", facts);

      expect(aliasProblem("deadlift-barbell", shadowing, facts)).toBe("shadows_name");
      expect(repair).toMatchObject({
        problem: "shadows_name",
        action: "delete",
        reason: "the slug is the name of live exercise deadlift__deadlift-barbell: no alias may shadow it",
      });
      expect(catalog.validate("ALIAS_REPAIR", planAliasRepair([repair]).operations).errors).toEqual([]);
    });

    it("is deleted whatever else is wrong with it, even leading to a retired exercise", () => {
      const archived = exerciseFixture("Curl (Band)", ["band"], { status: "deprecated" });
      const facts = factsWith({ exercises: [archived], aliases: [{ ...shadowing, exercise_id: archived.id, is_family_alias: true }] });

      expect(resolveAlias("deadlift-barbell", facts)).toMatchObject({ problem: "shadows_name", action: "delete" });
      expect(leftForRetiredTarget("deadlift-barbell", "shadows_name", facts)).toBe(false);
    });

    it("is not judged shadowing when it is a family alias", () => {
      const alias = { alias_slug: "deadlift-barbell", family_slug: "squat", is_family_alias: true };
      const facts = factsWith({ aliases: [alias] });
      expect(aliasProblem("deadlift-barbell", alias, facts)).toBeNull();
    });

    it("is its exercise's own slug, not shadowing, when it points at that exercise: deleted all the same", () => {
      const alias = { alias_slug: "deadlift-barbell", exercise_id: "deadlift__deadlift-barbell", is_family_alias: false };
      const catalog = catalogWith({ aliases: [alias] });
      const facts = catalog.aliasFacts();
      const repair = resolveAlias("deadlift-barbell", facts);

      expect(aliasProblem("deadlift-barbell", alias, facts)).toBe("own_slug");
      expect(repair).toEqual({
        alias_slug: "deadlift-barbell",
        problem: "own_slug",
        action: "delete",
        reason: "the alias's slug is its target's own slug (exercise deadlift__deadlift-barbell): that slug finds it anyway",
      });
      expect(catalog.validate("ALIAS_REPAIR", planAliasRepair([repair]).operations).errors).toEqual([]);
    });

    it("is not judged shadowing when the exercise of that name is retired", () => {
      const archived = exerciseFixture("Curl (Band)", ["band"], { status: "deprecated" });
      const alias = { alias_slug: "curl-band", exercise_id: "squat__squat-dumbbell", is_family_alias: false };
      const facts = factsWith({ exercises: [archived], aliases: [alias] });
      expect(facts.exercise(archived.id)).toMatchObject({ name_slug: "curl-band" });
      expect(aliasProblem("curl-band", alias, facts)).toBeNull();
    });
  });

  it("knows nothing about a slug no alias or exercise ever had", () => {
    expect(resolveAlias("no-such-slug", factsWith({}))).toMatchObject({ action: "not_found" });
  });
});

describe("resolveAlias agrees with the plan validator on family aliases", () => {
  it("deletes a family alias of its family's own slug, as one of its exercise's own slug, rather than writing a loop", () => {
    const catalog = catalogWith({ aliases: [{ alias_slug: "squat", family_slug: "squat", is_family_alias: false }] });
    // Stored without its alias_slug field (seeds key aliases by that field).
    catalog.aliases.set("bench_press", { family_slug: "bench_press", is_family_alias: true });
    const facts = catalog.aliasFacts();
    const repairs = ["squat", "bench_press"].map((slug) => resolveAlias(slug, facts));

    // Its fields are not rewritten first: it goes.
    expect(repairs).toEqual([
      expect.objectContaining({ alias_slug: "squat", problem: "own_slug", action: "delete" }),
      expect.objectContaining({ alias_slug: "bench_press", problem: "own_slug", action: "delete" }),
    ]);
    expect(catalog.validate("ALIAS_REPAIR", planAliasRepair(repairs).operations).errors).toEqual([]);
  });

  describe("a family without a registry entry", () => {
    const sealRows = { alias_slug: "seal_rows", family_slug: "seal_row", is_family_alias: false };
    const retired = exerciseFixture("Seal Row (Barbell)", ["barbell"], { family_slug: "seal_row", status: "deprecated" });

    it("is retired when it has only retired exercises: a field fault of its alias is left to a person", () => {
      const catalog = catalogWith({ exercises: [retired], aliases: [sealRows] });
      const facts = catalog.aliasFacts();

      expect(resolveAlias("seal_rows", facts)).toMatchObject({
        problem: "flag_mismatch",
        action: "unresolved",
        code: "ALIAS_TARGET_RETIRED",
      });
      expect(leftForRetiredTarget("seal_rows", "flag_mismatch", facts)).toBe(true);
      // The rewrite it would otherwise plan, which the validator refuses.
      const rewrite = {
        op: "upsert_alias" as const,
        alias_slug: "seal_rows",
        family_slug: "seal_row",
        is_family_alias: true,
        rationale: "its flag",
      };
      expect(catalog.validate("ALIAS_REPAIR", [rewrite]).errors).toEqual([expect.stringContaining("ALIAS_TARGET_MISSING")]);
    });

    it("is live with a live exercise: the alias is rewritten, as the validator allows", () => {
      const live = exerciseFixture("Seal Row (Dumbbell)", ["dumbbell"], { family_slug: "seal_row" });
      const catalog = catalogWith({ exercises: [retired, live], aliases: [sealRows] });
      const repair = resolveAlias("seal_rows", catalog.aliasFacts());

      expect(repair).toMatchObject({ action: "upsert", target: { family_slug: "seal_row" } });
      expect(catalog.validate("ALIAS_REPAIR", planAliasRepair([repair]).operations).errors).toEqual([]);
    });
  });
});
