/**
 * What a plan expects to find when it applies: for each operation, the documents it changes and
 * their values at the changed paths, as simulating the plan on the catalog it was built from showed
 * them. They are stored with the frozen plan, and the ApplyEngine checks them inside each
 * operation's transaction: a target that changed since planning is reported as a conflict
 * (STALE_PLAN) instead of being overwritten, on a first run and on a resumed one alike.
 */
import { z } from "zod";
import { CATALOG_COLLECTIONS, type CatalogCollection, documentPath } from "../catalog/collections";
import { changedPaths, sameValue, valuesAt } from "../util/document-diff";
import { getPath, type DocData } from "../util/object-paths";
import { CatalogState, type CatalogView } from "./catalog-state";
import { type DocumentChange, OperationConflict, operationEffects } from "./effects";
import type { ChangePlan, Operation } from "./plan";

const documentExpectationSchema = z.object({
  collection: z.enum(Object.values(CATALOG_COLLECTIONS) as [CatalogCollection, ...CatalogCollection[]]),
  id: z.string(),
  /** Whether the document existed before the operation. */
  exists: z.boolean(),
  /** The paths the operation changes. */
  paths: z.array(z.string()),
  /** Their values before it, by dotted path (a path absent there is absent here). */
  before: z.record(z.string(), z.unknown()),
});

/**
 * One operation's expectations. `checked: false` for an operation whose result is recomputed from
 * the catalog as it is when it applies (a family registry update): only the values its `documents`
 * name are compared (a registry's status and what it was merged into, decided by whoever wrote them,
 * not recomputed), and the operation may write anything else.
 */
export const operationExpectationSchema = z.object({ checked: z.boolean(), documents: z.array(documentExpectationSchema) });

export type OperationExpectation = z.output<typeof operationExpectationSchema>;
type DocumentExpectation = z.output<typeof documentExpectationSchema>;

/** The expectations of every operation of `plan` (by index), simulated on `view` in order. */
export function planExpectations(plan: ChangePlan, view: CatalogView, now: Date): OperationExpectation[] {
  const state = new CatalogState(view);
  return plan.operations.map((op) => {
    if (op.op === "update_family_registry") {
      const expectation = registryExpectation(op.family_slug, state);
      state.apply(operationEffects(op, state, now));
      return expectation;
    }
    if (op.op === "no_change") return { checked: false, documents: [] };
    let changes: DocumentChange[];
    try {
      changes = operationEffects(op, state, now);
    } catch (err) {
      // A validated plan does not conflict with its own view; if it did, applying reports it the same way.
      if (err instanceof OperationConflict) return { checked: false, documents: [] };
      throw err;
    }
    state.apply(changes);
    return { checked: true, documents: changes.map(expectationOf) };
  });
}

/** The registry fields a recompute keeps from the plan rather than from the family's exercises. */
const REGISTRY_DECISIONS = ["status", "merged_into"];

/**
 * A registry update recomputes the entry when it applies, but writes the status the plan gives it:
 * an entry another job retired or merged since the plan was built is stale, not overwritten.
 */
function registryExpectation(family: string, state: CatalogState): OperationExpectation {
  const before = state.family(family);
  if (before === null) return { checked: false, documents: [] };
  const document = { collection: CATALOG_COLLECTIONS.families, id: family, exists: true, paths: REGISTRY_DECISIONS };
  return { checked: false, documents: [{ ...document, before: valuesAt(before, REGISTRY_DECISIONS) }] };
}

function expectationOf(change: DocumentChange): DocumentExpectation {
  const paths = changedPaths(change.before, change.after, ["updated_at"]);
  return { collection: change.collection, id: change.id, exists: change.before !== null, paths, before: valuesAt(change.before, paths) };
}

/**
 * Throws STALE_PLAN when the catalog in `state` is not what `expected` was built from: a document
 * created or deleted since, a changed value at a path the operation writes, or a change the plan
 * did not foresee (a document or path it would now write that the simulation left alone).
 */
export function checkExpectations(
  op: Operation,
  expected: OperationExpectation,
  state: CatalogState,
  changes: readonly DocumentChange[],
): void {
  if (!expected.checked) return checkKeptValues(op, expected, state, changes);
  for (const document of expected.documents) {
    const current = state.document(document.collection, document.id);
    const target = documentPath(document.collection, document.id);
    if ((current !== null) !== document.exists) {
      throw stale(op, `${target} was ${document.exists ? "deleted" : "created"} since the plan was built`, "document");
    }
    const changed = document.paths.find((path) => !sameValue(getPath(current, path), document.before[path]));
    if (changed !== undefined) throw stale(op, `${target} changed at "${changed}" since the plan was built`, changed);
  }
  for (const change of changes) {
    const document = expected.documents.find((item) => item.collection === change.collection && item.id === change.id);
    const unforeseen = changedPaths(change.before, change.after, ["updated_at"]).find((path) => !document?.paths.includes(path));
    if (unforeseen !== undefined) {
      throw stale(
        op,
        `${documentPath(change.collection, change.id)} would change at "${unforeseen}", which the plan did not foresee`,
        unforeseen,
      );
    }
  }
}

/**
 * An unchecked operation's named values: one changed since the plan was built is stale only when
 * the operation would overwrite it (applying it again after it applied once finds its own values).
 */
function checkKeptValues(op: Operation, expected: OperationExpectation, state: CatalogState, changes: readonly DocumentChange[]): void {
  for (const document of expected.documents) {
    const current = state.document(document.collection, document.id);
    const change = changes.find((item) => item.collection === document.collection && item.id === document.id);
    const overwritten = document.paths.find(
      (path) =>
        !sameValue(getPath(current, path), document.before[path]) &&
        change !== undefined &&
        !sameValue(getPath(change.after, path), getPath(current, path)),
    );
    if (overwritten !== undefined) {
      const target = documentPath(document.collection, document.id);
      throw stale(op, `${target} changed at "${overwritten}" since the plan was built`, overwritten);
    }
  }
}

function stale(op: Operation, message: string, path: string): OperationConflict {
  return new OperationConflict("STALE_PLAN", `${op.op}: ${message}`, path);
}

/** The values of `paths` in `doc`, with null for an absent path: the `before` of a patch built from `doc`. */
export function beforeValues(doc: Readonly<DocData>, paths: readonly string[]): DocData {
  return Object.fromEntries(paths.map((path) => [path, getPath(doc, path) ?? null]));
}
