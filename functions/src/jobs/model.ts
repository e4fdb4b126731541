/**
 * The job model: lanes, modes, the job document's zod schema and the `Job` type inferred from it.
 * The engine knows no job type: types, their payload schemas and default lanes come from the
 * handler registry (`registry.ts`), so a stored document is parsed with the registry in hand.
 */
import { Timestamp } from "firebase-admin/firestore";
import { z } from "zod";
import { MAX_PRIORITY } from "../config";
import { JOB_STATUSES, type JobStatus } from "./lifecycle";

export const LANES = ["priority", "maintenance"] as const;
export type Lane = (typeof LANES)[number];

export const MODES = ["dry_run", "apply"] as const;
export type Mode = (typeof MODES)[number];

export const DEFAULT_PRIORITY = 100;
export const DEFAULT_MAX_ATTEMPTS = 5;

/** Every payload has a mode: `dry_run` (the default) previews, `apply` writes. */
export const modeSchema = z.enum(MODES).default("dry_run");

/** What every payload has; each job type's schema adds its own fields. */
export interface BasePayload {
  mode: Mode;
}

const jobErrorSchema = z.object({
  code: z.string(),
  message: z.string(),
  transient: z.boolean(),
  details: z.unknown().optional(),
});
export type JobErrorInfo = z.infer<typeof jobErrorSchema>;

/** Outcome counts of a run; handlers add their own keys. */
export type ResultSummary = Record<string, unknown>;
/** How many lines a result summary's `changes_preview` keeps (the run history shows them). */
export const MAX_PREVIEW_LINES = 10;

const date = z.instanceof(Timestamp).transform((t) => t.toDate());
const optionalDate = date.nullable().default(null);

/** A parent's children (see `flows.ts`): how many it has once all exist, and how many have finished. */
export const childCountsSchema = z.object({
  total: z.number().int().nonnegative().nullable().default(null),
  done: z.number().int().nonnegative().default(0),
  succeeded: z.number().int().nonnegative().default(0),
  failed: z.number().int().nonnegative().default(0),
});
export type ChildCounts = z.output<typeof childCountsSchema>;

/** LLM usage summed over calls, as jobs record it (`llm_usage`, `result_summary.llm`, a run summary's `llm`), added up by `addUsage` (attempt-log.ts). */
export const llmUsageSchema = z.object({
  calls: z.number().default(0),
  input_tokens: z.number().default(0),
  output_tokens: z.number().default(0),
  estimated_cost_usd: z.number().default(0),
});
export type LlmUsageRecord = z.output<typeof llmUsageSchema>;

/** The normalised job document as the engine stores it; timestamps parse to Dates. */
export const jobDocumentSchema = z.object({
  type: z.string().min(1),
  queue: z.enum(LANES),
  priority: z.number().int().min(0).max(MAX_PRIORITY),
  status: z.enum(JOB_STATUSES),
  payload: z.record(z.string(), z.unknown()),
  dedup_key: z.string().nullable().default(null),
  attempts: z.number().int().nonnegative(),
  max_attempts: z.number().int().positive(),
  run_after: date,
  lease_owner: z.string().nullable().default(null),
  lease_expires_at: optionalDate,
  lease_epoch: z.number().int().nonnegative(),
  created_at: date,
  updated_at: date,
  started_at: optionalDate,
  finished_at: optionalDate,
  created_by: z.string(),
  error: jobErrorSchema.nullable().default(null),
  result_summary: z.record(z.string(), z.unknown()).nullable().default(null),
  progress: z.object({ done: z.number(), total: z.number() }).nullable().default(null),
  parent_job_id: z.string().nullable().default(null),
  shards: childCountsSchema.nullable().default(null),
  cancel_requested: z.boolean().default(false),
  /**
   * The plan the job committed to before its first change (`JobScope.savePlan`): a later attempt
   * finishes it instead of starting over, and a cancel no longer stops the job half-way.
   */
  plan_id: z.string().nullable().default(null),
  /** When an operator's retry last queued the job again (a child's parent cancelled before then leaves it to run). */
  requeued_at: optionalDate,
  /** LLM usage summed over every attempt of the job. */
  llm_usage: llmUsageSchema.nullable().default(null),
});

/**
 * The result-summary key under which a parent reports what its children spent on the LLM; the
 * parent's `result_summary.llm` is its own usage plus this.
 */
export const CHILDREN_LLM_KEY = "children_llm";

/** A job, with its payload typed by its job type's schema. */
export type Job<P extends BasePayload = BasePayload> = Omit<z.output<typeof jobDocumentSchema>, "payload"> & { id: string; payload: P };

/** What a client (or `createJob`) may ask for. Everything else is server-owned. */
export const jobRequestSchema = z.object({
  type: z.string().min(1),
  payload: z.record(z.string(), z.unknown()),
  queue: z.enum(LANES).optional(),
  priority: z.number().int().min(0).max(MAX_PRIORITY).optional(),
  dedup_key: z.string().min(1).max(500).optional(),
});

/** A validated request: a known type and a payload that passed its schema. */
export interface JobRequest {
  type: string;
  payload: BasePayload & Record<string, unknown>;
  queue?: Lane;
  priority?: number;
  dedup_key?: string;
}

export interface Issue {
  path: string;
  message: string;
  code: string;
}

export type ParseResult<T> = { ok: true; value: T } | { ok: false; issues: Issue[] };

export function toIssues(error: z.ZodError, prefix: (string | number)[] = []): Issue[] {
  return error.issues.map((issue) => ({
    path: [...prefix, ...issue.path].map(String).join("."),
    message: issue.message,
    code: issue.code,
  }));
}

// ---------------------------------------------------------------- what the engine parts pass each other

/** Proof that a worker holds a job: its id, the owner and the fencing epoch. */
export interface Lease {
  jobId: string;
  owner: string;
  epoch: number;
}

export interface CreateJobInput {
  type: string;
  payload: Record<string, unknown>;
  queue?: Lane;
  priority?: number;
  dedup_key?: string;
  created_by: string;
  run_after?: Date;
  max_attempts?: number;
  parent_job_id?: string;
  /** A deterministic id (e.g. `<parent>-shard-3`): creating it twice creates it once. */
  id?: string;
  /**
   * With a `dedup_key`: what the job answers (a scan's findings, serialised the same way every run).
   * While the last job that held the key answered the same, ended with an answer and is kept, no new
   * job is created (`already_answered`; see `DedupClaims.answered`).
   */
  answers?: string;
}

export type CreateJobResult =
  | { created: true; jobId: string; job: WakeupSubject }
  | { created: false; jobId: string; reason: "duplicate_dedup_key" | "already_exists" | "already_answered" };

export type CompletionStatus = "succeeded" | "succeeded_dry_run" | "needs_review" | "cancelled";

/** A child a parent asks for. */
export interface ChildSpec {
  type: string;
  payload: Record<string, unknown>;
  priority?: number;
  queue?: Lane;
}

export interface ChildrenCreated {
  total: number;
  created: number;
  /** Children that already existed (created by an earlier attempt of the parent). */
  existing: number;
}

/** A child as its parent's completion hook sees it. */
export interface ChildJob {
  id: string;
  type: string;
  status: JobStatus;
  payload: Record<string, unknown>;
  result_summary: ResultSummary | null;
  /** The child's own LLM usage over its attempts (`llm_usage`), as stored. */
  llm_usage: unknown;
  /** The child's last error (`{code, message, details}`), if any. */
  error: unknown;
}

/** The job fields a wake-up is made from. */
export type WakeupSubject = Pick<Job, "id" | "queue" | "attempts" | "lease_epoch" | "run_after">;
