/**
 * The watchdog (`engine.runWatchdog()`), one sweep each over: an empty database; many finished jobs;
 * the same plus some jobs whose lease expired (a dead worker's). The target is that its reads grow
 * with the expired leases only: the finished jobs add none, each expired lease a few. The jobs are
 * copies of a job the engine itself created, with their status and lease fields set, so they have
 * the form the engine writes.
 */
import { type DocumentData, type Firestore, Timestamp } from "firebase-admin/firestore";
import { loadEngineConfig } from "../../src/config";
import { createEngine } from "../../src/create-engine";
import { JOB_COLLECTIONS } from "../../src/jobs/collections";
import { countOps } from "../billing-counter";
import { withClients } from "../support/clients";
import type { BenchContext } from "../support/context";
import { NO_TASKS, createJobs } from "../support/jobs";
import type { Row } from "../support/row";
import { forEachBounded } from "../../src/util/bounded";

const FINAL_STATUSES = ["succeeded", "succeeded_dry_run", "failed", "cancelled", "deadletter", "needs_review"];
const config = loadEngineConfig({});

function finishedJob(template: DocumentData, i: number): DocumentData {
  const finishedAt = Timestamp.fromMillis(Date.now() - 60_000 - i);
  return {
    ...template,
    status: FINAL_STATUSES[i % FINAL_STATUSES.length],
    attempts: 1,
    lease_epoch: 1,
    lease_owner: null,
    lease_expires_at: null,
    started_at: finishedAt,
    finished_at: finishedAt,
    updated_at: finishedAt,
  };
}

function expiredLeaseJob(template: DocumentData): DocumentData {
  const now = Date.now();
  return {
    ...template,
    status: "running",
    attempts: 1,
    lease_epoch: 1,
    lease_owner: "bench-dead-worker",
    lease_expires_at: Timestamp.fromMillis(now - 60_000),
    started_at: Timestamp.fromMillis(now - 6 * 60_000),
    updated_at: Timestamp.fromMillis(now - 6 * 60_000),
  };
}

async function writeJobs(db: Firestore, prefix: string, docs: DocumentData[]): Promise<void> {
  const offsets = Array.from({ length: Math.ceil(docs.length / 500) }, (_, c) => c * 500);
  await forEachBounded(offsets, 4, async (offset) => {
    const batch = db.batch();
    docs
      .slice(offset, offset + 500)
      .forEach((doc, i) => batch.set(db.collection(JOB_COLLECTIONS.jobs).doc(`${prefix}-${offset + i}`), doc));
    await batch.commit();
  });
}

export async function runWatchdogScenario(ctx: BenchContext): Promise<Row[]> {
  const { watchdogFinished: finished, watchdogExpired: expired } = ctx.settings;
  const project = await ctx.project();
  return withClients(project.id, async (clients) => {
    const seeder = clients.open("watchdog-seeder");
    const [templateId] = await createJobs(createEngine({ db: seeder, config, tasks: NO_TASKS }), [
      { type: "FAMILY_AUDIT", payload: { family_slug: "bench", mode: "dry_run" } },
    ]);
    const template = (await seeder.collection(JOB_COLLECTIONS.jobs).doc(templateId).get()).data()!;
    await project.clear();

    const db = clients.open("watchdog");
    const engine = createEngine({ db, config, tasks: NO_TASKS });
    const sweep = async (id: string, variant: string, expiredLeases: number): Promise<Row> => {
      const started = Date.now();
      const { result: report, counts } = await countOps(db, () => engine.runWatchdog());
      const ms = Date.now() - started;
      return {
        id,
        scenario: "watchdog sweep",
        variant,
        per: "sweep",
        units: 1,
        // Done only with every expired lease taken back: a sweep that missed some read less for it.
        completed: report.complete && report.errors === 0 && report.expired_leases_recovered === expiredLeases ? 1 : 0,
        counts,
        seconds: ms / 1000,
        throughput: null,
        latencyMs: { p50: ms, p95: ms, max: ms },
        extra: { latency_is: "the sweep's wall time", expired_leases: expiredLeases, recovered: report.expired_leases_recovered },
      };
    };
    const rows = [await sweep("watchdog.empty", "empty database", 0)];
    await writeJobs(
      seeder,
      "finished",
      Array.from({ length: finished }, (_, i) => finishedJob(template, i)),
    );
    rows.push(await sweep("watchdog.finished", `${finished} finished jobs, no expired lease`, 0));
    await writeJobs(
      seeder,
      "expired",
      Array.from({ length: expired }, () => expiredLeaseJob(template)),
    );
    rows.push(await sweep("watchdog.expired", `${finished} finished jobs, ${expired} expired leases`, expired));
    return rows;
  });
}
