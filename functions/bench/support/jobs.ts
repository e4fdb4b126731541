/** Creating benchmark jobs through the engine, and reading back how they ended. */
import type { Firestore, Timestamp } from "firebase-admin/firestore";
import type { Engine } from "../../src/create-engine";
import type { TaskQueuePort } from "../../src/jobs/task-queue";
import { JOB_COLLECTIONS } from "../../src/jobs/collections";
import type { CreateJobInput } from "../../src/jobs/model";
import { forEachBounded } from "../../src/util/bounded";
import type { Row } from "./row";
import { spreadOf } from "./stats";

/** Scenarios that drive workers directly need no wake-ups. */
export const NO_TASKS: TaskQueuePort = { enqueueWakeup: () => Promise.resolve("duplicate") };

/** Creates jobs with the engine's own `createJob`, so they have whatever form the engine gives them. */
export async function createJobs(engine: Engine, inputs: readonly Omit<CreateJobInput, "created_by">[]): Promise<string[]> {
  const ids: string[] = [];
  await forEachBounded(inputs, 16, async (input) => {
    const result = await engine.queue.createJob({ ...input, created_by: "system:bench" });
    if (!result.created) throw new Error(`bench job not created: ${result.reason}`);
    ids.push(result.jobId);
  });
  return ids;
}

export interface JobOutcome {
  id: string;
  status: string;
  createdAt: Date | null;
  startedAt: Date | null;
  finishedAt: Date | null;
}

const asDate = (value: unknown): Date | null => (value ? (value as Timestamp).toDate() : null);

/** Every job of a collection, with the fields the benchmark measures by. */
export async function readJobOutcomes(db: Firestore, collection: string = JOB_COLLECTIONS.jobs): Promise<JobOutcome[]> {
  const snap = await db.collection(collection).select("status", "created_at", "started_at", "finished_at").get();
  return snap.docs.map((doc) => ({
    id: doc.id,
    status: String(doc.get("status")),
    createdAt: asDate(doc.get("created_at")),
    startedAt: asDate(doc.get("started_at")),
    finishedAt: asDate(doc.get("finished_at")),
  }));
}

/** Creation → final status, in ms, of the jobs that ended with `status`. */
function latenciesOf(outcomes: readonly JobOutcome[], status: string): number[] {
  return outcomes.flatMap((job) =>
    job.status === status && job.createdAt && job.finishedAt ? [job.finishedAt.getTime() - job.createdAt.getTime()] : [],
  );
}

/** How many jobs ended in each status, e.g. `{ succeeded_dry_run: 198, queued: 2 }`. */
function statusCounts(outcomes: readonly JobOutcome[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const job of outcomes) counts[job.status] = (counts[job.status] ?? 0) + 1;
  return counts;
}

/**
 * A table row for a run of jobs, from how they ended: the jobs that reached `expectedStatus` count as
 * completed, with their creation → final latencies; the statuses and whether the run timed out go
 * into `extra` beside the scenario's own figures. Throughput is the completed jobs over the time from
 * `startedAt` to the last one's final status: workers still waiting out a back-off or a last empty
 * poll after the work is done make the wall time (`seconds`) longer, not the queue slower.
 */
export function jobsRow(
  row: Pick<Row, "id" | "scenario" | "variant" | "units" | "counts">,
  run: { outcomes: readonly JobOutcome[]; expectedStatus: string; startedAt: number; seconds: number; timedOut: boolean },
  extra: Row["extra"] = {},
): Row {
  const latencies = latenciesOf(run.outcomes, run.expectedStatus);
  const lastFinished = Math.max(
    ...run.outcomes.flatMap((job) => (job.status === run.expectedStatus && job.finishedAt ? [job.finishedAt.getTime()] : [])),
  );
  const busySeconds = (lastFinished - run.startedAt) / 1000;
  return {
    ...row,
    per: "job",
    completed: latencies.length,
    seconds: run.seconds,
    throughput: latencies.length > 0 && busySeconds > 0 ? latencies.length / busySeconds : 0,
    latencyMs: spreadOf(latencies),
    extra: {
      statuses: JSON.stringify(statusCounts(run.outcomes)),
      timed_out: run.timedOut ? "yes" : "no",
      until_last_final_s: latencies.length > 0 ? Number(busySeconds.toFixed(2)) : "–",
      ...extra,
    },
  };
}
