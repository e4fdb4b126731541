/**
 * The catalog documents a plan touches, held in memory: the `CatalogView` the loader reads
 * beforehand, and `CatalogState`, a copy of it that simulates operations one after another.
 */
import { CATALOG_COLLECTIONS, type CatalogCollection } from "../catalog/collections";
import type { CatalogReader, DocumentChange } from "./effects";
import { type DocData, isNonEmptyString } from "../util/object-paths";
import { isLiveExercise, isLiveFamily } from "../catalog/family-registry";

/**
 * Documents by id. Complete for what the plan touches: every exercise, alias and registry entry it
 * names, every member of every family it touches, every exercise or alias sharing a slug it
 * produces, and the current target of every alias it writes. A document that is not in the view
 * does not exist.
 */
export interface CatalogView {
  exercises: ReadonlyMap<string, DocData>;
  aliases: ReadonlyMap<string, DocData>;
  families: ReadonlyMap<string, DocData>;
}

export class CatalogState implements CatalogReader {
  private readonly docs: Record<CatalogCollection, Map<string, DocData>>;

  constructor(view: CatalogView) {
    this.docs = {
      [CATALOG_COLLECTIONS.exercises]: new Map(view.exercises),
      [CATALOG_COLLECTIONS.aliases]: new Map(view.aliases),
      [CATALOG_COLLECTIONS.families]: new Map(view.families),
    };
  }

  document(collection: CatalogCollection, id: string): DocData | null {
    return this.docs[collection].get(id) ?? null;
  }

  exercise(id: string): DocData | null {
    return this.docs[CATALOG_COLLECTIONS.exercises].get(id) ?? null;
  }

  alias(slug: string): DocData | null {
    return this.docs[CATALOG_COLLECTIONS.aliases].get(slug) ?? null;
  }

  family(slug: string): DocData | null {
    return this.docs[CATALOG_COLLECTIONS.families].get(slug) ?? null;
  }

  familyMembers(slug: string): DocData[] {
    return [...this.docs[CATALOG_COLLECTIONS.exercises].values()].filter((exercise) => exercise.family_slug === slug);
  }

  /** [id, document] of a family's live exercises, in id order. */
  liveFamilyMembers(slug: string): [string, DocData][] {
    return this.exercises()
      .filter(([, exercise]) => exercise.family_slug === slug && isLiveExercise(exercise))
      .sort(([a], [b]) => (a < b ? -1 : 1));
  }

  /** A family exists and is not retired (`isLiveFamily`, as the alias repair judges it). */
  isFamilyLive(slug: string): boolean {
    const registry = this.family(slug);
    return isLiveFamily(registry, registry === null && this.liveFamilyMembers(slug).length > 0);
  }

  /** An alias's target exists and is live (a live exercise, or a live family). */
  isAliasTargetLive(alias: Readonly<DocData>): boolean {
    if (isNonEmptyString(alias.exercise_id)) {
      const exercise = this.exercise(alias.exercise_id);
      return exercise !== null && isLiveExercise(exercise);
    }
    return isNonEmptyString(alias.family_slug) && this.isFamilyLive(alias.family_slug);
  }

  /** Ids of the live exercises named `slug` but `except`: an alias of that slug would shadow them. */
  liveNameHolders(slug: string, except?: unknown): string[] {
    return this.exercises()
      .filter(([id, doc]) => id !== except && doc.name_slug === slug && isLiveExercise(doc))
      .map(([id]) => id);
  }

  /** [id, document] of every exercise held. */
  exercises(): [string, DocData][] {
    return [...this.docs[CATALOG_COLLECTIONS.exercises]];
  }

  /** [alias slug, document] of every alias held. */
  aliases(): [string, DocData][] {
    return [...this.docs[CATALOG_COLLECTIONS.aliases]];
  }

  apply(changes: readonly DocumentChange[]): void {
    for (const change of changes) {
      if (change.after === null) this.docs[change.collection].delete(change.id);
      else this.docs[change.collection].set(change.id, change.after);
    }
  }
}
