/**
 * The jobs a scan asks for. In apply mode each is created through the queue with a dedup key, so
 * rerunning a scan while its earlier follow-ups are still open creates nothing new; in dry_run
 * nothing is created and the report lists what would be. Either way the scan's result summary
 * counts them.
 */
import { createHash } from "node:crypto";
import type { JobScope } from "../../jobs/handler";
import type { Mode } from "../../jobs/model";

export interface FollowUp {
  type: string;
  payload: Record<string, unknown>;
  dedup_key: string;
  /** For a follow-up asked for once per job, even when a retry asks again after it finished (`JobScope.createJob`). */
  onceKey?: string;
}

/**
 * A follow-up about a set of ids (aliases, exercises): the ids sorted and de-duplicated, and a digest
 * of them for its dedup key, so the same set is asked for once whatever order a scan found it in.
 */
export function idSetKey(ids: readonly string[], digestLength: number): { sorted: string[]; digest: string } {
  const sorted = [...new Set(ids)].sort();
  return { sorted, digest: createHash("sha256").update(sorted.join("\n")).digest("hex").slice(0, digestLength) };
}

type Outcome = "created" | "deduplicated" | "would_create";

/** Follow-ups listed one by one in the summary; the counts always cover all of them. */
const MAX_LISTED = 50;

export class FollowUpJobs {
  private readonly counts: Record<Outcome, number> = { created: 0, deduplicated: 0, would_create: 0 };
  private readonly listed: Array<{ type: string; dedup_key: string; outcome: Outcome; job_id?: string }> = [];

  constructor(
    private readonly engine: Pick<JobScope, "createJob">,
    private readonly mode: Mode,
  ) {}

  async request(followUp: FollowUp): Promise<void> {
    let outcome: Outcome = "would_create";
    let jobId: string | undefined;
    if (this.mode === "apply") {
      const result = await this.engine.createJob(followUp);
      outcome = result.created ? "created" : "deduplicated";
      jobId = result.jobId;
    }
    this.counts[outcome]++;
    if (this.listed.length < MAX_LISTED)
      this.listed.push({ type: followUp.type, dedup_key: followUp.dedup_key, outcome, ...(jobId ? { job_id: jobId } : {}) });
  }

  get total(): number {
    return this.counts.created + this.counts.deduplicated + this.counts.would_create;
  }

  summary(): Record<string, unknown> {
    return {
      jobs_created: this.counts.created,
      jobs_deduplicated: this.counts.deduplicated,
      jobs_would_create: this.counts.would_create,
      follow_ups: this.listed,
      follow_ups_listed_all: this.listed.length === this.total,
    };
  }
}
