/**
 * The typed job model: the 15 job types, lanes, statuses, one zod schema per payload, the job
 * document and the attempt log. Everything that enters the engine from outside is parsed here.
 */
import { Timestamp } from "firebase-admin/firestore";
import { z } from "zod";

export const LANES = ["priority", "maintenance"] as const;
export type Lane = (typeof LANES)[number];

export const JOB_STATUSES = [
  "queued",
  "leased",
  "running",
  "deferred",
  "succeeded",
  "succeeded_dry_run",
  "needs_review",
  "deadletter",
  "failed",
  "cancelled",
] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

/** Statuses a dedup key stays claimed in; a job in one of them is "open". */
export const OPEN_STATUSES: readonly JobStatus[] = ["queued", "leased", "running", "deferred"];
/** Statuses a worker may lease from: deferred jobs come back once their `run_after` passes. */
export const LEASABLE_STATUSES: readonly JobStatus[] = ["queued", "deferred"];
export const FINAL_STATUSES: readonly JobStatus[] = ["succeeded", "succeeded_dry_run", "needs_review", "deadletter", "failed", "cancelled"];
/** Statuses an operator may re-run a job from. */
export const RETRYABLE_STATUSES: readonly JobStatus[] = ["failed", "needs_review", "deadletter", "cancelled"];

export function isOpenStatus(status: JobStatus): boolean {
  return OPEN_STATUSES.includes(status);
}

export const MODES = ["dry_run", "apply"] as const;
export type Mode = (typeof MODES)[number];

export const DEFAULT_PRIORITY = 100;
export const MAX_PRIORITY = 1000;
export const DEFAULT_MAX_ATTEMPTS = 5;

// ---------------------------------------------------------------- payloads

const mode = z.enum(MODES).default("dry_run");
const slug = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[a-z0-9_]+$/, "a family slug is lowercase letters, digits and underscores");
const aliasSlug = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[a-z0-9_-]+$/, "an alias slug is lowercase letters, digits, '-' and '_'");
const docId = z
  .string()
  .min(1)
  .max(500)
  .regex(/^[^/]+$/, "a document id has no '/'");
const docIds = z.array(docId).min(1).max(500);
const nonEmpty = z.string().trim().min(1);

const filterCriteria = z.strictObject({
  equipment: z.string().min(1).optional(),
  category: z.string().min(1).optional(),
  family_slug: slug.optional(),
});

const enrichmentSpec = z.strictObject({
  spec_id: nonEmpty,
  spec_version: z.union([z.string().min(1), z.number().int().nonnegative()]),
  fields_to_enrich: z.array(z.string().min(1)).min(1).optional(),
  instructions: z.string().max(4000).optional(),
  use_pro_model: z.boolean().optional(),
});

