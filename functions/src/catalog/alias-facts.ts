/**
 * What alias checks know about the catalog, read on demand. Lookups of something not read yet
 * throw `MissingFacts` naming it; the caller reads it and asks again (see `resolveWithFacts`), so
 * the alias logic stays pure and reads only what a given alias actually leads to.
 */
import { type DocData } from "../util/object-paths";

export interface FamilyFacts {
  registry: DocData | null;
  /** Any exercise, of any status, is in the family. */
  hasExercises: boolean;
  /** A live one is (see isLiveExercise). */
  hasLiveExercises: boolean;
}

/** What to read next. `slugs`: exercises named with or created with each slug. */
export interface FactRequest {
  aliases: Set<string>;
  exercises: Set<string>;
  families: Set<string>;
  slugs: Set<string>;
}

function emptyRequest(): FactRequest {
  return { aliases: new Set(), exercises: new Set(), families: new Set(), slugs: new Set() };
}

function isEmptyRequest(request: FactRequest): boolean {
  return request.aliases.size + request.exercises.size + request.families.size + request.slugs.size === 0;
}

class MissingFacts extends Error {
  constructor(readonly request: FactRequest) {
    super("more catalog facts are needed");
    this.name = "MissingFacts";
  }
}

function missing(kind: keyof FactRequest, key: string): MissingFacts {
  const request = emptyRequest();
  request[kind].add(key);
  return new MissingFacts(request);
}

/** Facts read so far; null records "read, does not exist". */
export class AliasFacts {
  readonly aliases = new Map<string, DocData | null>();
  readonly exercises = new Map<string, DocData | null>();
  readonly families = new Map<string, FamilyFacts>();
  /** Slug → ids of exercises whose name_slug it is. */
  readonly namedWith = new Map<string, string[]>();
  /** Slug → ids of exercises created with it (`{family}__{slug}`). */
  readonly createdWith = new Map<string, string[]>();

  alias(slug: string): DocData | null {
    if (!this.aliases.has(slug)) throw missing("aliases", slug);
    return this.aliases.get(slug) ?? null;
  }

  exercise(id: string): DocData | null {
    if (!this.exercises.has(id)) throw missing("exercises", id);
    return this.exercises.get(id) ?? null;
  }

  family(slug: string): FamilyFacts {
    const facts = this.families.get(slug);
    if (!facts) throw missing("families", slug);
    return facts;
  }

  /** Exercises named with `slug` (any status): `recordNameHolders` answers this alone, without who was created with it. */
  namedHolders(slug: string): string[] {
    const named = this.namedWith.get(slug);
    if (!named) throw missing("slugs", slug);
    return named;
  }

  /** Records the exercises (any status) whose name_slug is one of `slugs`, as read. */
  recordNameHolders(slugs: Iterable<string>, holders: readonly { id: string; data: DocData }[]): void {
    for (const holder of holders) this.exercises.set(holder.id, holder.data);
    for (const slug of slugs)
      this.namedWith.set(
        slug,
        holders.filter((holder) => holder.data.name_slug === slug).map((holder) => holder.id),
      );
  }

  /** Exercises named or created with `slug`. */
  holdersOf(slug: string): { named: string[]; created: string[] } {
    const named = this.namedWith.get(slug);
    const created = this.createdWith.get(slug);
    if (!named || !created) throw missing("slugs", slug);
    return { named, created };
  }
}

/**
 * Runs `decide` until it no longer needs facts it lacks, reading them with `read` in between. The
 * last of `maxRounds` is final: `decide` then settles whatever it still lacks facts for.
 */
export async function resolveWithFacts<T>(
  decide: (finalRound: boolean) => { result: T; request: FactRequest },
  read: (request: FactRequest) => Promise<void>,
  maxRounds = 10,
): Promise<T> {
  for (let round = 1; ; round++) {
    const { result, request } = decide(round === maxRounds);
    if (isEmptyRequest(request) || round === maxRounds) return result;
    await read(request);
  }
}

/**
 * `decide` for each item (null: nothing to report). Items whose facts are not all read yet are
 * left out, their needs collected in `request`; `unsettled` gives them a result anyway (last round).
 */
export function decideEach<I, R>(
  items: readonly I[],
  decide: (item: I) => R | null,
  unsettled?: (item: I) => R,
): { result: R[]; request: FactRequest } {
  const request = emptyRequest();
  const result: R[] = [];
  for (const item of items) {
    try {
      const decided = decide(item);
      if (decided !== null) result.push(decided);
    } catch (err) {
      if (!(err instanceof MissingFacts)) throw err;
      for (const kind of Object.keys(request) as (keyof FactRequest)[]) err.request[kind].forEach((key) => request[kind].add(key));
      if (unsettled) result.push(unsettled(item));
    }
  }
  return { result, request };
}
