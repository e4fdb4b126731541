import { CATALOG_COLLECTIONS } from "../../src/catalog/collections";
import { DEMO_EXERCISES, DEMO_FAMILIES } from "../../src/catalog/demo-catalog";
import {
  CatalogLimitError,
  aliasesPointingAtExercises,
  aliasesPointingAtFamilies,
  exercisesWithNameSlugs,
  getAliases,
  getExercise,
  getExercises,
  getFamilyRegistry,
  loadFamilyExercises,
} from "../../src/catalog/repository";
import { exerciseFixture, seedCatalog } from "../helpers/catalog";
import { useFirestore, describeWithFullEmulator } from "../helpers/firestore";
import { pageCollection, transactionQueryReader } from "../../src/util/paging";
import { computeFamilyRegistry } from "../../src/catalog/family-registry";

const db = useFirestore();

const variants = ["Front", "Back", "Box", "Pause", "Split", "Zercher", "Overhead"].map((prefix) =>
  exerciseFixture(`${prefix} Squat (Barbell)`, ["barbell"], { family_slug: "squat" }),
);
const other = exerciseFixture("Bench Press (Barbell)", ["barbell"]);

describe("catalog repository reads", () => {
  it("gets documents by id, and aliases by target, in chunks", async () => {
    const many = Array.from({ length: 35 }, (_, i) => exerciseFixture(`Curl ${i} (Cable)`, ["cable"], { family_slug: "curl" }));
    const aliases = [
      ...many.map((exercise, i) => ({ alias_slug: `old-curl-${i}`, exercise_id: exercise.id, is_family_alias: false })),
      { alias_slug: "arm_curl", family_slug: "curl", is_family_alias: true },
    ];
    await seedCatalog(db, { exercises: many, aliases, families: [computeFamilyRegistry("curl", many)] });

    expect(await getExercise(db, many[0].id)).toMatchObject({ name: "Curl 0 (Cable)" });
    expect(await getExercise(db, "missing")).toBeNull();
    expect((await getExercises(db, [...many.map((e) => e.id), "missing"])).size).toBe(35);
    expect((await getAliases(db, ["arm_curl", "missing"])).size).toBe(1);
    expect(await getFamilyRegistry(db, "curl")).toMatchObject({ exercise_count: 35 });
    expect(
      await aliasesPointingAtExercises(
        db,
        many.map((e) => e.id),
      ),
    ).toHaveLength(35);
    expect((await aliasesPointingAtFamilies(db, ["curl"])).map((a) => a.id)).toEqual(["arm_curl"]);
    expect(
      await exercisesWithNameSlugs(
        db,
        many.map((e) => String(e.name_slug)),
      ),
    ).toHaveLength(35);
  });
});

describe("computeFamilyRegistry", () => {
  it("derives the demo catalog's registry from its exercises (equipment sorted)", () => {
    for (const family of DEMO_FAMILIES) {
      const members = DEMO_EXERCISES.filter((exercise) => exercise.family_slug === family.family_slug);
      expect(computeFamilyRegistry(family.family_slug, members)).toEqual({
        ...family,
        primary_equipment: [...family.primary_equipment].sort(),
        allowed_equipment: [...family.allowed_equipment].sort(),
      });
    }
  });

  it("counts live exercises only and takes the base name from the family's own movement", () => {
    const members = [
      exerciseFixture("Incline Push-Up", ["bodyweight"], { family_slug: "push_up" }),
      exerciseFixture("Push-Up", ["bodyweight", "weighted-vest"]),
      exerciseFixture("Push-Up (Rings)", ["suspension-trainer"], { family_slug: "push_up", status: "merged", merged_into: "x" }),
    ];
    expect(computeFamilyRegistry("push_up", members)).toEqual({
      family_slug: "push_up",
      base_name: "Push-Up",
      primary_equipment: ["bodyweight"],
      allowed_equipment: ["bodyweight", "weighted-vest"],
      exercise_count: 2,
      status: "active",
    });
  });

  it("keeps the stored base name or titles the slug when no exercise names the family, and retires an empty family", () => {
    expect(computeFamilyRegistry("hip_thrust", [], { previous: { base_name: "Hip Thrust" } })).toMatchObject({
      base_name: "Hip Thrust",
      exercise_count: 0,
      status: "deprecated",
    });
    expect(computeFamilyRegistry("hip_thrust", [], { status: "merged", merged_into: "glute_bridge" })).toMatchObject({
      base_name: "Hip Thrust",
      status: "merged",
      merged_into: "glute_bridge",
    });
  });
});

// Cursor paging, which the fallback emulator does not implement.
describeWithFullEmulator("catalog repository paging", () => {
  it("pages through a query in document id order until the end, with no cap", async () => {
    await seedCatalog(db, { exercises: [...variants, other] });
    const pages: string[][] = [];
    for await (const page of pageCollection(db.collection(CATALOG_COLLECTIONS.exercises).where("family_slug", "==", "squat"), 3))
      pages.push(page.map((doc) => doc.id));
    expect(pages.map((page) => page.length)).toEqual([3, 3, 1]);
    expect(pages.flat()).toEqual(variants.map((v) => v.id).sort());

    const exactPages: number[] = [];
    for await (const page of pageCollection(db.collection(CATALOG_COLLECTIONS.exercises).where("family_slug", "==", "squat"), 7))
      exactPages.push(page.length);
    expect(exactPages).toEqual([7]);
  });
  it("reads a family whole, page by page, and refuses one larger than its cap", async () => {
    await seedCatalog(db, { exercises: [...variants, other] });
    expect((await loadFamilyExercises(db, "squat", { pageSize: 2 })).map((e) => e.id)).toEqual(variants.map((v) => v.id).sort());
    const err = await loadFamilyExercises(db, "squat", { max: 5, pageSize: 2 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CatalogLimitError);
    expect(err).toMatchObject({ code: "CATALOG_LIMIT_EXCEEDED", transient: false });
  });
  it("reads a family inside a transaction", async () => {
    await seedCatalog(db, { exercises: [...variants, other] });
    const ids = await db.runTransaction(async (tx) =>
      (await loadFamilyExercises(db, "squat", { pageSize: 4, read: transactionQueryReader(tx) })).map((e) => e.id),
    );
    expect(ids).toHaveLength(7);
  });
});