export const PAYLOAD_SCHEMAS = {
  MAINTENANCE_SCAN: z.strictObject({ mode, family_limit: z.number().int().positive().optional() }),
  DUPLICATE_DETECTION_SCAN: z.strictObject({ mode }),
  ALIAS_INVARIANT_SCAN: z.strictObject({ mode }),
  QUALITY_SCAN: z
    .strictObject({
      mode,
      exercise_doc_ids: docIds.optional(),
      filter_criteria: filterCriteria.optional(),
      emit_enrichment: z.boolean().default(true),
    })
    .refine((p) => !(p.exercise_doc_ids && p.filter_criteria), {
      message: "give exercise_doc_ids or filter_criteria, not both",
    }),
  FAMILY_AUDIT: z.strictObject({ mode, family_slug: slug }),
  FAMILY_NORMALIZE: z.strictObject({ mode, family_slug: slug }),
  FAMILY_MERGE: z.strictObject({
    mode,
    merge_config: z
      .strictObject({ source_family: slug, target_family: slug })
      .refine((c) => c.source_family !== c.target_family, { message: "source and target family are the same" }),
  }),
  FAMILY_SPLIT: z
    .strictObject({
      mode,
      family_slug: slug,
      split_config: z.strictObject({ target_family: slug, equipment: z.array(nonEmpty).min(1).max(20) }),
    })
    .refine((p) => p.family_slug !== p.split_config.target_family, {
      message: "the target family must differ from the family being split",
    }),
  FAMILY_RENAME_SLUG: z.strictObject({
    mode,
    rename_config: z
      .strictObject({ old_family_slug: slug, new_family_slug: slug })
      .refine((c) => c.old_family_slug !== c.new_family_slug, { message: "old and new slug are the same" }),
  }),
  EXERCISE_ADD: z.strictObject({
    mode,
    intent: z.strictObject({
      base_name: nonEmpty.max(200),
      equipment: z.array(nonEmpty).min(1).max(10),
      category: z.string().min(1).optional(),
      muscles: z.strictObject({ primary: z.array(nonEmpty).min(1).max(3), secondary: z.array(nonEmpty).max(5).optional() }).optional(),
      description: z.string().optional(),
    }),
  }),
  TARGETED_FIX: z
    .strictObject({
      mode,
      exercise_doc_ids: docIds,
      fix_type: z.enum(["rename", "patch", "archive", "mark_merged"]),
      fix_data: z
        .union([
          z.strictObject({ new_name: nonEmpty.max(200) }),
          z.strictObject({ merged_into: docId }),
          z.strictObject({ patch: z.record(z.string(), z.unknown()) }),
        ])
        .optional(),
      reason: z.string().max(2000).optional(),
    })
    .superRefine((p, ctx) => {
      const needs: Record<typeof p.fix_type, string | null> = {
        rename: "new_name",
        patch: "patch",
        mark_merged: "merged_into",
        archive: null,
      };
      const key = needs[p.fix_type];
      if (key && !(p.fix_data && key in p.fix_data)) {
        ctx.addIssue({ code: "custom", path: ["fix_data"], message: `fix_type ${p.fix_type} needs fix_data.${key}` });
      }
      if (p.fix_type === "rename" && p.exercise_doc_ids.length !== 1) {
        ctx.addIssue({ code: "custom", path: ["exercise_doc_ids"], message: "a rename names exactly one exercise" });
      }
    }),
  ALIAS_REPAIR: z.strictObject({ mode, alias_slugs: z.array(aliasSlug).min(1).max(500) }),
  SCHEMA_CLEANUP: z.strictObject({
    mode,
    exercise_doc_ids: docIds,
    fields_to_remove: z.array(z.string().min(1)).min(1).optional(),
  }),
  CATALOG_ENRICH_FIELD: z
    .strictObject({
      mode,
      enrichment_spec: enrichmentSpec,
      exercise_doc_ids: z.array(docId).min(1).max(10_000).optional(),
      filter_criteria: filterCriteria.optional(),
      shard_size: z.number().int().min(1).max(100).optional(),
    })
    .refine((p) => !(p.exercise_doc_ids && p.filter_criteria), {
      message: "give exercise_doc_ids or filter_criteria, not both",
    }),
  CATALOG_ENRICH_FIELD_SHARD: z.strictObject({
    mode,
    parent_job_id: docId,
    exercise_doc_ids: z.array(docId).min(1).max(100),
    enrichment_spec: enrichmentSpec,
  }),
} as const;

export type JobType = keyof typeof PAYLOAD_SCHEMAS;
export const JOB_TYPES = Object.keys(PAYLOAD_SCHEMAS) as JobType[];
export type PayloadOf<T extends JobType> = z.output<(typeof PAYLOAD_SCHEMAS)[T]>;
export type JobPayload = PayloadOf<JobType>;

export const DEFAULT_LANE: Record<JobType, Lane> = {
  MAINTENANCE_SCAN: "maintenance",
  DUPLICATE_DETECTION_SCAN: "maintenance",
  ALIAS_INVARIANT_SCAN: "maintenance",
  QUALITY_SCAN: "maintenance",
  FAMILY_AUDIT: "priority",
  FAMILY_NORMALIZE: "priority",
  FAMILY_MERGE: "priority",
  FAMILY_SPLIT: "priority",
  FAMILY_RENAME_SLUG: "priority",
  EXERCISE_ADD: "priority",
  TARGETED_FIX: "priority",
  ALIAS_REPAIR: "priority",
  CATALOG_ENRICH_FIELD: "maintenance",
  CATALOG_ENRICH_FIELD_SHARD: "maintenance",
  SCHEMA_CLEANUP: "maintenance",
};

export function isJobType(value: unknown): value is JobType {
  return typeof value === "string" && Object.prototype.hasOwnProperty.call(PAYLOAD_SCHEMAS, value);
}

// ---------------------------------------------------------------- errors, summaries

export const jobErrorSchema = z.object({
  code: z.string(),
  message: z.string(),
  transient: z.boolean(),
  details: z.unknown().optional(),
});
export type JobErrorInfo = z.infer<typeof jobErrorSchema>;

/** Outcome counts of a run; handlers add their own keys. */
export type ResultSummary = Record<string, unknown>;

// ---------------------------------------------------------------- the job document

const timestamp = z.instanceof(Timestamp);
const nullableTimestamp = timestamp.nullable().default(null);

/** What a client (or `createJob`) may provide. Everything else is server-owned. */
export const jobRequestSchema = z.object({
  type: z.string().refine(isJobType, { message: "unknown job type" }),
  payload: z.record(z.string(), z.unknown()),
  queue: z.enum(LANES).optional(),
  priority: z.number().int().min(0).max(MAX_PRIORITY).optional(),
  dedup_key: z.string().min(1).max(500).optional(),
});

