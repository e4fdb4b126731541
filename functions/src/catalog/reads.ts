/**
 * Catalog reads the handlers need beyond `catalog/repository`: a family with its registry entry,
 * who holds the slugs a plan gives out, the families the scans walk, the facts alias checks ask for
 * (including exercises by the slug they were created with). Every walk pages; none holds more than
 * one page and one family in memory.
 */
import type { Firestore, Query } from "firebase-admin/firestore";
import {
  type CatalogDoc,
  exercisesWithNameSlugs,
  getAliases,
  getExercises,
  getFamilyRegistries,
  getFamilyRegistry,
  loadFamilyExercises,
  unlessTooLarge,
} from "./repository";
import { toNameSlug } from "./taxonomy";
import { isLiveExercise } from "./family-registry";
import { CATALOG_COLLECTIONS } from "./collections";
import type { AliasFacts, FactRequest, FamilyFacts } from "./alias-facts";
import type { SlugOwners } from "./rename-conflicts";
import { creationSlugOf, renameAliasSlugs } from "./slug-aliases";
import { type DocData } from "../util/object-paths";
import { pageCollection } from "../util/paging";

export interface LoadedFamily {
  slug: string;
  /** Every exercise (any status) whose family_slug is the family. */
  members: CatalogDoc[];
  registry: DocData | null;
}

/** A family as it is, possibly empty (a split or rename target that does not exist yet). */
export async function readFamily(db: Firestore, slug: string): Promise<LoadedFamily> {
  const [members, registry] = await Promise.all([loadFamilyExercises(db, slug), getFamilyRegistry(db, slug)]);
  return { slug, members, registry };
}

/** `SlugOwners`, with the documents of the exercises holding the name slugs read. */
export interface SlugHolders extends SlugOwners {
  /** Those exercises' documents, by id. */
  documents: ReadonlyMap<string, DocData>;
}

/**
 * Who holds the slugs `names` give to `members` whose name changes (exercises and aliases), and the
 * alias documents renaming them touches, plus any `extraAliasSlugs`, and who holds `extraNameSlugs`
 * (exercises and aliases), in the same reads: a slug wanted for several reasons is read once.
 */
export function loadRenameOwners(
  db: Firestore,
  members: readonly CatalogDoc[],
  names: ReadonlyMap<string, string | null>,
  extraAliasSlugs: readonly string[] = [],
  extraNameSlugs: readonly string[] = [],
): Promise<SlugHolders> {
  const renames = members.flatMap(({ id, data }) => {
    const name = names.get(id);
    return name && (name !== data.name || toNameSlug(name) !== data.name_slug) ? [{ id, data, name }] : [];
  });
  // The old slugs too: one another exercise has taken as its name since gets no alias (see renameAliasOps).
  const aliasSlugs = renames.flatMap(({ id, data, name }) => renameAliasSlugs(id, data, name));
  return loadSlugOwners(
    db,
    [...renames.map(({ name }) => toNameSlug(name)), ...aliasSlugs, ...extraNameSlugs],
    [...aliasSlugs, ...extraAliasSlugs],
  );
}

/** The exercises and aliases holding `nameSlugs`, and the alias documents of `aliasSlugs`. */
async function loadSlugOwners(db: Firestore, nameSlugs: Iterable<string>, aliasSlugs: Iterable<string> = []): Promise<SlugHolders> {
  const names = [...new Set(nameSlugs)];
  const [holders, aliases] = await Promise.all([exercisesWithNameSlugs(db, names), getAliases(db, [...names, ...aliasSlugs])]);
  const exercises = new Map<string, string[]>();
  for (const holder of holders) {
    const slug = String(holder.data.name_slug);
    exercises.set(slug, [...(exercises.get(slug) ?? []), holder.id]);
  }
  const live = new Set(holders.filter(({ data }) => isLiveExercise(data)).map(({ id }) => id));
  return { aliases, exercises, live, documents: new Map(holders.map(({ id, data }) => [id, data])) };
}

/** A family as the scans walk it: read whole with its registry entry, or null when it is too large to (`CatalogLimitError`). */
export interface WalkedFamily {
  slug: string;
  read: LoadedFamily | null;
}

/** Exercises per page of `walkFamilies`: one round trip reads the families of many. */
const WALK_PAGE_SIZE = 500;

/**
 * The catalog's families in slug order, each read whole with its registry entry: those after `after`,
 * up to `upTo` (either unset: from the first, to the last). The exercises are read a page at a time in
 * family order, each once, and the registry entries of a page's families in one read: no query per
 * family. The last family of a full page may go on in the next, so it is read on its own (its members in
 * that page twice), which also refuses one too large; the next page starts after it.
 * Only string slugs: Firestore orders a legacy null or number before every string.
 */
