/**
 * scripts/emulator-params.ts, run on temporary functions directories: every param reaches the Functions
 * emulator from exactly one env file, at its declared default unless a project file or the developer's own
 * `.env.local` lines set it, so the emulator has nothing to ask for or to write, and the project's files
 * are never shadowed by a value it wrote.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadUserEnvs, parse } from "firebase-tools/lib/functions/env";
import { dotenvLine, writeEmulatorParams } from "../../scripts/emulator-params";
import { PARAMS } from "../../src/config";
import { BLOCK_END, BLOCK_START } from "../../src/local/env-files";

const PROJECT = "demo-params";
// The value the emulator would offer; each default is a literal (emulator-params.ts refuses an expression).
const DEFAULTS = Object.fromEntries(
  Object.values(PARAMS).map(({ param }) => [param.name, String(param.options.default as string | number | boolean)]),
);
const NAMES = Object.keys(DEFAULTS);

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "emulator-params-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const write = (file: string, lines: string[]) => writeFileSync(join(dir, file), lines.map((line) => `${line}\n`).join(""));
const read = (file: string) => readFileSync(join(dir, file), "utf8");
const readOr = (file: string) => {
  try {
    return read(file);
  } catch {
    return "";
  }
};
/** What the emulated functions get, read by the emulator's own reader. */
const emulated = () => loadUserEnvs({ functionsSource: dir, projectDir: dir, projectId: PROJECT, isEmulator: true });
/** How many of the three files set `name`. */
const definitions = (name: string) =>
  [".env", `.env.${PROJECT}`, ".env.local"].filter((file) => Object.hasOwn(parse(readOr(file)).envs, name)).length;
/** The lines of .env.local outside the generated block. */
const ownLines = () => {
  const lines = read(".env.local").split("\n");
  return [...lines.slice(0, lines.indexOf(BLOCK_START)), ...lines.slice(lines.indexOf(BLOCK_END) + 1)].filter((l) => l !== "");
};

it("gives every param a value in exactly one file: the project's where they set it, else the declared default", () => {
  write(".env", ["TASKS_LOCATION=europe-west1"]);
  write(`.env.${PROJECT}`, ["# the demo project", "CATALOG_APPLY_ENABLED=true"]);

  const { generated } = writeEmulatorParams(dir, PROJECT);

  expect(generated.sort()).toEqual(NAMES.filter((name) => name !== "TASKS_LOCATION" && name !== "CATALOG_APPLY_ENABLED").sort());
  for (const name of NAMES) expect([name, definitions(name)]).toEqual([name, 1]);
  expect(emulated()).toEqual({ ...DEFAULTS, TASKS_LOCATION: "europe-west1", CATALOG_APPLY_ENABLED: "true" });
});

it("rewrites only its block, keeping the developer's lines where they are, and lets a project file's new value through", () => {
  write(`.env.${PROJECT}`, ["CATALOG_APPLY_ENABLED=true"]);
  const mine = ["# my overrides", "LLM_PROVIDER=vertex", "CATALOG_APPLY_ENABLED=false"];
  write(".env.local", [...mine, BLOCK_START, "TASKS_LOCATION=us-central1", "A_PARAM_NO_LONGER_DECLARED=1", BLOCK_END, "MY_OWN_SETTING=x"]);
  write(".env", ["TASKS_LOCATION=europe-west1"]);

  const { generated, dropped, overrides } = writeEmulatorParams(dir, PROJECT);

  expect(read(".env.local").split("\n").slice(0, mine.length)).toEqual(mine);
  expect(ownLines()).toEqual([...mine, "MY_OWN_SETTING=x"]);
  expect(generated).not.toEqual(expect.arrayContaining(["TASKS_LOCATION"]));
  expect(generated).not.toEqual(expect.arrayContaining(["LLM_PROVIDER"]));
  expect(dropped).toEqual([]);
  expect(overrides).toEqual([{ name: "CATALOG_APPLY_ENABLED", local: "false", project: "true" }]);
  expect(emulated()).toEqual({
    ...DEFAULTS,
    TASKS_LOCATION: "europe-west1",
    LLM_PROVIDER: "vertex",
    CATALOG_APPLY_ENABLED: "false",
    MY_OWN_SETTING: "x",
  });
  for (const name of NAMES.filter((name) => name !== "CATALOG_APPLY_ENABLED")) expect([name, definitions(name)]).toEqual([name, 1]);

  // Run again, unchanged; then a project file sets a param the block had at its default.
  const once = read(".env.local");
  writeEmulatorParams(dir, PROJECT);
  expect(read(".env.local")).toBe(once);
  write(".env", ["TASKS_LOCATION=europe-west1", "MAX_REPAIRS=5"]);
  writeEmulatorParams(dir, PROJECT);
  expect(emulated().MAX_REPAIRS).toBe("5");
  expect(definitions("MAX_REPAIRS")).toBe(1);
  expect(ownLines()).toEqual([...mine, "MY_OWN_SETTING=x"]);
});

it("drops what the emulator wrote before the block existed, but not a value a developer chose", () => {
  write(`.env.${PROJECT}`, ["CATALOG_APPLY_ENABLED=true"]);
  // As the emulator writes them (functions/env.ts writeResolvedParams): every param no file set, then a developer's.
  const emulatorWrote = NAMES.filter((name) => name !== "CATALOG_APPLY_ENABLED").map((name) => `${name}=${DEFAULTS[name]}`);
  write(".env.local", [
    ...emulatorWrote.map((line) => (line.startsWith("LLM_PROVIDER=") ? "LLM_PROVIDER=vertex" : line)),
    "CATALOG_APPLY_ENABLED=false",
  ]);

  const { dropped } = writeEmulatorParams(dir, PROJECT);

  expect(dropped.sort()).toEqual(NAMES.filter((name) => name !== "CATALOG_APPLY_ENABLED" && name !== "LLM_PROVIDER").sort());
  expect(ownLines()).toEqual(["LLM_PROVIDER=vertex", "CATALOG_APPLY_ENABLED=false"]);
  expect(emulated()).toEqual({ ...DEFAULTS, LLM_PROVIDER: "vertex", CATALOG_APPLY_ENABLED: "false" });
  for (const name of NAMES.filter((name) => name !== "CATALOG_APPLY_ENABLED")) expect([name, definitions(name)]).toEqual([name, 1]);
});

it("creates .env.local when there is none, and refuses a block whose end marker is gone", () => {
  writeEmulatorParams(dir, PROJECT);
  expect(emulated()).toEqual(DEFAULTS);

  write(".env.local", ["MINE=1", BLOCK_START, "MAX_REPAIRS=3"]);
  expect(() => writeEmulatorParams(dir, PROJECT)).toThrow(/markers are broken/);
  expect(read(".env.local")).toBe(`MINE=1\n${BLOCK_START}\nMAX_REPAIRS=3\n`);
});

it.each([
  "",
  "0 2 * * *",
  "gemini-2.5-pro",
  '{"m": {"input_per_million": 1}}',
  "a # not a comment",
  " padded ",
  "back\\slash",
  "two\nlines",
  "it's",
])("writes %j so that firebase-tools reads it back as it was", (value) => {
  expect(parse(dotenvLine("X", value)).envs).toEqual({ X: value });
});
