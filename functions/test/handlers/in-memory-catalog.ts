import { isLiveExercise } from "../../src/catalog/family-registry";
/**
 * A catalog seed held in memory for the pure tests of the plan builders: families as the handlers
 * load them, complete slug owners and alias facts, and validation of a built plan with the real
 * validator on the same seed.
 */
import { validatePlan } from "../../src/apply/validate";
import type { ChangePlan, OperationInput } from "../../src/apply/plan";
import { AliasFacts, type FamilyFacts } from "../../src/catalog/alias-facts";
import type { LoadedFamily } from "../../src/catalog/reads";
import { changePlan } from "../../src/handlers/support/change-plan";
import type { SlugOwners } from "../../src/catalog/rename-conflicts";
import { creationSlugOf } from "../../src/catalog/slug-aliases";
import { type CatalogSeed, catalogViewOf } from "../helpers/catalog";
import { type DocData } from "../../src/util/object-paths";

export class InMemoryCatalog {
  readonly exercises: Map<string, DocData>;
  readonly aliases: Map<string, DocData>;
  readonly families: Map<string, DocData>;

  constructor(readonly seed: CatalogSeed) {
    const view = catalogViewOf(seed);
    this.exercises = new Map(view.exercises);
    this.aliases = new Map(view.aliases);
    this.families = new Map(view.families);
  }

  family(slug: string): LoadedFamily {
    const members = [...this.exercises].filter(([, data]) => data.family_slug === slug).map(([id, data]) => ({ id, data }));
    return { slug, members, registry: this.families.get(slug) ?? null };
  }

  /** Every alias and every exercise's name slug: more than a handler reads, never less. */
  owners(): SlugOwners {
    const exercises = new Map<string, string[]>();
    for (const [id, data] of this.exercises) {
      const slug = String(data.name_slug);
      exercises.set(slug, [...(exercises.get(slug) ?? []), id]);
    }
    const live = new Set([...this.exercises].filter(([, data]) => isLiveExercise(data)).map(([id]) => id));
    return { aliases: this.aliases, exercises, live };
  }

  /** Alias facts that know the whole catalog: a document not in it is absent, never unread. */
  aliasFacts(): AliasFacts {
    return new CompleteAliasFacts(this);
  }

  /** The plan a handler of `type` would hand to runPlan, validated against this catalog. */
  validate(type: string, operations: readonly OperationInput[]): { plan: ChangePlan; errors: string[] } {
    const plan = changePlan({ id: "test-job", type }, "test", operations);
    const result = validatePlan(plan, catalogViewOf(this.seed));
    return { plan, errors: result.errors.map((issue) => `${issue.code} @${issue.operation_index}: ${issue.message}`) };
  }
}

class CompleteAliasFacts extends AliasFacts {
  constructor(private readonly catalog: InMemoryCatalog) {
    super();
  }

  override alias(slug: string): DocData | null {
    return this.catalog.aliases.get(slug) ?? null;
  }

  override exercise(id: string): DocData | null {
    return this.catalog.exercises.get(id) ?? null;
  }

  override family(slug: string): FamilyFacts {
    const { members, registry } = this.catalog.family(slug);
    return { registry, hasExercises: members.length > 0, hasLiveExercises: members.some(({ data }) => isLiveExercise(data)) };
  }

  override namedHolders(slug: string): string[] {
    return this.holdersOf(slug).named;
  }

  override holdersOf(slug: string): { named: string[]; created: string[] } {
    const ids = [...this.catalog.exercises.keys()];
    return {
      named: ids.filter((id) => this.catalog.exercises.get(id)?.name_slug === slug),
      created: ids.filter((id) => creationSlugOf(id) === slug),
    };
  }
}