export async function* walkFamilies(db: Firestore, range: { after?: string | null; upTo?: string } = {}): AsyncGenerator<WalkedFamily> {
  const members = range.upTo === undefined ? familyMembers(db) : familyMembers(db).where("family_slug", "<=", range.upTo);
  const ordered = members.orderBy("family_slug").limit(WALK_PAGE_SIZE);
  let after = range.after ?? null;
  for (;;) {
    const page = (await (after === null ? ordered : ordered.startAfter(after)).get()).docs;
    const families = new Map<string, CatalogDoc[]>();
    for (const doc of page) {
      const slug = doc.get("family_slug") as string;
      const member = { id: doc.id, data: doc.data() };
      const known = families.get(slug);
      if (known) known.push(member);
      else families.set(slug, [member]);
    }
    const full = page.length === WALK_PAGE_SIZE;
    const last = full ? [...families.keys()].pop() : undefined;
    const [registries, lastMembers] = await Promise.all([
      getFamilyRegistries(db, families.keys()),
      last === undefined ? null : unlessTooLarge(loadFamilyExercises(db, last)),
    ]);
    for (const [slug, pageMembers] of families) {
      const whole = slug === last ? lastMembers : pageMembers;
      yield { slug, read: whole && { slug, members: whole, registry: registries.get(slug) ?? null } };
    }
    if (last === undefined) return;
    after = last;
  }
}

/** Every exercise with a family slug: the members of the families `walkFamilies` walks. */
function familyMembers(db: Firestore): Query {
  return db.collection(CATALOG_COLLECTIONS.exercises).where("family_slug", ">=", "");
}

/** How many exercises the families `walkFamilies` walks hold, any status (one read per 1,000). */
export async function countFamilyMembers(db: Firestore): Promise<number> {
  return (await familyMembers(db).count().get()).data().count;
}

/**
 * Exercises whose id carries one of `slugs` as the slug they were created with
 * (`{family}__{slug}`): the only way to find a renamed exercise by its first slug. Walks every
 * exercise id page by page (ids only, no document bodies).
 */
async function exercisesByCreationSlug(db: Firestore, slugs: Iterable<string>, signal?: AbortSignal): Promise<Map<string, string[]>> {
  const wanted = new Set(slugs);
  const found = new Map<string, string[]>();
  if (wanted.size === 0) return found;
  const ids = db.collection(CATALOG_COLLECTIONS.exercises).select();
  for await (const page of pageCollection(ids)) {
    signal?.throwIfAborted();
    for (const doc of page) {
      const slug = creationSlugOf(doc.id);
      if (slug !== null && wanted.has(slug)) found.set(slug, [...(found.get(slug) ?? []), doc.id]);
    }
  }
  return found;
}

/** Whether a family has exercises, and live ones: its members' statuses, page by page until a live one turns up. */
async function familyMembership(db: Firestore, slug: string): Promise<Omit<FamilyFacts, "registry">> {
  const statuses = db.collection(CATALOG_COLLECTIONS.exercises).where("family_slug", "==", slug).select("status");
  let hasExercises = false;
  for await (const page of pageCollection(statuses)) {
    hasExercises = true;
    if (page.some((doc) => isLiveExercise(doc.data()))) return { hasExercises, hasLiveExercises: true };
  }
  return { hasExercises, hasLiveExercises: false };
}

/** Reads what `request` asks for into `facts` (absent documents recorded as null). */
export async function readAliasFacts(db: Firestore, facts: AliasFacts, request: FactRequest, signal?: AbortSignal): Promise<void> {
  const slugs = [...request.slugs];
  const families = [...request.families];
  const [aliases, exercises, registries, memberships, named, created] = await Promise.all([
    getAliases(db, request.aliases),
    getExercises(db, request.exercises),
    getFamilyRegistries(db, request.families),
    Promise.all(families.map((slug) => familyMembership(db, slug))),
    exercisesWithNameSlugs(db, slugs),
    exercisesByCreationSlug(db, slugs, signal),
  ]);
  request.aliases.forEach((slug) => facts.aliases.set(slug, aliases.get(slug) ?? null));
  request.exercises.forEach((id) => facts.exercises.set(id, exercises.get(id) ?? null));
  families.forEach((slug, index) => facts.families.set(slug, { registry: registries.get(slug) ?? null, ...memberships[index] }));
  facts.recordNameHolders(slugs, named);
  for (const slug of slugs) facts.createdWith.set(slug, created.get(slug) ?? []);
}
