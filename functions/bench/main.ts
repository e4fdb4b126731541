/**
 * `npm run bench`: the benchmark of issue 12. Runs the scenarios against a real Firestore emulator
 * (started here, or the one FIRESTORE_EMULATOR_HOST names), counts every client's billed reads,
 * writes and RPCs (`billing-counter.ts`), prints one table with the targets, and writes
 * bench-results.json. Settings: `settings.ts` (BENCH_* variables). Exits non-zero when a scenario
 * failed (the others are still measured and written); a missed target is a MISS in the table.
 */
import "./quiet-logs";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { startOrFindEmulator } from "../src/local/emulator";
import { EmulatorTriggers } from "../src/local/emulator-triggers";
import { buildReport, renderReport } from "./report";
import { SCENARIOS, warmUp } from "./scenarios";
import { benchSettings } from "./settings";
import { benchContext } from "./support/context";
import type { Row } from "./support/row";

const PROJECT = "demo-catalog-bench";

async function main(): Promise<void> {
  const settings = benchSettings(process.env, process.argv.slice(2));
  const started = Date.now();
  const emulator = await startOrFindEmulator({ projectId: PROJECT, triggers: true, log: (line) => process.stderr.write(`${line}\n`) });
  process.env.FIRESTORE_EMULATOR_HOST = emulator.host;
  // Everything runs against the emulator, as with `npm start`: no Google metadata server to probe.
  process.env.METADATA_SERVER_DETECTION ??= "none";
  const triggers = emulator.triggerPort ? await EmulatorTriggers.listen(emulator.host, emulator.triggerPort, PROJECT) : undefined;
  const ctx = benchContext(emulator, PROJECT, settings, triggers);
  const rows: Row[] = [];
  const failures: string[] = [];
  try {
    ctx.progress("warming the emulator up…");
    await warmUp(ctx);
    for (const name of settings.scenarios) {
      ctx.progress(`${name}…`);
      // A scenario that fails is reported at the end; the others' rows are still measured and written.
      try {
        for (const row of await SCENARIOS[name](ctx)) {
          rows.push(row);
          ctx.progress(`  ${row.id}: ${row.completed}/${row.units} in ${row.seconds?.toFixed(1) ?? "–"} s`);
        }
      } catch (err) {
        failures.push(`${name}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
        ctx.progress(`  ${name} failed (reported at the end)`);
      }
    }
  } finally {
    await triggers?.close();
    await emulator.stop();
  }
  const report = buildReport(rows, emulator.backend, settings, (Date.now() - started) / 1000);
  console.log(renderReport(report));
  const file = path.resolve(__dirname, "..", settings.resultsFile);
  await writeFile(file, `${JSON.stringify(report, null, 2)}\n`);
  ctx.progress(`results written to ${file}`);
  if (failures.length > 0) {
    console.error(`\n${failures.length} scenario(s) failed:\n${failures.join("\n")}`);
    process.exitCode = 1;
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
