/**
 * Cold start: the time `require()` of the built entry module (lib/index.js, built here first) takes
 * in a fresh Node process, against a minimal module that declares the same kinds of function (read
 * from the entry module's own declarations) with empty bodies and loads nothing else. The two are
 * timed alternately, each in its own process, and compared by their medians.
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import type { BenchContext } from "../support/context";
import type { Row } from "../support/row";
import { median, spreadOf } from "../support/stats";

const run = promisify(execFile);
const FUNCTIONS_DIR = path.resolve(__dirname, "..", "..");
const ENTRY = path.join(FUNCTIONS_DIR, "lib", "index.js");

interface Endpoint {
  eventTrigger?: { eventType?: string };
  taskQueueTrigger?: unknown;
  scheduleTrigger?: unknown;
  callableTrigger?: unknown;
  httpsTrigger?: unknown;
}

/** How the minimal module declares each kind of function the entry module has. */
const DECLARATIONS: Array<{ kind: string; matches: (endpoint: Endpoint) => boolean; module: string; name: string; call: string }> = [
  {
    kind: "onDocumentCreatedWithAuthContext",
    matches: (e) => e.eventTrigger?.eventType === "google.cloud.firestore.document.v1.created.withAuthContext",
    module: "firebase-functions/v2/firestore",
    name: "onDocumentCreatedWithAuthContext",
    call: 'onDocumentCreatedWithAuthContext("docs/{id}", async () => {})',
  },
  {
    kind: "onDocumentCreated",
    matches: (e) => e.eventTrigger?.eventType === "google.cloud.firestore.document.v1.created",
    module: "firebase-functions/v2/firestore",
    name: "onDocumentCreated",
    call: 'onDocumentCreated("docs/{id}", async () => {})',
  },
  {
    kind: "onTaskDispatched",
    matches: (e) => e.taskQueueTrigger !== undefined,
    module: "firebase-functions/v2/tasks",
    name: "onTaskDispatched",
    call: "onTaskDispatched(async () => {})",
  },
  {
    kind: "onSchedule",
    matches: (e) => e.scheduleTrigger !== undefined,
    module: "firebase-functions/v2/scheduler",
    name: "onSchedule",
    call: 'onSchedule("every 5 minutes", async () => {})',
  },
  {
    kind: "onCall",
    matches: (e) => e.callableTrigger !== undefined,
    module: "firebase-functions/v2/https",
    name: "onCall",
    call: "onCall(() => null)",
  },
  {
    kind: "onRequest",
    matches: (e) => e.httpsTrigger !== undefined,
    module: "firebase-functions/v2/https",
    name: "onRequest",
    call: "onRequest((_req, res) => { res.end(); })",
  },
];

/**
 * Loads the entry module in a child process and reads each exported function's declaration; the
 * functions of an exported group (deployed as `<group>-<name>`) are named `<group>.<name>`.
 */
async function declaredFunctions(env: NodeJS.ProcessEnv): Promise<Array<[string, Endpoint]>> {
  const script = `const m = require(${JSON.stringify(ENTRY)});
    const declared = ([n, f]) => f && !f.__endpoint && typeof f === "object"
      ? Object.entries(f).map(([k, g]) => [n + "." + k, (g && g.__endpoint) || {}])
      : [[n, (f && f.__endpoint) || {}]];
    process.stdout.write(JSON.stringify(Object.entries(m).flatMap(declared)));`;
  const { stdout } = await run(process.execPath, ["-e", script], { env });
  return JSON.parse(stdout) as Array<[string, Endpoint]>;
}

function minimalModule(functions: Array<[string, Endpoint]>): { source: string; kinds: string[] } {
  const used = functions.map(([name, endpoint]) => {
    const declaration = DECLARATIONS.find((candidate) => candidate.matches(endpoint));
    if (!declaration)
      throw new Error(`module-load: no minimal declaration for ${name} (${JSON.stringify(endpoint)}); add one to DECLARATIONS`);
    return { name, declaration };
  });
  const imports = new Map<string, Set<string>>();
  for (const { declaration } of used) imports.set(declaration.module, (imports.get(declaration.module) ?? new Set()).add(declaration.name));
  const source = [
    '"use strict";',
    ...[...imports].map(([module, names]) => `const { ${[...names].join(", ")} } = require(${JSON.stringify(module)});`),
    ...[...new Set(used.filter(({ name }) => name.includes(".")).map(({ name }) => name.split(".")[0]))].map(
      (group) => `exports.${group} = {};`,
    ),
    ...used.map(({ name, declaration }) => `exports.${name} = ${declaration.call};`),
  ].join("\n");
  return { source, kinds: [...new Set(used.map(({ declaration }) => declaration.kind))] };
}

/** Milliseconds `require(file)` takes in a fresh process. */
async function timeRequire(file: string, env: NodeJS.ProcessEnv): Promise<number> {
  const script = `const t = process.hrtime.bigint(); require(process.argv[1]); process.stdout.write(String(Number(process.hrtime.bigint() - t) / 1e6));`;
  const { stdout } = await run(process.execPath, ["-e", script, file], { env });
  return Number(stdout);
}

export async function runModuleLoad(ctx: BenchContext): Promise<Row[]> {
  const buildStarted = Date.now();
  await run(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", "tsconfig.build.json"], { cwd: FUNCTIONS_DIR });
  const buildSeconds = (Date.now() - buildStarted) / 1000;
  // The minimal module lives outside the package; NODE_PATH lets it find the same firebase-functions.
  const env = { ...process.env, GCLOUD_PROJECT: (await ctx.project()).id, NODE_PATH: path.join(FUNCTIONS_DIR, "node_modules") };
  const { source, kinds } = minimalModule(await declaredFunctions(env));
  const dir = await mkdtemp(path.join(tmpdir(), "catalog-bench-minimal-"));
  const minimal = path.join(dir, "index.js");
  try {
    await writeFile(minimal, source);
    const times = { entry: [] as number[], minimal: [] as number[] };
    for (let i = 0; i < ctx.settings.loadRuns; i++) {
      times.entry.push(await timeRequire(ENTRY, env));
      times.minimal.push(await timeRequire(minimal, env));
    }
    const row = (which: "entry" | "minimal", variant: string, extra: Row["extra"]): Row => ({
      id: `load.${which}`,
      scenario: "module load (fresh process)",
      variant,
      per: "load",
      units: times[which].length,
      completed: times[which].length,
      counts: null,
      seconds: times[which].reduce((sum, ms) => sum + ms, 0) / 1000,
      throughput: null,
      latencyMs: { ...spreadOf(times[which])!, p50: median(times[which]) },
      extra: { latency_is: "require() time", ...extra },
    });
    return [
      row("entry", "lib/index.js (built)", { build_seconds: buildSeconds }),
      row("minimal", `minimal module: ${kinds.join(", ")}`, {}),
    ];
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
