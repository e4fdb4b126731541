/**
 * What the engine stores in place of an attempt-log field over its size limit (functions/src/jobs/attempt-log.ts:
 * `{truncated: true, bytes, operation_count?, first_operations?}`), read as what it stands for. No
 * Firebase import, so the engine's tests can check it against what the engine writes.
 */
import type { Attempt, ChangePlanView, RepairRound, TooLarge } from "./model";

/** The summary the engine stores in place of a field too large to keep (`{truncated, bytes, ...}`), or null. */
function shrunk(value: unknown): { bytes: number; operation_count?: unknown; first_operations?: unknown } | null {
  const v = value as { truncated?: unknown; bytes?: unknown } | null | undefined;
  return v && typeof v === "object" && !Array.isArray(v) && v.truncated === true ? { ...v, bytes: Number(v.bytes ?? 0) } : null;
}

/** An attempt's field as stored, `absent` when it is not there, or what stands for it when it was too large to store. */
function storedOr<T>(value: unknown, absent: T): T | TooLarge {
  const summary = shrunk(value);
  if (summary) return { too_large: { bytes: summary.bytes } };
  return value === undefined || value === null ? absent : (value as T);
}

/** A stored plan; one too large to store reads as its first operations, with the count and size. */
function planOf(value: unknown): ChangePlanView | null {
  const summary = shrunk(value);
  if (!summary) return value === undefined ? null : value;
  const count = Number(summary.operation_count);
  return {
    operations: Array.isArray(summary.first_operations) ? (summary.first_operations as Record<string, unknown>[]) : [],
    truncated: { bytes: summary.bytes, operation_count: Number.isFinite(count) ? count : null },
  };
}

/** The fields of an attempt log the engine may shrink for size (its AttemptField: the wiring tests hold the two equal). */
export type SizedAttemptField = "plan" | "validation" | "repairs" | "apply_result";

/** The fields of an attempt log the engine may shrink for size, as the job page reads them. */
export function sizedAttemptFields(d: Record<string, unknown>): Pick<Attempt, SizedAttemptField> {
  return {
    plan: planOf(d.plan),
    validation: storedOr<Exclude<Attempt["validation"], TooLarge>>(d.validation, null),
    repairs: storedOr<RepairRound[]>(d.repairs, []),
    apply_result: storedOr<Exclude<Attempt["apply_result"], TooLarge>>(d.apply_result, null),
  };
}

/**
 * The most events, and LLM calls, the engine keeps in an attempt's log (attempt-log.ts): a list this
 * long may have lost later entries. (One the document had no room for keeps its first half, named in `lists_cut`.)
 */
export const ATTEMPT_LIST_LIMIT = 500;
