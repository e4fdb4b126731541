/**
 * The jobs a scan asks for. In apply mode each is created through the queue with a dedup key, so
 * rerunning a scan while its earlier follow-ups are still open creates nothing new, and one that
 * names what it `answers` is not asked for again while the last job for its key answered the same
 * (see `DedupClaims.answered`); in dry_run nothing is created (nor looked up) and the report lists
 * what would be. Either way the scan's result summary counts them, and those it found held by a job
 * without asking (`heldBy`). A follow-up the queue would refuse (a payload built from a catalog id
 * that no slug pattern fits: legacy data is what scans find) is counted and listed with its issues,
 * in either mode, instead of failing the scan with every later finding unhandled.
 */
import { createHash } from "node:crypto";
import type { JobScope } from "../../jobs/handler";
import type { CreateJobResult, Issue, Mode } from "../../jobs/model";

export interface FollowUp {
  type: string;
  payload: Record<string, unknown>;
  dedup_key: string;
  /** For a follow-up asked for once per job, even when a retry asks again after it finished (`JobScope.createJob`). */
  onceKey?: string;
  /**
   * What the follow-up answers (a scan's findings, serialised the same way every run): a later run
   * that finds the same again does not ask again while the last job for the key answered it, ended
   * with an answer (succeeded, or handed to a person) and is kept (`RETAIN_JOBS_DAYS`).
   */
  answers?: string;
}

/**
 * A follow-up about a set of ids (aliases, exercises): the ids sorted and de-duplicated, and a digest
 * of them for its dedup key, so the same set is asked for once whatever order a scan found it in.
 */
export function idSetKey(ids: readonly string[], digestLength: number): { sorted: string[]; digest: string } {
  const sorted = [...new Set(ids)].sort();
  return { sorted, digest: createHash("sha256").update(sorted.join("\n")).digest("hex").slice(0, digestLength) };
}

/** `already_answered`: the last job for the key answered the same (`FollowUp.answers`). */
export type FollowUpOutcome = "created" | "deduplicated" | "already_answered" | "would_create" | "invalid";

/** Follow-ups listed one by one in the summary; the counts always cover all of them. */
const MAX_LISTED = 50;

interface ListedFollowUp {
  type: string;
  dedup_key: string;
  outcome: FollowUpOutcome;
  job_id?: string;
  issues?: Issue[];
}

/** Why the queue created no job: one is open under the key (or exists at the id), or one already answered the same. */
type NotCreatedReason = Exclude<CreateJobResult, { created: true }>["reason"];

const notCreated = (reason: NotCreatedReason): FollowUpOutcome => (reason === "already_answered" ? "already_answered" : "deduplicated");

export class FollowUpJobs {
  private readonly counts: Record<FollowUpOutcome, number> = {
    created: 0,
    deduplicated: 0,
    already_answered: 0,
    would_create: 0,
    invalid: 0,
  };
  private readonly listed: ListedFollowUp[] = [];

  constructor(
    private readonly engine: Pick<JobScope, "createJob" | "requestIssues">,
    private readonly mode: Mode,
  ) {}

  /** Asks for `followUp` (creates it in apply mode) and says what came of it. */
  async request(followUp: FollowUp): Promise<FollowUpOutcome> {
    return (await this.requestJob(followUp)).outcome;
  }

  /** `request`, also naming the job that came of it (in apply mode: the one created, or the one holding its key). */
  async requestJob(followUp: FollowUp): Promise<{ outcome: FollowUpOutcome; jobId?: string }> {
    const issues = this.engine.requestIssues(followUp);
    let outcome: FollowUpOutcome = issues ? "invalid" : "would_create";
    let jobId: string | undefined;
    if (!issues && this.mode === "apply") {
      const result = await this.engine.createJob(followUp);
      outcome = result.created ? "created" : notCreated(result.reason);
      jobId = result.jobId;
    }
    this.count({
      type: followUp.type,
      dedup_key: followUp.dedup_key,
      outcome,
      ...(jobId ? { job_id: jobId } : {}),
      ...(issues ? { issues } : {}),
    });
    return { outcome, ...(jobId ? { jobId } : {}) };
  }

  /**
   * Counts a follow-up not asked for because the job `jobId` (of `type`, under `dedupKey`) already
   * holds what it would ask, for the reason the queue would have refused it.
   */
  heldBy(type: string, dedupKey: string, jobId: string, reason: NotCreatedReason): void {
    this.count({ type, dedup_key: dedupKey, outcome: notCreated(reason), job_id: jobId });
  }

  private count(entry: ListedFollowUp): void {
    this.counts[entry.outcome]++;
    if (this.listed.length < MAX_LISTED) this.listed.push(entry);
  }

  get total(): number {
    return Object.values(this.counts).reduce((sum, count) => sum + count, 0);
  }

  summary(): Record<string, unknown> {
    return {
      jobs_created: this.counts.created,
      jobs_deduplicated: this.counts.deduplicated,
      jobs_already_answered: this.counts.already_answered,
      jobs_would_create: this.counts.would_create,
      jobs_invalid: this.counts.invalid,
      follow_ups: this.listed,
      follow_ups_listed_all: this.listed.length === this.total,
    };
  }
}
