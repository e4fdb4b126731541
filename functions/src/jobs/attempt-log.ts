/**
 * The attempt log `catalog_jobs/{id}/attempts/{leaseEpoch}`: one document per attempt (per lease)
 * with the plan, validation output, repairs, apply result, LLM calls and pipeline events. Kept in
 * memory while the attempt runs and written once, in the same batch as the job's status change
 * that ends the attempt; an attempt whose lease ran out is closed by the watchdog
 * (`lease_expired`), its LLM calls added by its worker if that ran on (`recordLostAttemptLlm`).
 * Large content is replaced by a summary so the document stays well under Firestore's 1 MiB limit.
 * Here too the one sum of LLM usage (`addUsage`), by which the attempt's calls add up, and the job's, its run summary's
 * and a parent's over its children (a day's are Firestore increments, rounded as they are read: `mergeCounts`).
 */
import { type DocumentReference, type Firestore, Timestamp } from "firebase-admin/firestore";
import { JOB_COLLECTIONS } from "./collections";
import type { AttemptStatus } from "./lifecycle";
import type { JobErrorInfo, LlmUsageRecord } from "./model";
import { documentBytes, valueBytes } from "../util/firestore-size";

/**
 * Content larger than this is stored as a summary, whose first operations take at most `MAX_SUMMARY_BYTES`. Every
 * size here is in bytes as Firestore counts them (`valueBytes`, `documentBytes`), not in characters of JSON.
 */
const MAX_FIELD_BYTES = 200_000;
const MAX_SUMMARY_BYTES = 50_000;
const MAX_EVENTS = 500;
/** The whole attempt document, as Firestore counts it: within its 1 MiB limit, with room to spare. */
const MAX_ATTEMPT_BYTES = 1_000_000;

export type AttemptField = "plan" | "validation" | "repairs" | "apply_result";

/**
 * What one request to the LLM client cost, as the client reports it (the LLM port's `LlmUsage`). Its
 * `calls` are the model calls that may be billed for the request, its retries included: tries the model
 * answered, and tries sent but cut short (a timeout, a stop), whose tokens are unknown; not tries
 * answered with an error (4xx/5xx) or never sent.
 */
export interface LlmCallUsage extends LlmUsageRecord {
  model: string;
  latency_ms: number;
}

export const NO_LLM_USAGE: LlmUsageRecord = Object.freeze({ calls: 0, input_tokens: 0, output_tokens: 0, estimated_cost_usd: 0 });

/** Whole micro-dollars: a cost rounded so, and so every sum of costs, carries no float noise (0.1 + 0.2 is 0.3). */
export function roundUsd(usd: number): number {
  return Math.round(usd * 1e6) / 1e6;
}

/** The sum of two usages (of an attempt's calls, a job's attempts, a parent's children), its cost rounded as a cost is. */
export function addUsage(a: LlmUsageRecord, b: LlmUsageRecord): LlmUsageRecord {
  return {
    calls: a.calls + b.calls,
    input_tokens: a.input_tokens + b.input_tokens,
    output_tokens: a.output_tokens + b.output_tokens,
    estimated_cost_usd: roundUsd(a.estimated_cost_usd + b.estimated_cost_usd),
  };
}

export interface AttemptRecorder {
  event(name: string, details?: Record<string, unknown>): void;
  set(field: AttemptField, value: unknown): void;
  llmCall(task: string, usage: LlmCallUsage): void;
  /** Total LLM usage of this attempt so far. */
  llmTotals(): LlmUsageRecord;
}

export interface AttemptIdentity {
  jobId: string;
  /** The job's `attempts` counter for this lease (a deferral gives it back; the epoch always moves on). */
  attempt: number;
  workerId: string;
  leaseEpoch: number;
  startedAt: Date;
}

export function attemptRef(db: Firestore, jobId: string, leaseEpoch: number): DocumentReference {
  return db.collection(JOB_COLLECTIONS.jobs).doc(jobId).collection(JOB_COLLECTIONS.attempts).doc(String(leaseEpoch));
}

/** Keeps oversized values out of the document: a summary with the size and the first items. */
function boundForStorage(value: unknown): unknown {
  // Measured as stored: JSON's values only (a date as its text, no undefined).
  const stored: unknown = JSON.parse(JSON.stringify(value) ?? "null");
  const bytes = valueBytes(stored);
  if (bytes <= MAX_FIELD_BYTES) return stored;
  const operations = (stored as { operations?: unknown[] } | null)?.operations;
  return {
    truncated: true,
    bytes,
    ...(Array.isArray(operations) ? { operation_count: operations.length, first_operations: firstOperations(operations) } : {}),
  };
}

