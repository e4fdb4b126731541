/**
 * Reads the catalog documents a plan (or one operation) touches: the I/O half of validation and
 * apply. `loadCatalogView` reads everything validation needs before the plan runs;
 * `readOperationState` reads inside an operation's transaction exactly what that operation reads
 * (with what it merges into).
 */
import type { Firestore, Transaction } from "firebase-admin/firestore";
import {
  aliasesPointingAtExercises,
  aliasesPointingAtFamilies,
  exercisesWithNameSlugs,
  getAliases,
  getExercises,
  getFamilyRegistries,
  isDocumentId,
  loadFamilyExercises,
} from "../catalog/repository";
import { toNameSlug } from "../catalog/taxonomy";
import { isLiveExercise } from "../catalog/family-registry";
import { CATALOG_COLLECTIONS, type CatalogCollection } from "../catalog/collections";
import { CatalogState, type CatalogView } from "./catalog-state";
import { newMergeTarget } from "./catalog-rules";
import { type DocumentChange, operationReadSet } from "./effects";
import { type ChangePlan, type Operation, operationExerciseIds } from "./plan";
import { type DocData, isNonEmptyString } from "../util/object-paths";
import { transactionQueryReader } from "../util/paging";

/** Family alias hops followed when loading, enough to tell a chain from a loop. */
const ALIAS_HOPS = 5;

interface Wanted {
  exercises: Set<string>;
  aliases: Set<string>;
  families: Set<string>;
  /** Slugs the plan gives exercises, and alias slugs: every exercise already holding one is read. */
  nameSlugs: Set<string>;
  /** Exercises the plan retires: aliases pointing at them are read. */
  retiring: Set<string>;
}

function wantedBy(plan: ChangePlan): Wanted {
  const wanted: Wanted = { exercises: new Set(), aliases: new Set(), families: new Set(), nameSlugs: new Set(), retiring: new Set() };
  const add = (set: Set<string>, value: unknown) => {
    if (isNonEmptyString(value)) set.add(value);
  };
  for (const op of plan.operations) {
    operationExerciseIds(op).forEach((id) => wanted.exercises.add(id));
    switch (op.op) {
      case "create_exercise":
        add(wanted.families, op.data.family_slug);
        add(wanted.nameSlugs, op.data.name_slug);
        break;
      case "rename_exercise":
        add(wanted.nameSlugs, toNameSlug(op.new_name));
        break;
      case "reassign_family":
        add(wanted.families, op.from_family);
        add(wanted.families, op.to_family);
        if (op.new_name) add(wanted.nameSlugs, toNameSlug(op.new_name));
        break;
      case "deprecate_exercise":
        add(wanted.exercises, op.merged_into);
        add(wanted.retiring, op.exercise_id);
        break;
      case "merge_exercises":
        add(wanted.retiring, op.source_id);
        break;
      case "upsert_alias":
        add(wanted.aliases, op.alias_slug);
        add(wanted.nameSlugs, op.alias_slug);
        add(wanted.exercises, op.exercise_id);
        add(wanted.families, op.family_slug);
        break;
      case "delete_alias":
        add(wanted.aliases, op.alias_slug);
        break;
      case "update_family_registry":
        add(wanted.families, op.family_slug);
        add(wanted.families, op.merged_into);
        break;
      case "patch_fields":
        add(wanted.exercises, op.set.merged_into);
        if (op.set.status !== undefined && !isLiveExercise({ status: op.set.status })) add(wanted.retiring, op.exercise_id);
        break;
      case "no_change":
        break;
    }
  }
  return wanted;
}

/** Reads every document validation of `plan` needs (see `CatalogView` for what that is). */
export async function loadCatalogView(db: Firestore, plan: ChangePlan): Promise<CatalogView> {
  const wanted = wantedBy(plan);
  const exercises = await getExercises(db, wanted.exercises);
  // A patch setting only the status `merged` merges the exercise into the merged_into it keeps, known once it is read.
  const before = new CatalogState({ exercises, aliases: new Map(), families: new Map() });
  const kept = plan.operations.flatMap((op) => newMergeTarget(op, before)?.id ?? []).filter((id) => !exercises.has(id));
  (await getExercises(db, kept)).forEach((exercise, id) => exercises.set(id, exercise));
  for (const exercise of exercises.values()) {
    if (typeof exercise.family_slug === "string") wanted.families.add(exercise.family_slug);
  }
  for (const family of wanted.families) {
    for (const member of await loadFamilyExercises(db, family)) exercises.set(member.id, member.data);
  }
  for (const holder of await exercisesWithNameSlugs(db, wanted.nameSlugs)) exercises.set(holder.id, holder.data);
  const families = await getFamilyRegistries(db, wanted.families);

  const aliases = await getAliases(db, [...wanted.aliases, ...wanted.nameSlugs, ...wanted.families]);
  const pointing = [...(await aliasesPointingAtExercises(db, wanted.retiring)), ...(await aliasesPointingAtFamilies(db, wanted.families))];
  for (const alias of pointing) aliases.set(alias.id, alias.data);
  await followFamilyAliases(db, aliases);
  await readAliasTargets(db, wanted.aliases, { exercises, aliases, families });
  return { exercises, aliases, families };
}

