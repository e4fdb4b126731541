/**
 * ALIAS_REPAIR's plan from the decided repairs (see alias-resolution): an upsert for each alias
 * re-pointed, rewritten or restored, a delete for each one without any target left. Loops and
 * ambiguous successors get no operation; they are returned as unresolved for review. If none of
 * the slugs exists in any form, the input is wrong: ALIAS_NOT_FOUND.
 */
import type { OperationInput } from "../../apply/plan";
import { JobFailure } from "../../jobs/errors";
import type { AliasRepair } from "../../catalog/alias-resolution";

export interface AliasRepairPlan {
  operations: OperationInput[];
  repaired: AliasRepair[];
  unresolved: Extract<AliasRepair, { action: "unresolved" }>[];
  fine: string[];
  not_found: string[];
}

export function planAliasRepair(repairs: readonly AliasRepair[]): AliasRepairPlan {
  const notFound = repairs.filter((repair) => repair.action === "not_found").map((repair) => repair.alias_slug);
  if (repairs.length > 0 && notFound.length === repairs.length) {
    throw JobFailure.permanent("ALIAS_NOT_FOUND", `no alias and no exercise renamed away from: ${notFound.join(", ")}`, {
      alias_slugs: notFound,
    });
  }
  const plan: AliasRepairPlan = { operations: [], repaired: [], unresolved: [], fine: [], not_found: notFound };
  for (const repair of repairs) {
    if (repair.action === "upsert") {
      const target =
        "exercise_id" in repair.target
          ? { exercise_id: repair.target.exercise_id }
          : { family_slug: repair.target.family_slug, is_family_alias: true };
      plan.operations.push({ op: "upsert_alias", alias_slug: repair.alias_slug, ...target, rationale: repair.reason });
      plan.repaired.push(repair);
    } else if (repair.action === "delete") {
      plan.operations.push({ op: "delete_alias", alias_slug: repair.alias_slug, rationale: repair.reason });
      plan.repaired.push(repair);
    } else if (repair.action === "unresolved") {
      plan.unresolved.push(repair);
    } else if (repair.action === "none") {
      plan.fine.push(repair.alias_slug);
    }
  }
  return plan;
}
