/** Run history written as the engine writes it, for tests of its readers. */
import { type DocumentSnapshot, type Firestore, Timestamp } from "firebase-admin/firestore";
import { JOB_COLLECTIONS } from "../../src/jobs/collections";
import { type RunSummary, recordRun } from "../../src/jobs/run-history";

/** Records one attempt in its own batch, as the batch that ends an attempt does. */
export async function recordRunForTest(db: Firestore, run: RunSummary): Promise<void> {
  const batch = db.batch();
  recordRun(batch, db, run, Timestamp.now());
  await batch.commit();
}

/** The run summary of lease `epoch` of job `jobId`, found by its fields; fails unless there is exactly one. */
export async function runSummaryDoc(db: Firestore, jobId: string, epoch: number): Promise<DocumentSnapshot> {
  const found = await db.collection(JOB_COLLECTIONS.runSummaries).where("job_id", "==", jobId).where("lease_epoch", "==", epoch).get();
  if (found.size !== 1) throw new Error(`${found.size} run summaries of ${jobId} at epoch ${epoch}`);
  return found.docs[0];
}
