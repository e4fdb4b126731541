/** The console's build (vite.config.ts): the page's own chunk leaves the Days view and Chart.js to one fetched when needed. */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { describe, it } from "node:test";
import { build } from "vite";
import config from "../../vite.config";

/** The chunks the build makes, in memory: the dist/ the Hosting emulator serves stays as it is. */
async function builtChunks() {
  const built = await build({
    ...config,
    configFile: false,
    root: fileURLToPath(new URL("../..", import.meta.url)),
    logLevel: "silent",
    build: { ...config.build, write: false },
  });
  if (Array.isArray(built) || !("output" in built)) throw new Error("the console's build made no single output");
  return built.output.flatMap((file) => (file.type === "chunk" ? [file] : []));
}

const isChartJs = (moduleId: string) => moduleId.includes("/node_modules/chart.js/");
const isDaysView = (moduleId: string) => moduleId.endsWith("/src/views/days.tsx");

describe("the console's build", () => {
  it("loads the Days view and Chart.js in a chunk of their own, imported only when needed", async () => {
    const chunks = await builtChunks();
    const entries = chunks.filter((chunk) => chunk.isEntry);
    assert.equal(entries.length, 1);
    const [entry] = entries;
    assert.deepEqual(entry.moduleIds.filter(isChartJs), [], "Chart.js is in the page's own chunk");
    assert.deepEqual(entry.moduleIds.filter(isDaysView), [], "the Days view is in the page's own chunk");
    const days = chunks.find((chunk) => chunk.moduleIds.some(isDaysView));
    assert.ok(days?.isDynamicEntry, "the Days view is in no chunk imported on demand");
    assert.ok(days.moduleIds.some(isChartJs), "Chart.js is not with the Days view");
    assert.ok(entry.dynamicImports.includes(days.fileName) && !entry.imports.includes(days.fileName));
  });
});
