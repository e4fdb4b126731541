/**
 * The client path: job documents written the way client apps write them (`add()` with type, payload,
 * status "queued" and created_at), run by `LocalRuntime` — the whole engine in one process, the
 * emulator's trigger callback playing the onDocumentCreated trigger (a listener when the emulator was
 * not started here) and its in-process task queue playing Cloud Tasks. The jobs are real
 * FAMILY_AUDIT dry runs over the demo catalog. Counted: the runtime's client (intake, lane tasks,
 * handlers, bookkeeping, a listener's messages) and the writing client's creates, so
 * the per-job figures are what the whole path bills. Two modes: a burst (every document written at
 * once) and paced (a steady rate).
 */
import { type Firestore, Timestamp } from "firebase-admin/firestore";
import { DEMO_FAMILIES } from "../../src/catalog/demo-catalog";
import { loadEngineConfig } from "../../src/config";
import { JOB_COLLECTIONS } from "../../src/jobs/collections";
import { LocalRuntime } from "../../src/local/runtime";
import { seedDemoCatalog } from "../../src/local/seed";
import { OpCounter } from "../billing-counter";
import { withClients } from "../support/clients";
import type { BenchContext } from "../support/context";
import { jobsRow, readJobOutcomes } from "../support/jobs";
import { ErrorTally } from "../support/errors";
import { untilDeadline } from "../support/deadline";
import type { Row } from "../support/row";

const EXPECTED_STATUS = "succeeded_dry_run";
const FINAL_CHECK_MS = 1000;

type Mode = "burst" | "paced";

function clientJob(i: number) {
  return {
    type: "FAMILY_AUDIT",
    payload: { family_slug: DEMO_FAMILIES[i % DEMO_FAMILIES.length].family_slug, mode: "dry_run" },
    status: "queued",
    created_at: Timestamp.now(),
  };
}

/** Writes the jobs as clients would; returns how many writes succeeded (a client can see a write fail). */
async function writeJobs(client: Firestore, jobs: number, mode: Mode, rate: number, refused: ErrorTally): Promise<number> {
  const collection = client.collection(JOB_COLLECTIONS.jobs);
  const write = (i: number) => refused.guard(() => collection.add(clientJob(i)));
  if (mode === "burst") return (await Promise.all(Array.from({ length: jobs }, (_, i) => write(i)))).filter(Boolean).length;
  const started = Date.now();
  const writes: Promise<unknown>[] = [];
  for (let i = 0; i < jobs; i++) {
    const due = started + (i * 1000) / rate;
    if (due > Date.now()) await new Promise((resolve) => setTimeout(resolve, due - Date.now()));
    writes.push(write(i));
  }
  return (await Promise.all(writes)).filter(Boolean).length;
}

/** Waits until `jobs` jobs are final (`finished_at` is set) or the deadline passes; a check that fails is tried again. */
async function waitForFinal(observer: Firestore, jobs: number, deadline: number): Promise<void> {
  const finished = observer.collection(JOB_COLLECTIONS.jobs).where("finished_at", "!=", null);
  while (Date.now() < deadline) {
    const count = await finished
      .count()
      .get()
      .then((snap) => snap.data().count)
      .catch(() => 0);
    if (count >= jobs) return;
    await new Promise((resolve) => setTimeout(resolve, FINAL_CHECK_MS));
  }
}

export async function runClientPath(ctx: BenchContext, mode: Mode): Promise<Row> {
  const { clientJobs: jobs, clientRate: rate, clientConcurrency: concurrency, clientTimeoutMs } = ctx.settings;
  const project = await ctx.project();
  return withClients(project.id, async (clients) => {
    const observer = clients.open("observer");
    await seedDemoCatalog(observer);
    const counter = new OpCounter();
    const errors: string[] = [];
    const runtime = new LocalRuntime({
      db: clients.open("runtime", counter),
      // How many lane tasks run at once: the deployed queue's param, which the runtime follows.
      config: loadEngineConfig(concurrency === undefined ? {} : { PRIORITY_LANE_MAX_CONCURRENT: String(concurrency) }),
      watchdogIntervalMs: 0,
      triggers: project.triggers,
      onError: (err, where) => errors.push(`${where}: ${String(err)}`),
    });
    await runtime.start();
    const writer = clients.open("client", counter);
    const deadline = Date.now() + clientTimeoutMs;
    const refused = new ErrorTally();
    const started = Date.now();
    try {
      const written = await writeJobs(writer, jobs, mode, rate, refused);
      await waitForFinal(observer, written, deadline);
      // Wake-ups still in flight when the last job is final are billed to the run too.
      await untilDeadline(runtime.idle(), deadline);
    } finally {
      await runtime.stop();
    }
    const seconds = (Date.now() - started) / 1000;
    const timedOut = Date.now() >= deadline;
    const counts = counter.counts;
    const outcomes = await readJobOutcomes(observer);
    const runtimeKind = `LocalRuntime (${project.triggers ? "emulator trigger" : "listener"}, ${runtime.maxConcurrent.priority} lane tasks)`;
    return jobsRow(
      {
        id: `client.${mode}`,
        scenario: "client path: FAMILY_AUDIT dry run",
        variant: mode === "burst" ? `burst, ${runtimeKind}` : `paced ${rate}/s, ${runtimeKind}`,
        units: jobs,
        counts,
      },
      { outcomes, expectedStatus: EXPECTED_STATUS, startedAt: started, seconds, timedOut },
      {
        runtime_errors: errors.length,
        ...(errors.length > 0 ? { first_runtime_error: errors[0].slice(0, 200) } : {}),
        ...Object.fromEntries(Object.entries(refused.extra).map(([key, value]) => [`client_write_${key}`, value])),
      },
    );
  });
}