/** Up to 20 leading operations, as many as fit in `MAX_SUMMARY_BYTES` (one operation may be 64 kB). */
function firstOperations(operations: readonly unknown[]): unknown[] {
  const kept: unknown[] = [];
  let bytes = 0;
  for (const operation of operations.slice(0, 20)) {
    bytes += valueBytes(operation);
    if (bytes > MAX_SUMMARY_BYTES) break;
    kept.push(operation);
  }
  return kept;
}

/**
 * Each part is bounded, but together they may not fit: the largest gives way until the document
 * does (a list keeps its first half, a map becomes its size), so the batch that ends the attempt is
 * never refused for it. A list that gave way says how long it was (`lists_cut`), so a reader knows
 * entries are missing.
 */
function fitted(
  build: (parts: Record<string, unknown>) => Record<string, unknown>,
  parts: Record<string, unknown>,
): Record<string, unknown> {
  const listsCut: Record<string, number> = {};
  const withCuts = () => build(Object.keys(listsCut).length > 0 ? { ...parts, lists_cut: listsCut } : parts);
  let document = withCuts();
  while (documentBytes(document) > MAX_ATTEMPT_BYTES) {
    const [largest] = Object.keys(parts)
      .filter((key) => canShrink(parts[key]))
      .sort((a, b) => valueBytes(parts[b]) - valueBytes(parts[a]));
    if (largest === undefined) break;
    const value = parts[largest];
    if (Array.isArray(value)) listsCut[largest] ??= value.length;
    parts[largest] = Array.isArray(value) ? value.slice(0, Math.floor(value.length / 2)) : { truncated: true, bytes: valueBytes(value) };
    document = withCuts();
  }
  return document;
}

function canShrink(value: unknown): boolean {
  if (Array.isArray(value)) return value.length > 0;
  return typeof value === "object" && value !== null && Object.keys(value).join() !== "truncated,bytes";
}

/** How an attempt ended, and when its record may be deleted (see retention.ts). */
interface AttemptEnding {
  status: AttemptStatus;
  error: JobErrorInfo | null;
  finishedAt: Date;
  expireAt: Timestamp;
}

/** The attempt document of an attempt that ended with `status`, from what is known of it. */
export function attemptDocument(
  identity: AttemptIdentity,
  ending: AttemptEnding,
  content: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    llm_calls: [],
    events: [],
    ...content,
    job_id: identity.jobId,
    attempt: identity.attempt,
    worker_id: identity.workerId,
    lease_epoch: identity.leaseEpoch,
    started_at: Timestamp.fromDate(identity.startedAt),
    finished_at: Timestamp.fromDate(ending.finishedAt),
    status: ending.status,
    error: ending.error ? boundForStorage(ending.error) : null,
    expire_at: ending.expireAt,
  };
}

/** The log of the running attempt, kept in memory until the attempt ends. */
export class AttemptLog implements AttemptRecorder {
  private readonly fields: Partial<Record<AttemptField, unknown>> = {};
  private readonly events: { at: Timestamp; event: string; details?: Record<string, unknown> }[] = [];
  private readonly calls: Array<{ task: string } & LlmCallUsage> = [];

  constructor(
    readonly identity: AttemptIdentity,
    private readonly now: () => Date,
  ) {}

  event(name: string, details?: Record<string, unknown>): void {
    if (this.events.length >= MAX_EVENTS) return;
    this.events.push({
      at: Timestamp.fromDate(this.now()),
      event: name,
      ...(details ? { details: boundForStorage(details) as Record<string, unknown> } : {}),
    });
  }

  set(field: AttemptField, value: unknown): void {
    this.fields[field] = value;
  }

  llmCall(task: string, usage: LlmCallUsage): void {
    const { model, input_tokens, output_tokens, latency_ms, calls, estimated_cost_usd } = usage;
    this.calls.push({ task, model, input_tokens, output_tokens, latency_ms, calls, estimated_cost_usd });
  }

  llmTotals(): LlmUsageRecord {
    return this.calls.reduce(addUsage, NO_LLM_USAGE);
  }

  /** The attempt's LLM calls as its document keeps them. */
  llmCalls(): Array<{ task: string } & LlmCallUsage> {
    return this.calls.slice(0, MAX_EVENTS);
  }

  /** The attempt's document as it ends. */
  document(ending: AttemptEnding): Record<string, unknown> {
    const stored: Record<string, unknown> = {};
    for (const [field, value] of Object.entries(this.fields)) stored[field] = boundForStorage(value);
    return fitted((parts) => attemptDocument(this.identity, ending, parts), {
      ...stored,
      llm_calls: this.llmCalls(),
      events: [...this.events],
    });
  }
}
