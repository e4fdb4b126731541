/**
 * `npm start`: a small demo of the queue against a Firestore emulator — create, lease, complete.
 */
import { initializeApp } from "firebase-admin/app";
import { getFirestore } from "firebase-admin/firestore";
import { JobQueue, newWorkerId } from "../jobs/queue";
import { startOrFindEmulator } from "./emulator";

const PROJECT_ID = process.env.GCLOUD_PROJECT ?? "demo-catalog-jobs";

async function main(): Promise<void> {
  const emulator = await startOrFindEmulator({ projectId: PROJECT_ID });
  process.env.FIRESTORE_EMULATOR_HOST = emulator.host;
  try {
    initializeApp({ projectId: PROJECT_ID });
    const queue = new JobQueue(getFirestore());
    const worker = newWorkerId("demo");
    const created = await queue.createJob({ type: "FAMILY_AUDIT", payload: { family_slug: "bench_press" }, created_by: "system:demo" });
    console.log(`created job ${created.jobId}`);
    const leased = await queue.leaseNextJob(worker);
    if (!leased) throw new Error("nothing to lease");
    console.log(`${worker} leased ${leased.job.id} (${leased.job.type}, attempt ${leased.job.attempts}, epoch ${leased.lease.epoch})`);
    await queue.markRunning(leased.lease);
    await queue.completeJob(leased.lease, { status: "succeeded_dry_run", result_summary: { demo: true } });
    console.log(`completed: ${JSON.stringify(await queue.getJob(leased.job.id).then((j) => j?.status))}`);
  } finally {
    await emulator.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