/** The normalised job document as the engine stores it. */
export const jobDocumentSchema = z.object({
  type: z.string().refine(isJobType, { message: "unknown job type" }),
  queue: z.enum(LANES),
  priority: z.number().int().min(0).max(MAX_PRIORITY),
  status: z.enum(JOB_STATUSES),
  payload: z.record(z.string(), z.unknown()),
  dedup_key: z.string().nullable().default(null),
  attempts: z.number().int().nonnegative(),
  max_attempts: z.number().int().positive(),
  run_after: timestamp,
  lease_owner: z.string().nullable().default(null),
  lease_expires_at: nullableTimestamp,
  lease_epoch: z.number().int().nonnegative(),
  created_at: timestamp,
  updated_at: timestamp,
  started_at: nullableTimestamp,
  finished_at: nullableTimestamp,
  created_by: z.string(),
  error: jobErrorSchema.nullable().default(null),
  result_summary: z.record(z.string(), z.unknown()).nullable().default(null),
  progress: z.object({ done: z.number(), total: z.number() }).nullable().default(null),
  parent_job_id: z.string().nullable().default(null),
  shards: z.record(z.string(), z.unknown()).nullable().default(null),
  cancel_requested: z.boolean().default(false),
});

interface JobBase {
  id: string;
  queue: Lane;
  priority: number;
  status: JobStatus;
  dedup_key: string | null;
  attempts: number;
  max_attempts: number;
  run_after: Date;
  lease_owner: string | null;
  lease_expires_at: Date | null;
  lease_epoch: number;
  created_at: Date;
  updated_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
  created_by: string;
  error: JobErrorInfo | null;
  result_summary: ResultSummary | null;
  progress: { done: number; total: number } | null;
  parent_job_id: string | null;
  shards: Record<string, unknown> | null;
  cancel_requested: boolean;
}

/** A job whose payload is typed by its job type: `if (job.type === "FAMILY_MERGE") job.payload.merge_config`. */
export type Job = { [T in JobType]: JobBase & { type: T; payload: PayloadOf<T> } }[JobType];
export type JobOf<T extends JobType> = Extract<Job, { type: T }>;

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

export function parsePayload<T extends JobType>(type: T, payload: unknown): ParseResult<PayloadOf<T>> {
  const parsed = PAYLOAD_SCHEMAS[type].safeParse(payload);
  if (!parsed.success) return { ok: false, issues: toIssues(parsed.error, ["payload"]) };
  return { ok: true, value: parsed.data as PayloadOf<T> };
}

/** Validates what a client asked for: type, lane, priority, payload. */
export function parseJobRequest(
  data: unknown,
): ParseResult<{ type: JobType; payload: JobPayload; queue?: Lane; priority?: number; dedup_key?: string }> {
  const request = jobRequestSchema.safeParse(data);
  if (!request.success) return { ok: false, issues: toIssues(request.error) };
  const type = request.data.type as JobType;
  const payload = parsePayload(type, request.data.payload);
  if (!payload.ok) return payload;
  return { ok: true, value: { ...request.data, type, payload: payload.value } };
}

const toDate = (t: Timestamp | null): Date | null => (t ? t.toDate() : null);

/** Parses a stored (normalised) job document into a typed job, or the precise issues. */
export function parseJobDocument(id: string, data: unknown): ParseResult<Job> {
  const doc = jobDocumentSchema.safeParse(data);
  if (!doc.success) return { ok: false, issues: toIssues(doc.error) };
  const d = doc.data;
  const type = d.type as JobType;
  const payload = parsePayload(type, d.payload);
  if (!payload.ok) return payload;
  const job = {
    ...d,
    id,
    type,
    payload: payload.value,
    run_after: d.run_after.toDate(),
    lease_expires_at: toDate(d.lease_expires_at),
    created_at: d.created_at.toDate(),
    updated_at: d.updated_at.toDate(),
    started_at: toDate(d.started_at),
    finished_at: toDate(d.finished_at),
  } as Job;
  return { ok: true, value: job };
}

// ---------------------------------------------------------------- attempt log

export const pipelineEventSchema = z.object({
  at: timestamp,
  event: z.string(),
  details: z.record(z.string(), z.unknown()).optional(),
});

export const llmCallSchema = z.object({
  task: z.string(),
  model: z.string(),
  input_tokens: z.number(),
  output_tokens: z.number(),
  latency_ms: z.number(),
  estimated_cost_usd: z.number().optional(),
});

/** `catalog_jobs/{id}/attempts/{n}`: one execution attempt. */
export const attemptLogSchema = z.object({
  job_id: z.string(),
  attempt: z.number().int().positive(),
  worker_id: z.string(),
  lease_epoch: z.number().int().positive(),
  started_at: timestamp,
  finished_at: timestamp.nullable(),
  status: z.enum(["running", ...JOB_STATUSES]),
  plan: z.unknown().optional(),
  validation: z.unknown().optional(),
  repairs: z.array(z.unknown()).optional(),
  apply_result: z.unknown().optional(),
  llm_calls: z.array(llmCallSchema).default([]),
  events: z.array(pipelineEventSchema).default([]),
  error: jobErrorSchema.nullable().default(null),
});
export type AttemptLog = z.infer<typeof attemptLogSchema>;
