/** Run history written as the engine writes it, for tests of its readers. */
import { type Firestore, Timestamp } from "firebase-admin/firestore";
import { type RunSummary, recordRun } from "../../src/jobs/run-history";

/** Records one attempt in its own batch, as the batch that ends an attempt does. */
export async function recordRunForTest(db: Firestore, run: RunSummary): Promise<void> {
  const batch = db.batch();
  recordRun(batch, db, run, Timestamp.now());
  await batch.commit();
}
