/**
 * The worker path: N jobs queued first, then W workers (each with its own Firestore client, as W
 * function instances would have) poll, lease, run and finish them until none is left, through the
 * public engine API (`engine.worker(id).runNext(lanes)`). Two kinds of job:
 *
 * - no-change: a FAMILY_AUDIT whose handler returns at once and changes nothing, so what is measured
 *   is the engine's own cost per job (poll, lease, status writes, attempt log, run history, daily totals);
 * - one-operation apply: a real TARGETED_FIX that patches one exercise (family lock, catalog reads,
 *   validation, the ApplyEngine's fenced write with idempotency record and journal entry). Each job
 *   patches an exercise of its own family, so jobs never wait for each other's locks.
 *
 * Every job is queued before the workers start, so a job's latency includes its wait in the backlog.
 */
import type { Firestore } from "firebase-admin/firestore";
import { type EngineConfig, loadEngineConfig } from "../../src/config";
import { createEngine } from "../../src/create-engine";
import { DEMO_EXERCISES, DEMO_FAMILIES } from "../../src/catalog/demo-catalog";
import { CATALOG_COLLECTIONS } from "../../src/catalog/collections";
import type { CatalogDeps } from "../../src/handlers/support/catalog-handler";
import type { CreateJobInput } from "../../src/jobs/model";
import type { JobRegistry } from "../../src/jobs/registry";
import { registryWith } from "../../test/helpers/registry";
import { OpCounter } from "../billing-counter";
import { withClients } from "../support/clients";
import type { BenchContext } from "../support/context";
import { backlogPriority } from "../settings";
import { NO_TASKS, createJobs, jobsRow, readJobOutcomes } from "../support/jobs";
import { ErrorTally } from "../support/errors";
import type { Row } from "../support/row";

export interface WorkerJobKind {
  key: "no_change" | "apply";
  scenario: string;
  expectedStatus: string;
  config: EngineConfig;
  registry?: JobRegistry<CatalogDeps>;
  /** Seeds what the jobs need and returns the jobs to create, over `priorities` priorities (`backlogPriority`). */
  prepare(seeder: Firestore, jobs: number, priorities: number): Promise<Omit<CreateJobInput, "created_by">[]>;
}

export const NO_CHANGE_JOB: WorkerJobKind = {
  key: "no_change",
  scenario: "worker path: no-change job",
  expectedStatus: "succeeded_dry_run",
  config: loadEngineConfig({}),
  registry: registryWith({
    FAMILY_AUDIT: { run: () => Promise.resolve({ kind: "completed", status: "succeeded_dry_run", summary: {} }) },
  }),
  prepare: (_seeder, jobs, priorities) =>
    Promise.resolve(
      Array.from({ length: jobs }, (_, i) => ({
        type: "FAMILY_AUDIT",
        payload: { family_slug: "bench", mode: "dry_run" },
        priority: backlogPriority(i, priorities),
      })),
    ),
};

const TEMPLATE_EXERCISE = DEMO_EXERCISES[0];
const TEMPLATE_FAMILY = DEMO_FAMILIES.find((family) => family.family_slug === TEMPLATE_EXERCISE.family_slug)!;

export const APPLY_JOB: WorkerJobKind = {
  key: "apply",
  scenario: "worker path: one-operation apply job",
  expectedStatus: "succeeded",
  config: { ...loadEngineConfig({}), applyEnabled: true },
  async prepare(seeder, jobs, priorities) {
    const exerciseIds: string[] = [];
    for (let start = 0; start < jobs; start += 200) {
      const batch = seeder.batch();
      for (let i = start; i < Math.min(jobs, start + 200); i++) {
        // A one-exercise family per job: its lock is its own.
        const familySlug = `bench_family_${i}`;
        const { id: _templateId, ...exercise } = TEMPLATE_EXERCISE;
        const exerciseId = `${familySlug}__${exercise.name_slug}`;
        batch.set(seeder.collection(CATALOG_COLLECTIONS.families).doc(familySlug), {
          ...TEMPLATE_FAMILY,
          family_slug: familySlug,
          primary_equipment: exercise.equipment,
          allowed_equipment: exercise.equipment,
          exercise_count: 1,
        });
        batch.set(seeder.collection(CATALOG_COLLECTIONS.exercises).doc(exerciseId), { ...exercise, family_slug: familySlug });
        exerciseIds.push(exerciseId);
      }
      await batch.commit();
    }
    return exerciseIds.map((exerciseId, i) => ({
      type: "TARGETED_FIX",
      payload: {
        mode: "apply",
        exercise_doc_ids: [exerciseId],
        fix_type: "patch",
        fix_data: { patch: { description: `${TEMPLATE_EXERCISE.description} Patched by benchmark job ${i}.` } },
      },
      priority: backlogPriority(i, priorities),
    }));
  },
};

/** Runs the backlog through `workers` workers; stops at the level's time limit. */
export async function runWorkerLevel(ctx: BenchContext, kind: WorkerJobKind, jobs: number, workers: number): Promise<Row> {
  const project = await ctx.project();
  return withClients(project.id, async (clients) => {
    const seeder = clients.open("seeder");
    const seederEngine = createEngine({ db: seeder, config: kind.config, tasks: NO_TASKS, registry: kind.registry });
    await createJobs(seederEngine, await kind.prepare(seeder, jobs, ctx.settings.priorities));

    const counter = new OpCounter();
    const engines = Array.from({ length: workers }, (_, i) =>
      createEngine({ db: clients.open(`worker${i}`, counter), config: kind.config, tasks: NO_TASKS, registry: kind.registry }),
    );
    const deadline = Date.now() + ctx.settings.levelTimeoutMs;
    const errors = new ErrorTally();
    let runs = 0;
    const started = Date.now();
    await Promise.all(
      engines.map(async (engine, i) => {
        const worker = engine.worker(`bench-${kind.key}-${workers}-${i}`);
        // A worker stops when every job has run, or after three polls in a row found nothing it could lease.
        for (let misses = 0; runs < jobs && misses < 3 && Date.now() < deadline;) {
          if (await errors.guard(() => worker.runNext(["priority"]))) {
            runs++;
            misses = 0;
          } else misses++;
        }
      }),
    );
    const seconds = (Date.now() - started) / 1000;
    const timedOut = Date.now() >= deadline;
    const counts = counter.counts;
    const outcomes = await readJobOutcomes(seeder);
    return jobsRow(
      {
        id: `worker.${kind.key}@${workers}`,
        scenario: kind.scenario,
        variant: `${workers} worker${workers > 1 ? "s" : ""}, own clients`,
        units: jobs,
        counts,
      },
      { outcomes, expectedStatus: kind.expectedStatus, startedAt: started, seconds, timedOut },
      errors.extra,
    );
  });
}
