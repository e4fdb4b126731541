/**
 * The handler registry: the job types the engine runs, each with its payload schema and default
 * lane. Requests and stored documents are validated against it, and the worker routes by it.
 */
import { unsupportedJobType } from "./errors";
import type { JobHandler, PayloadSchema } from "./handler";
import { type Job, type JobRequest, type Lane, type ParseResult, jobDocumentSchema, jobRequestSchema, toIssues } from "./model";

/** What the queue needs to know about job types: how to validate them and where they run by default. */
export interface JobTypes {
  readonly types: readonly string[];
  defaultLane(type: string): Lane;
  parseRequest(data: unknown): ParseResult<JobRequest>;
  parseJob(id: string, data: unknown): ParseResult<Job>;
  /** What a job is about, as its job types' owner names it; each run records them, so run history can be filtered by one. */
  subjectsOf(payload: unknown): string[];
}

export interface JobRegistryOptions {
  /** See `JobTypes.subjectsOf`; without it, jobs name no subjects. */
  subjectsOf?: (payload: unknown) => string[];
}

export class JobRegistry<D = unknown> implements JobTypes {
  private readonly byType: ReadonlyMap<string, JobHandler<PayloadSchema, D>>;
  readonly subjectsOf: (payload: unknown) => string[];

  constructor(handlers: ReadonlyArray<JobHandler<PayloadSchema, D>>, options: JobRegistryOptions = {}) {
    this.subjectsOf = options.subjectsOf ?? (() => []);
    const byType = new Map<string, JobHandler<PayloadSchema, D>>();
    for (const handler of handlers) {
      if (byType.has(handler.type)) throw new Error(`job type ${handler.type} is registered twice`);
      byType.set(handler.type, handler);
    }
    this.byType = byType;
  }

  get types(): string[] {
    return [...this.byType.keys()];
  }

  /** The types a client or an operator may ask for: all but those only a parent's fan-out makes. */
  get requestableTypes(): string[] {
    return [...this.byType.values()].filter((handler) => !handler.childOnly).map((handler) => handler.type);
  }

  has(type: string): boolean {
    return this.byType.has(type);
  }

  /** The handler of `type`; a type without one fails permanently. */
  handlerFor(type: string): JobHandler<PayloadSchema, D> {
    const handler = this.byType.get(type);
    if (!handler) throw unsupportedJobType(type);
    return handler;
  }

  defaultLane(type: string): Lane {
    return this.handlerFor(type).lane;
  }

  /** Validates what a client or producer asked for: type, lane, priority, payload. */
  parseRequest(data: unknown): ParseResult<JobRequest> {
    const request = jobRequestSchema.safeParse(data);
    if (!request.success) return { ok: false, issues: toIssues(request.error) };
    const payload = this.parsePayload(request.data.type, request.data.payload);
    if (!payload.ok) return payload;
    return { ok: true, value: { ...request.data, payload: payload.value } };
  }

  /** Parses a stored (normalised) job document into a job, or the precise issues. */
  parseJob(id: string, data: unknown): ParseResult<Job> {
    const doc = jobDocumentSchema.safeParse(data);
    if (!doc.success) return { ok: false, issues: toIssues(doc.error) };
    const payload = this.parsePayload(doc.data.type, doc.data.payload);
    if (!payload.ok) return payload;
    return { ok: true, value: { ...doc.data, id, payload: payload.value } };
  }

  /** Names the type given, and the one it was likely meant to be ("family_audit") or the types there are. */
  private unknownTypeMessage(type: string): string {
    const meant = this.requestableTypes.find((known) => known.toLowerCase() === type.toLowerCase());
    return `unknown job type ${JSON.stringify(type)}; ${meant ? `did you mean ${meant}?` : `job types: ${this.requestableTypes.join(", ")}`}`;
  }

  private parsePayload(type: string, payload: unknown): ParseResult<JobRequest["payload"]> {
    const handler = this.byType.get(type);
    if (!handler) return { ok: false, issues: [{ path: "type", message: this.unknownTypeMessage(type), code: "custom" }] };
    const parsed = handler.payload.safeParse(payload);
    if (!parsed.success) return { ok: false, issues: toIssues(parsed.error, ["payload"]) };
    // A schema's output is a plain object: the payload's own fields beside `mode`.
    return { ok: true, value: parsed.data as JobRequest["payload"] };
  }
}