/**
 * The targets the aliases the plan writes point at now, wherever they are: an alias slug that leads
 * to a live exercise or family outside the families the plan touches is a collision, not an orphan.
 */
async function readAliasTargets(
  db: Firestore,
  slugs: Iterable<string>,
  view: { exercises: Map<string, DocData>; aliases: ReadonlyMap<string, DocData>; families: Map<string, DocData> },
): Promise<void> {
  const exerciseIds = new Set<string>();
  const familySlugs = new Set<string>();
  for (const slug of slugs) {
    const { exercise_id: exerciseId, family_slug: familySlug } = view.aliases.get(slug) ?? {};
    if (isNonEmptyString(exerciseId) && !view.exercises.has(exerciseId)) exerciseIds.add(exerciseId);
    if (isNonEmptyString(familySlug) && !view.families.has(familySlug)) familySlugs.add(familySlug);
  }
  (await getExercises(db, exerciseIds)).forEach((exercise, id) => view.exercises.set(id, exercise));
  const registries = await getFamilyRegistries(db, familySlugs);
  registries.forEach((registry, slug) => view.families.set(slug, registry));
  // A family without a registry entry is live while it has a live member.
  for (const slug of [...familySlugs].filter((family) => !registries.has(family))) {
    for (const member of await loadFamilyExercises(db, slug)) view.exercises.set(member.id, member.data);
  }
}

/** Reads the aliases that family aliases lead to, a few hops deep, so chains and loops are visible. */
async function followFamilyAliases(db: Firestore, aliases: Map<string, DocData>): Promise<void> {
  for (let hop = 0; hop < ALIAS_HOPS; hop++) {
    const next = [...aliases.values()]
      .map((alias) => alias.family_slug)
      .filter((slug): slug is string => isNonEmptyString(slug) && !aliases.has(slug));
    if (next.length === 0) return;
    const found = await getAliases(db, next);
    if (found.size === 0) return;
    found.forEach((alias, slug) => aliases.set(slug, alias));
  }
}

/**
 * Inside `tx`: the document of `collection` with id `id`, or null when there is none. A stored value that cannot be
 * an id (`isDocumentId`: empty, a path, reserved, as a hand edit may leave it) names no document: read as absent, as
 * plan-time reads do, instead of failing the transaction or reading the document at the path it spells.
 */
export async function readCatalogDocument(
  tx: Transaction,
  db: Firestore,
  collection: CatalogCollection,
  id: string,
): Promise<DocData | null> {
  if (!isDocumentId(id)) return null;
  const snap = await tx.get(db.collection(collection).doc(id));
  return snap.exists ? (snap.data() as DocData) : null;
}

/**
 * Inside `tx`: what decides whether `alias` leads to something live (see `aliasTargetIssue`): the
 * exercise it points at, or its family's registry entry and, without one, the family's members.
 */
export async function readAliasTarget(tx: Transaction, db: Firestore, alias: Readonly<DocData>): Promise<CatalogState> {
  const view = { exercises: new Map<string, DocData>(), aliases: new Map<string, DocData>(), families: new Map<string, DocData>() };
  const { exercise_id: exerciseId, family_slug: family } = alias;
  if (isNonEmptyString(exerciseId)) {
    const exercise = await readCatalogDocument(tx, db, CATALOG_COLLECTIONS.exercises, exerciseId);
    if (exercise) view.exercises.set(exerciseId, exercise);
  } else if (isNonEmptyString(family)) {
    const registry = await readCatalogDocument(tx, db, CATALOG_COLLECTIONS.families, family);
    if (registry) view.families.set(family, registry);
    else
      for (const member of await loadFamilyExercises(db, family, { read: transactionQueryReader(tx) }))
        view.exercises.set(member.id, member.data);
  }
  return new CatalogState(view);
}

