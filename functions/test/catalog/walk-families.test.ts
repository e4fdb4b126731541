/** `walkFamilies`: the scans' walk through the catalog's families, a page of exercises at a time. */
import { type WalkedFamily, walkFamilies } from "../../src/catalog/reads";
import { computeFamilyRegistry } from "../../src/catalog/family-registry";
import { type ExerciseFixture, seedCatalog } from "../helpers/catalog";
import { describeWithFullEmulator, useFirestore } from "../helpers/firestore";
import { familyQueryCounter, numberedFamilies } from "../handlers/support";

const db = useFirestore();

async function walk(range?: Parameters<typeof walkFamilies>[1]): Promise<WalkedFamily[]> {
  const walked: WalkedFamily[] = [];
  for await (const family of walkFamilies(db, range)) walked.push(family);
  return walked;
}

/** Each family's slug and member ids (in id order), as a walk should read them. */
function byFamily(exercises: readonly ExerciseFixture[]): { slug: string; ids: string[] }[] {
  const families = new Map<string, string[]>();
  for (const { id, family_slug } of exercises) families.set(String(family_slug), [...(families.get(String(family_slug)) ?? []), id]);
  return [...families].sort(([a], [b]) => (a < b ? -1 : 1)).map(([slug, ids]) => ({ slug, ids: ids.sort() }));
}

const asRead = (walked: WalkedFamily[]) => walked.map(({ slug, read }) => ({ slug, ids: read!.members.map(({ id }) => id) }));

describeWithFullEmulator("walkFamilies", () => {
  it("reads every family once, whole, with its registry entry, and no query per family", async () => {
    // Seven a family: the first page (500 exercises) ends inside one.
    const exercises = numberedFamilies(100, 7);
    await seedCatalog(db, { exercises, families: [computeFamilyRegistry("family_0000", [])] });
    const familyQueries = familyQueryCounter(db);

    const walked = await walk();

    expect(asRead(walked)).toEqual(byFamily(exercises));
    expect(walked[0].read?.registry).toMatchObject({ family_slug: "family_0000" });
    expect(walked[1].read?.registry).toBeNull();
    // Two pages, and the family the first one ends in read on its own.
    expect(familyQueries()).toBe(3);
  });

  it("reads a family larger than a page whole, and goes on after it", async () => {
    const exercises = [...numberedFamilies(1, 620, "big"), ...numberedFamilies(2, 1)];
    await seedCatalog(db, { exercises });

    expect(asRead(await walk())).toEqual(byFamily(exercises));
  });

  it("walks the families after one, or those up to one", async () => {
    const exercises = numberedFamilies(5, 2);
    await seedCatalog(db, { exercises });
    const slugs = byFamily(exercises).map(({ slug }) => slug);

    expect((await walk({ after: slugs[2] })).map(({ slug }) => slug)).toEqual(slugs.slice(3));
    expect((await walk({ upTo: slugs[2] })).map(({ slug }) => slug)).toEqual(slugs.slice(0, 3));
  });
});
