/**
 * The attempt log `catalog_jobs/{id}/attempts/{n}`: one document per execution attempt with the
 * plan, validation output, repairs, apply result, LLM calls and pipeline events. Written when the
 * attempt starts and when it ends; large content is replaced by a summary so the document stays
 * well under Firestore's 1 MiB limit.
 */
import { type DocumentReference, type Firestore, Timestamp } from "firebase-admin/firestore";
import { JOB_COLLECTIONS } from "./collections";
import type { JobStatus } from "./lifecycle";
import type { JobErrorInfo } from "./model";

/** Content larger than this (as JSON) is stored as a summary. */
const MAX_FIELD_BYTES = 200_000;
const MAX_EVENTS = 500;

export type AttemptField = "plan" | "validation" | "repairs" | "apply_result";

/** What one model call cost, as the LLM client reports it. */
export interface LlmCallUsage {
  model: string;
  input_tokens: number;
  output_tokens: number;
  latency_ms: number;
  estimated_cost_usd: number;
}

export interface AttemptRecorder {
  readonly attemptNumber: number;
  event(name: string, details?: Record<string, unknown>): void;
  set(field: AttemptField, value: unknown): void;
  llmCall(task: string, usage: LlmCallUsage): void;
  /** Total LLM usage of this attempt so far. */
  llmTotals(): { calls: number; input_tokens: number; output_tokens: number; estimated_cost_usd: number };
}

export interface AttemptIdentity {
  jobId: string;
  attempt: number;
  workerId: string;
  leaseEpoch: number;
}

/** Keeps oversized values out of the document: a summary with the size and the first items. */
function boundForStorage(value: unknown): unknown {
  const json = JSON.stringify(value) ?? "null";
  if (json.length <= MAX_FIELD_BYTES) return JSON.parse(json);
  const operations = (value as { operations?: unknown[] } | null)?.operations;
  return {
    truncated: true,
    bytes: json.length,
    ...(Array.isArray(operations) ? { operation_count: operations.length, first_operations: operations.slice(0, 20) } : {}),
  };
}

export class FirestoreAttemptLog implements AttemptRecorder {
  private readonly ref: DocumentReference;
  private readonly fields: Partial<Record<AttemptField, unknown>> = {};
  private readonly events: { at: Timestamp; event: string; details?: Record<string, unknown> }[] = [];
  private readonly calls: Array<{ task: string } & LlmCallUsage> = [];

  constructor(
    db: Firestore,
    private readonly identity: AttemptIdentity,
    private readonly now: () => Date,
  ) {
    this.ref = db.collection(JOB_COLLECTIONS.jobs).doc(identity.jobId).collection(JOB_COLLECTIONS.attempts).doc(String(identity.attempt));
  }

  get attemptNumber(): number {
    return this.identity.attempt;
  }

  async start(): Promise<void> {
    await this.ref.set({
      job_id: this.identity.jobId,
      attempt: this.identity.attempt,
      worker_id: this.identity.workerId,
      lease_epoch: this.identity.leaseEpoch,
      started_at: Timestamp.fromDate(this.now()),
      finished_at: null,
      status: "running",
      llm_calls: [],
      events: [],
      error: null,
    });
  }

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
    const { model, input_tokens, output_tokens, latency_ms, estimated_cost_usd } = usage;
    this.calls.push({ task, model, input_tokens, output_tokens, latency_ms, estimated_cost_usd });
  }

  llmTotals() {
    return this.calls.reduce(
      (sum, c) => ({
        calls: sum.calls + 1,
        input_tokens: sum.input_tokens + c.input_tokens,
        output_tokens: sum.output_tokens + c.output_tokens,
        estimated_cost_usd: sum.estimated_cost_usd + c.estimated_cost_usd,
      }),
      { calls: 0, input_tokens: 0, output_tokens: 0, estimated_cost_usd: 0 },
    );
  }

  async finish(status: JobStatus, error: JobErrorInfo | null): Promise<void> {
    const stored: Record<string, unknown> = {};
    for (const [field, value] of Object.entries(this.fields)) stored[field] = boundForStorage(value);
    await this.ref.set(
      {
        ...stored,
        finished_at: Timestamp.fromDate(this.now()),
        status,
        llm_calls: this.calls.slice(0, MAX_EVENTS),
        events: this.events,
        error: error ? (boundForStorage(error) as JobErrorInfo) : null,
      },
      { merge: true },
    );
  }
}