/** Inside `tx`: the documents one operation reads (see `operationReadSet`), as a state to compute its effects on. */
export async function readOperationState(tx: Transaction, db: Firestore, op: Operation): Promise<CatalogState> {
  const reads = operationReadSet(op);
  const refs = [
    ...reads.exercises.map((id) => db.collection(CATALOG_COLLECTIONS.exercises).doc(id)),
    ...reads.aliases.map((slug) => db.collection(CATALOG_COLLECTIONS.aliases).doc(slug)),
    ...reads.families.map((slug) => db.collection(CATALOG_COLLECTIONS.families).doc(slug)),
  ];
  const view = { exercises: new Map<string, DocData>(), aliases: new Map<string, DocData>(), families: new Map<string, DocData>() };
  const byCollection = {
    [CATALOG_COLLECTIONS.exercises]: view.exercises,
    [CATALOG_COLLECTIONS.aliases]: view.aliases,
    [CATALOG_COLLECTIONS.families]: view.families,
  };
  const snaps = refs.length > 0 ? await tx.getAll(...refs) : [];
  for (const snap of snaps) {
    if (snap.exists) byCollection[snap.ref.parent.id as keyof typeof byCollection].set(snap.id, snap.data() as DocData);
  }
  for (const family of reads.families) {
    for (const member of await loadFamilyExercises(db, family, { read: transactionQueryReader(tx) }))
      view.exercises.set(member.id, member.data);
  }
  // What it merges into, to see that it is still live (known only once the exercise is read: a patch may keep its merged_into).
  const merge = newMergeTarget(op, new CatalogState(view));
  if (merge && !view.exercises.has(merge.id)) {
    const target = await readCatalogDocument(tx, db, CATALOG_COLLECTIONS.exercises, merge.id);
    if (target) view.exercises.set(merge.id, target);
  }
  return new CatalogState(view);
}

/** The exercises `changes` give a name slug they did not hold, with that slug and the exercise as changed. */
export function nameSlugChanges(changes: readonly DocumentChange[]): { id: string; slug: string; exercise: DocData }[] {
  return changes.flatMap(({ collection, id, before, after }) => {
    const slug = after?.name_slug;
    return collection === CATALOG_COLLECTIONS.exercises && after && typeof slug === "string" && slug !== before?.name_slug
      ? [{ id, slug, exercise: after }]
      : [];
  });
}

/** The name slugs `changes` give exercises that did not hold them. */
export function nameSlugsGiven(changes: readonly DocumentChange[]): string[] {
  return nameSlugChanges(changes).map(({ slug }) => slug);
}

/** Inside `tx`: the alias documents of `slugs` that exist, by slug (one document read per slug). */
export async function readAliases(tx: Transaction, db: Firestore, slugs: readonly string[]): Promise<Map<string, DocData>> {
  const refs = slugs.map((slug) => db.collection(CATALOG_COLLECTIONS.aliases).doc(slug));
  const snaps = refs.length > 0 ? await tx.getAll(...refs) : [];
  return new Map(snaps.filter((snap) => snap.exists).map((snap) => [snap.id, snap.data() as DocData]));
}

/**
 * Inside `tx` (one query): the exercises of any status holding name slug `slug`, but for those in `excluded`, as a
 * state to judge an alias of that slug on (`aliasShadowIssue`).
 */
export async function readNameHolders(tx: Transaction, db: Firestore, slug: string, excluded: ReadonlySet<string>): Promise<CatalogState> {
  const holding = await tx.get(db.collection(CATALOG_COLLECTIONS.exercises).where("name_slug", "==", slug));
  const exercises = new Map(holding.docs.filter((doc) => !excluded.has(doc.id)).map((doc) => [doc.id, doc.data()]));
  return new CatalogState({ exercises, aliases: new Map(), families: new Map() });
}

/** Inside `tx`: the exercises holding name slug `slug`, but for those in `excluded`. */
async function slugHolders(tx: Transaction, db: Firestore, slug: string, excluded: ReadonlySet<string>): Promise<string[]> {
  const holding = await tx.get(db.collection(CATALOG_COLLECTIONS.exercises).where("name_slug", "==", slug).select());
  return holding.docs.map((doc) => doc.id).filter((holder) => !excluded.has(holder));
}

/**
 * Inside `tx`: a name slug one of `changes` gives an exercise that did not hold it, with the
 * exercises outside the plan (`planned`: the exercises its operations name) that hold it now. The
 * plan was validated against the whole catalog, but another family's job (other locks) can take a
 * name while it waits; slugs passed between the plan's own exercises were checked by its simulation.
 */
export async function nameSlugTaken(
  tx: Transaction,
  db: Firestore,
  changes: readonly DocumentChange[],
  planned: ReadonlySet<string>,
): Promise<{ slug: string; holders: string[] } | null> {
  for (const slug of nameSlugsGiven(changes)) {
    const holders = await slugHolders(tx, db, slug, planned);
    if (holders.length > 0) return { slug, holders };
  }
  return null;
}
