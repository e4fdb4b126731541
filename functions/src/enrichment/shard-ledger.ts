/**
 * A shard's ledger of finished exercises, `catalog_jobs/{shardId}/exercise_results/{exerciseId}`
 * (a dry run's too: its previewed ones). An entry is written, fenced by the lease, once an exercise
 * is done (failed too, when a retry would fail it again), and the ledger is read when an attempt
 * starts, so a retry never sends finished work to the LLM again. An exercise applied just before a
 * crash, before its entry was written, is found in the change journal, which the ApplyEngine writes
 * in the same transaction as the change itself.
 */
import { type Firestore, Timestamp } from "firebase-admin/firestore";
import { APPLY_COLLECTIONS } from "../apply/collections";
import type { JobScope } from "../jobs/handler";
import { JOB_COLLECTIONS } from "../jobs/collections";
import { type ExerciseOutcome, type ShardCounts, ShardTally, exerciseOutcomeSchema } from "./shard-tally";
import { isPlainRecord, type DocData } from "../util/object-paths";
import { pageCollection } from "../util/paging";

export const EXERCISE_RESULTS = "exercise_results";

/** The counts of what shard `shardId` recorded in its ledger, over its `total` exercises. A shard has at most 100, so one read. */
export async function ledgerCounts(db: Firestore, shardId: string, total: number): Promise<ShardCounts> {
  const tally = new ShardTally(total);
  const snap = await db.collection(JOB_COLLECTIONS.jobs).doc(shardId).collection(EXERCISE_RESULTS).get();
  for (const doc of snap.docs) {
    const entry = exerciseOutcomeSchema.safeParse(doc.data());
    if (entry.success) tally.add(entry.data);
  }
  return tally.shardCounts();
}

/** A patch this shard's job applied, as the journal recorded it. */
export interface JournaledPatch {
  exerciseId: string;
  changeId: string;
  paths: string[];
  /** The whole exercise after the change. */
  after: DocData;
}

export class ShardLedger {
  constructor(
    private readonly db: Firestore,
    private readonly jobId: string,
    private readonly engine: Pick<JobScope, "ref" | "fenced" | "expiry">,
    private readonly now: () => Date,
  ) {}

  private get entries() {
    return this.engine.ref.collection(EXERCISE_RESULTS);
  }

  /**
   * Finished exercises by id: those this run of the shard does not send to the LLM again. A failure the
   * shard recorded is finished only in the run that met it: an operator's retry since (`requeuedAt`,
   * the job's) asks again. A shard has at most 100, so one read.
   */
  async finished(requeuedAt: Date | null): Promise<Map<string, ExerciseOutcome>> {
    const snap = await this.entries.get();
    const finished = new Map<string, ExerciseOutcome>();
    for (const doc of snap.docs) {
      const entry = exerciseOutcomeSchema.safeParse(doc.data());
      if (!entry.success) continue;
      const recordedAt: unknown = doc.get("recorded_at");
      const thisRun = requeuedAt === null || (recordedAt instanceof Timestamp && recordedAt.toMillis() > requeuedAt.getTime());
      if (entry.data.outcome !== "failed" || thisRun) finished.set(doc.id, entry.data);
    }
    return finished;
  }

  /** Exercise patches the change journal holds for this job (still applied, not reverted). */
  async journaledPatches(): Promise<JournaledPatch[]> {
    const query = this.db.collection(APPLY_COLLECTIONS.changes).where("job_id", "==", this.jobId);
    const patches: JournaledPatch[] = [];
    for await (const page of pageCollection(query)) {
      for (const doc of page) {
        const [document] = (doc.get("documents") as unknown[] | undefined) ?? [];
        if (doc.get("op") !== "patch_fields" || doc.get("status") !== "applied" || !isPlainRecord(document)) continue;
        if (typeof document.id !== "string" || !isPlainRecord(document.after)) continue;
        const paths = Array.isArray(document.changed_paths)
          ? document.changed_paths.filter((path): path is string => typeof path === "string")
          : [];
        patches.push({ exerciseId: document.id, changeId: doc.id, paths, after: document.after });
      }
    }
    return patches;
  }

  async record(outcome: ExerciseOutcome): Promise<void> {
    await this.engine.fenced((tx) => {
      tx.set(this.entries.doc(outcome.exercise_id), {
        ...outcome,
        recorded_at: Timestamp.fromDate(this.now()),
        expire_at: this.engine.expiry(),
      });
    });
  }
}
