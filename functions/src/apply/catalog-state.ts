/**
 * The catalog documents a plan touches, held in memory: the `CatalogView` the loader reads
 * beforehand, and `CatalogState`, a copy of it that simulates operations one after another.
 */
import type { CatalogCollection, DocData } from "../catalog/repository";
import { COLLECTIONS } from "../firestore";
import type { CatalogReader, DocumentChange } from "./effects";

/**
 * Documents by id. Complete for what the plan touches: every exercise, alias and registry entry it
 * names, every member of every family it touches, and every exercise or alias sharing a slug it
 * produces. A document that is not in the view does not exist.
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
      [COLLECTIONS.exercises]: new Map(view.exercises),
      [COLLECTIONS.aliases]: new Map(view.aliases),
      [COLLECTIONS.families]: new Map(view.families),
    };
  }

  exercise(id: string): DocData | null {
    return this.docs[COLLECTIONS.exercises].get(id) ?? null;
  }

  alias(slug: string): DocData | null {
    return this.docs[COLLECTIONS.aliases].get(slug) ?? null;
  }

  family(slug: string): DocData | null {
    return this.docs[COLLECTIONS.families].get(slug) ?? null;
  }

  familyMembers(slug: string): DocData[] {
    return [...this.docs[COLLECTIONS.exercises].values()].filter((exercise) => exercise.family_slug === slug);
  }

  /** [id, document] of every exercise held. */
  exercises(): [string, DocData][] {
    return [...this.docs[COLLECTIONS.exercises]];
  }

  /** [alias slug, document] of every alias held. */
  aliases(): [string, DocData][] {
    return [...this.docs[COLLECTIONS.aliases]];
  }

  apply(changes: readonly DocumentChange[]): void {
    for (const change of changes) {
      if (change.after === null) this.docs[change.collection].delete(change.id);
      else this.docs[change.collection].set(change.id, change.after);
    }
  }
}
