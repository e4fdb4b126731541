/**
 * Plan validation, run for real before every preview and apply. Pure: it takes the `CatalogView`
 * the loader read and simulates the plan operation by operation on a copy of it, exactly as the
 * ApplyEngine will apply it, so every rule judges the documents as they will be:
 *
 * - per operation: size, field-path allowlist, identity fields, well-formed targets
 *   (operation-rules), merge preconditions, the operation applying at all (target exists, not
 *   stale), and each written document's schema (new issues are errors, legacy ones warnings);
 * - after the plan: canonical names and one exercise per primary equipment in every touched family,
 *   family slug fitting the name, unique name slugs, a renamed exercise's old slug kept as its
 *   alias, aliases with one live target and no chain/loop/collision, live merge targets (of a
 *   deprecate or a patch), deprecated fields removed only once their replacement holds a value
 *   (catalog-rules).
 */
import { CatalogState, type CatalogView } from "./catalog-state";
import { finalStateIssues, mergeIssues } from "./catalog-rules";
import { changeIssues } from "./document-rules";
import { type DocumentChange, OperationConflict, operationEffects } from "./effects";
import { IssueLog, type ValidationResult } from "./issues";
import { PLAN_LIMITS, operationIssues } from "./operation-rules";
import { type ChangePlan, operationContentKey } from "./plan";
import { emptyTrace, recordTrace } from "./plan-trace";
import { documentPath } from "../catalog/collections";

export function validatePlan(plan: ChangePlan, view: CatalogView, options: { now?: Date } = {}): ValidationResult {
  const log = new IssueLog();
  const operations = plan.operations;
  if (operations.length > PLAN_LIMITS.maxOperations) {
    log.error({
      code: "PLAN_TOO_LARGE",
      operation_index: null,
      path: "operations",
      message: `${operations.length} operations; a plan has at most ${PLAN_LIMITS.maxOperations}`,
      suggestion: "split the work into several jobs",
    });
    return log.result();
  }
  const now = options.now ?? new Date();
  const initial = new CatalogState(view);
  const state = new CatalogState(view);
  const trace = emptyTrace();
  const firstIndexOfKey = new Map<string, number>();

  operations.forEach((op, index) => {
    // A registry update recomputes the entry, so repeating one (after more moves) is fine.
    const key = op.op === "no_change" || op.op === "update_family_registry" ? null : operationContentKey(op);
    if (key) {
      const first = firstIndexOfKey.get(key);
      if (first !== undefined) {
        // Applied again, the repeat would find the change made and its target no longer as planned.
        log.error({
          code: "DUPLICATE_OPERATION",
          operation_index: index,
          path: "",
          message: `repeats operation ${first}`,
          suggestion: "remove it",
        });
        return;
      }
      firstIndexOfKey.set(key, index);
    }

    const own = operationIssues(op);
    own.warnings.forEach((issue) => log.warn({ ...issue, operation_index: index }));
    own.errors.forEach((issue) => log.error({ ...issue, operation_index: index }));
    if (own.errors.length > 0) return;
    mergeIssues(op, index, state, log);

    let changes: DocumentChange[];
    try {
      changes = operationEffects(op, state, now);
    } catch (err) {
      if (!(err instanceof OperationConflict)) throw err;
      log.error({ code: err.code, operation_index: index, path: err.path, message: err.message });
      return;
    }
    for (const change of changes) {
      const target = documentPath(change.collection, change.id);
      const { introduced, preexisting } = changeIssues(change);
      introduced.forEach((issue) => log.error({ ...issue, operation_index: index, target }));
      preexisting.forEach((issue) =>
        log.warn({ ...issue, operation_index: index, target, message: `already so before the plan: ${issue.message}` }),
      );
    }
    if (changes.length === 0 && op.op !== "no_change") {
      log.warn({ code: "NO_EFFECT", operation_index: index, path: "", message: "the catalog already is as this operation would leave it" });
    }
    recordTrace(trace, op, index, changes);
    state.apply(changes);
  });

  finalStateIssues(operations, initial, state, trace, log);
  return log.result();
}
