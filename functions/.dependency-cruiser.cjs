/**
 * The layers of functions/src, lowest first. A module may import its own layer and the layers
 * below it, never one above; the composition root (create-engine.ts) is the only place that joins
 * the engine with the handlers, and nothing imports the entry points.
 *
 *   util, config            generic helpers, params
 *   jobs                    the engine: model, lifecycle, queue, locks, worker, watchdog, flows, ...
 *   catalog, llm            the exercise catalog's rules and reads; the LLM port and adapters
 *   reviewer                the quality scanner
 *   apply                   ChangePlan, validation, ApplyEngine, journal, runPlan
 *   enrichment              LLM enrichment, plan repair, shard bookkeeping
 *   handlers                one file per job type, their plans and shared support
 *   tasks                   task queue adapters (Cloud Tasks, emulator, in-process)
 *   create-engine           the composition root
 *   schedules               the scheduled scans: their table, periods and producer
 *   adapters, local, cli    Cloud Functions adapters, the local runtime, the operator CLI
 *   index                   the Cloud Functions declarations
 */
const layers = [
  ["util", "config", "firestore"],
  ["jobs"],
  ["catalog", "llm"],
  ["reviewer"],
  ["apply"],
  ["enrichment"],
  ["handlers"],
  ["tasks"],
  ["create-engine"],
  ["schedules"],
  ["adapters", "local", "cli"],
  ["index"],
];

const pathOf = (name) => `^src/${name}(/|\\.ts$)`;
const above = (index) => layers.slice(index + 1).flat();

module.exports = {
  forbidden: [
    { name: "no-circular", severity: "error", from: {}, to: { circular: true } },
    ...layers.flatMap((names, index) =>
      above(index).length === 0
        ? []
        : [
            {
              name: `no-upward-import-from-${names.join("-")}`,
              comment: `${names.join(", ")} may not import a higher layer (${above(index).join(", ")})`,
              severity: "error",
              from: { path: names.map(pathOf) },
              to: { path: above(index).map(pathOf) },
            },
          ],
    ),
    {
      name: "catalog-and-llm-apart",
      comment: "the catalog rules and the LLM port do not depend on each other",
      severity: "error",
      from: { path: [pathOf("catalog")] },
      to: { path: [pathOf("llm")] },
    },
    {
      name: "llm-without-catalog",
      severity: "error",
      from: { path: [pathOf("llm")], pathNot: ["^src/llm/fake"] },
      to: { path: [pathOf("catalog")] },
    },
    { name: "not-to-unresolvable", severity: "error", from: {}, to: { couldNotResolve: true } },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    exclude: { path: "^(lib|node_modules)/" },
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["require", "node", "types", "default"],
      extensions: [".ts", ".js", ".d.ts"],
    },
  },
};
