/**
 * One CATALOG_ENRICH_FIELD_SHARD job in apply mode over the first exercises of the demo catalog, run
 * by one worker with the deterministic fake LLM answering after a fixed latency, at each shard
 * concurrency (ENRICH_CONCURRENCY). Measured: the job's wall time (lease to the end of its
 * bookkeeping), what it bills, and its LLM calls. Each concurrency starts from a fresh catalog.
 */
import { loadEngineConfig } from "../../src/config";
import { createEngine } from "../../src/create-engine";
import { DEMO_EXERCISES } from "../../src/catalog/demo-catalog";
import { seedDemoCatalog } from "../../src/local/seed";
import { FakeLlmClient } from "../../src/llm";
import { countOps } from "../billing-counter";
import { withClients } from "../support/clients";
import type { BenchContext } from "../support/context";
import { NO_TASKS, createJobs, readJobOutcomes } from "../support/jobs";
import type { Row } from "../support/row";

export async function runEnrichmentShard(ctx: BenchContext, concurrency: number): Promise<Row> {
  const { shardSize, llmLatencyMs } = ctx.settings;
  if (shardSize > DEMO_EXERCISES.length) throw new Error(`BENCH_SHARD_SIZE: the demo catalog has ${DEMO_EXERCISES.length} exercises`);
  const project = await ctx.project();
  return withClients(project.id, async (clients) => {
    const seeder = clients.open("shard-seeder");
    await seedDemoCatalog(seeder);
    const config = { ...loadEngineConfig({}), applyEnabled: true, enrichConcurrency: concurrency };
    await createJobs(createEngine({ db: seeder, config, tasks: NO_TASKS }), [
      {
        type: "CATALOG_ENRICH_FIELD_SHARD",
        payload: {
          mode: "apply",
          parent_job_id: "bench-enrichment",
          exercise_doc_ids: DEMO_EXERCISES.slice(0, shardSize).map((exercise) => exercise.id),
          enrichment_spec: { spec_id: "bench", spec_version: 1 },
        },
      },
    ]);
    const db = clients.open("shard-worker");
    const llm = new FakeLlmClient({ latencyMs: llmLatencyMs });
    const engine = createEngine({ db, config, tasks: NO_TASKS, llm });
    const started = Date.now();
    const { result: report, counts } = await countOps(db, () => engine.worker("bench-shard").runNext(["maintenance"]));
    const ms = Date.now() - started;
    const [job] = await readJobOutcomes(seeder);
    return {
      id: `shard.c${concurrency}`,
      scenario: `enrichment shard of ${shardSize}, fake LLM ${llmLatencyMs} ms`,
      variant: `concurrency ${concurrency}`,
      per: "shard",
      units: 1,
      // Done only as applied: a shard that failed fast would have a short wall time.
      completed: report && job?.status === "succeeded" ? 1 : 0,
      counts,
      seconds: ms / 1000,
      throughput: null,
      latencyMs: { p50: ms, p95: ms, max: ms },
      extra: { latency_is: "the job's wall time", status: job?.status ?? "missing", llm_calls: llm.calls.length },
    };
  });
}
