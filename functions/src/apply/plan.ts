/**
 * The ChangePlan: what a handler wants to change in the catalog, as data. Handlers build plans,
 * the validator checks them, the repair loop may revise them (the LLM returns this same schema),
 * and the ApplyEngine previews or applies them operation by operation.
 */
import { createHash } from "node:crypto";
import { z } from "zod";
import { stableStringify } from "../util/document-diff";
import { documentId } from "../util/document-id";

const RISK_LEVELS = ["low", "medium", "high"] as const;
type RiskLevel = (typeof RISK_LEVELS)[number];

const common = {
  rationale: z.string().min(1),
  /** At least the operation's own (`operationRisk`): a plan may rate an operation higher, not lower. */
  risk: z.enum(RISK_LEVELS).optional(),
};
const fieldMap = z.record(z.string(), z.unknown());

const operationShapes = z.discriminatedUnion("op", [
  /** A new exercise document; `data` is the whole document (without `updated_at`, which apply sets). */
  z.strictObject({ op: z.literal("create_exercise"), exercise_id: documentId, data: fieldMap, ...common }),
  /** Sets dotted paths and deletes fields; `before` is what the handler saw (the engine records the real one). */
  z.strictObject({
    op: z.literal("patch_fields"),
    exercise_id: documentId,
    set: fieldMap.default({}),
    unset: z.array(z.string().min(1)).default([]),
    before: fieldMap.optional(),
    ...common,
  }),
  /** New display name (and so `name_slug`); the plan must keep the old slug as an alias of the exercise (`upsert_alias`). */
  z.strictObject({
    op: z.literal("rename_exercise"),
    exercise_id: documentId,
    old_name: z.string(),
    new_name: z.string().min(1),
    ...common,
  }),
  z.strictObject({
    op: z.literal("deprecate_exercise"),
    exercise_id: documentId,
    status: z.enum(["deprecated", "merged"]).default("deprecated"),
    merged_into: documentId.optional(),
    ...common,
  }),
  /** Moves an exercise to another family, optionally under a new name (its old slug then kept as for a rename). */
  z.strictObject({
    op: z.literal("reassign_family"),
    exercise_id: documentId,
    from_family: z.string().min(1),
    to_family: z.string().min(1),
    new_name: z.string().min(1).optional(),
    ...common,
  }),
  /** Exactly one of `exercise_id` / `family_slug` (checked by the validator, which reports it precisely). */
  z.strictObject({
    op: z.literal("upsert_alias"),
    alias_slug: z.string().min(1),
    exercise_id: documentId.optional(),
    family_slug: z.string().min(1).optional(),
    is_family_alias: z.boolean().default(false),
    ...common,
  }),
  z.strictObject({ op: z.literal("delete_alias"), alias_slug: z.string().min(1), ...common }),
  /** Recomputes the family's registry entry from its exercises; `status`/`merged_into` when it is retired. */
  z.strictObject({
    op: z.literal("update_family_registry"),
    family_slug: z.string().min(1),
    status: z.enum(["active", "deprecated", "merged"]).default("active"),
    merged_into: z.string().min(1).optional(),
    ...common,
  }),
  /** Marks `source_id` merged into `target_id`; `target_patch` carries fields taken over from the source. */
  z.strictObject({
    op: z.literal("merge_exercises"),
    source_id: documentId,
    target_id: documentId,
    target_patch: fieldMap.default({}),
    ...common,
  }),
  z.strictObject({ op: z.literal("no_change"), target: z.string().optional(), ...common }),
]);

/**
 * How much harm an operation does if it is wrong, from what it does: what a curator reviewing a plan reads first.
 * Retiring an exercise or a family takes it out of the live catalog; a rename, a move, a deleted alias or a merged
 * exercise sent elsewhere changes what clients find under a name; the rest add or fill in.
 */
function operationRisk(op: z.output<typeof operationShapes>): RiskLevel {
  switch (op.op) {
    case "deprecate_exercise":
    case "merge_exercises":
      return "high";
    case "update_family_registry":
      return op.status === "active" ? "low" : "high";
    case "patch_fields":
      if (op.set.status === "deprecated" || op.set.status === "merged") return "high";
      return "merged_into" in op.set || "status" in op.set || op.unset.includes("status") ? "medium" : "low";
    case "rename_exercise":
    case "reassign_family":
    case "delete_alias":
      return "medium";
    case "create_exercise":
    case "upsert_alias":
    case "no_change":
      return "low";
  }
}

const operationSchema = operationShapes.transform((op) => {
  const own = operationRisk(op);
  const risk = op.risk !== undefined && RISK_LEVELS.indexOf(op.risk) > RISK_LEVELS.indexOf(own) ? op.risk : own;
  return { ...op, risk };
});

export type Operation = z.output<typeof operationSchema>;
export type OperationInput = z.input<typeof operationSchema>;
export type OperationType = Operation["op"];

export const changePlanSchema = z.strictObject({
  job_id: z.string(),
  job_type: z.string(),
  summary: z.string().default(""),
  operations: z.array(operationSchema),
});

export type ChangePlan = z.output<typeof changePlanSchema>;

/**
 * What an operation does (type, targets, values), as a key: two operations with the same key make
 * the same change. Rationale, risk and a patch's `before` are commentary and not part of it.
 */
export function operationContentKey(op: Operation): string {
  const { rationale: _rationale, risk: _risk, ...content } = op;
  const contentOnly = op.op === "patch_fields" ? { ...content, before: undefined } : content;
  return createHash("sha256").update(stableStringify(contentOnly)).digest("hex").slice(0, 40);
}

/** The exercise documents an operation writes. */
export function operationExerciseIds(op: Operation): string[] {
  switch (op.op) {
    case "create_exercise":
    case "patch_fields":
    case "rename_exercise":
    case "deprecate_exercise":
    case "reassign_family":
      return [op.exercise_id];
    case "merge_exercises":
      return [op.source_id, op.target_id];
    case "upsert_alias":
    case "delete_alias":
    case "update_family_registry":
    case "no_change":
      return [];
  }
}

/**
 * The key of the idempotency record guarding an operation: this job's operation `operationId` (an
 * operation of a frozen plan, or the job's patch of one exercise), so a retried or redelivered job
 * applies it once, while another job making the same change applies it again (an undo, a redo).
 * Null for an operation guarded by none: a registry update recomputes the entry from the family's
 * current exercises, so applying it again is always right and writes nothing when nothing changed.
 */
export function idempotencyKey(op: Operation, jobId: string, operationId: string): string | null {
  if (op.op === "update_family_registry" || op.op === "no_change") return null;
  return `op_${createHash("sha256").update(`${jobId}\n${operationId}`).digest("hex").slice(0, 40)}`;
}
