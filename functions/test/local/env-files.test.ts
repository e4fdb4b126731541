/**
 * The reader of the functions' `.env` files that the CLI and `npm start` share, held to firebase-tools'
 * own (the deploy's and the Functions emulator's): each text of the table parses to the values
 * firebase-tools' `parse` gives it, those written out beside it; the files are read in the order its
 * `loadUserEnvs` reads them, under the environment's own values, but for the block of `.env.local` generated
 * for the Emulator Suite, which it leaves out. Then the CLI as a process reads a
 * project's file (test/local/startup-check.test.ts runs `npm start` on them).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadUserEnvs, parse } from "firebase-tools/lib/functions/env";
import { writeEmulatorParams } from "../../scripts/emulator-params";
import { BLOCK_END, BLOCK_START, FUNCTIONS_DIR, envFileNames, loadEnvFiles, parseEnvFile } from "../../src/local/env-files";
import { runEntry } from "../helpers/processes";

/** A file's text and the values firebase-tools reads from it. */
const TEXTS: Array<[string, string, Record<string, string>]> = [
  ["plain", "TASKS_LOCATION=europe-west1", { TASKS_LOCATION: "europe-west1" }],
  ["double quotes", 'SCHEDULE_TIME_ZONE="Europe/Berlin"', { SCHEDULE_TIME_ZONE: "Europe/Berlin" }],
  ["single quotes", "SCHEDULE_TIME_ZONE='Europe/Berlin'", { SCHEDULE_TIME_ZONE: "Europe/Berlin" }],
  ["a quoted schedule", 'QUALITY_SCAN_SCHEDULE="15 5 * * 1-5"', { QUALITY_SCAN_SCHEDULE: "15 5 * * 1-5" }],
  ["a bare schedule", "QUALITY_SCAN_SCHEDULE=15 5 * * 1-5", { QUALITY_SCAN_SCHEDULE: "15 5 * * 1-5" }],
  ["a trailing comment", "TASKS_LOCATION=europe-west1 # region", { TASKS_LOCATION: "europe-west1" }],
  ["a comment after quotes", 'A="x # y" # z', { A: "x # y" }],
  ["a # in a bare value", "A=x#y", { A: "x" }],
  ["export", "export TASKS_LOCATION=europe-west1", { TASKS_LOCATION: "europe-west1" }],
  ["spaces around =", "  A  =  x y  ", { A: "x y" }],
  ["escapes in double quotes", String.raw`A="a\nb\tc\\d\"e\'f"`, { A: "a\nb\tc\\d\"e'f" }],
  ["no escapes in single quotes", String.raw`A='a\nb\'c'`, { A: String.raw`a\nb\'c` }],
  // As firebase-tools' formatUserEnvForWrite writes a value holding a quote.
  ["JSON written by the Firebase CLI", String.raw`LLM_PRICES_JSON="{\"m\":{\"in\":1}}"`, { LLM_PRICES_JSON: '{"m":{"in":1}}' }],
  ["quotes over several lines", 'A="one\ntwo"\nB=3', { A: "one\ntwo", B: "3" }],
  ["unmatched quotes", `A="x\nB='y`, { A: '"x', B: "'y" }],
  ["text after the quotes", 'A="x" y', { A: '"x" y' }],
  ["an empty value", "A=\nB=''\nC=\"\"", { A: "", B: "", C: "" }],
  ["blank lines and comments", "# params\n\n  # indented\nA=1\n\n\nB=2\n", { A: "1", B: "2" }],
  ["a key assigned twice (the last wins)", "A=1\nA=2", { A: "2" }],
  ["CRLF", 'A=1\r\nB="x"\r\nC=3 # c\r\n', { A: "1", B: "x", C: "3" }],
  ["a CRLF inside quotes", 'A=1\r\nB="x\r\ny"\r\n', { A: "1", B: "x\r\ny" }],
  ["lines that do not parse", "A=1\nnot an assignment\nB 2\n=3\nC=4", { A: "1", C: "4" }],
];

describe("parseEnvFile", () => {
  it.each(TEXTS)("reads %s as firebase-tools does", (_name, text, values) => {
    const firebase = parse(text);
    expect(firebase.envs).toEqual(values);
    expect(parseEnvFile(text)).toEqual({ values: firebase.envs, unparsed: firebase.errors });
  });

  it("names the lines that do not parse, as firebase-tools does", () => {
    expect(parseEnvFile("A=1\nnot an assignment\nB 2\n# fine\n").unparsed).toEqual(["not an assignment", "B 2"]);
  });
});

describe("loadEnvFiles", () => {
  const PROJECT = "demo-env-files";
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "env-files-"));
    writeFileSync(join(dir, ".env"), "A=env\nB=env\nC=env\nD=env\n");
    writeFileSync(join(dir, `.env.${PROJECT}`), "B=project\nC=project\n");
    writeFileSync(join(dir, ".env.other"), "A=other\n");
    writeFileSync(join(dir, ".env.local"), "C=local\n");
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const loaded = (project: string | undefined, emulator: boolean, env: NodeJS.ProcessEnv = {}) => {
    const warnings = loadEnvFiles(dir, envFileNames(project, emulator), { env });
    return { env, warnings };
  };
  const firebaseReads = (isEmulator: boolean) => loadUserEnvs({ functionsSource: dir, projectDir: dir, projectId: PROJECT, isEmulator });

  it.each([
    ["the deploy", false],
    ["the Functions emulator", true],
  ])("reads the files %s reads, in its order", (_reader, emulator) => {
    expect(loaded(PROJECT, emulator)).toEqual({ env: firebaseReads(emulator), warnings: [] });
  });

  it("reads .env alone for no project, and .env.local only on an emulator", () => {
    expect(loaded(undefined, false).env).toEqual({ A: "env", B: "env", C: "env", D: "env" });
    expect(loaded(PROJECT, false).env).toMatchObject({ C: "project" });
    expect(loaded(PROJECT, true).env).toMatchObject({ C: "local" });
  });

  it("takes only the variables named, with only", () => {
    const env: NodeJS.ProcessEnv = { B: "shell" };
    loadEnvFiles(dir, envFileNames(PROJECT, true), { env, only: new Set(["B", "C"]) });
    expect(env).toEqual({ B: "shell", C: "local" });
  });

  it("leaves the environment's own values, but fills in an empty one, which the params read as unset", () => {
    expect(loaded(PROJECT, true, { B: "shell", C: "", E: "shell" }).env).toEqual({
      A: "env",
      B: "shell",
      C: "local",
      D: "env",
      E: "shell",
    });
  });

  it("skips absent files and warns of lines that do not parse, taking the others", () => {
    writeFileSync(join(dir, `.env.${PROJECT}`), "B=project\nTASKS_LOCATION europe-west1\n");
    expect(loaded(PROJECT, false, {})).toEqual({
      env: { A: "env", B: "project", C: "env", D: "env" },
      warnings: [
        `${join(dir, `.env.${PROJECT}`)}: lines left out, neither an assignment nor a comment (the deploy refuses the file): TASKS_LOCATION europe-west1`,
      ],
    });
    expect(loaded("demo-no-file", false).env).toEqual({ A: "env", B: "env", C: "env", D: "env" });
  });

  describe("with the block the Emulator Suite generates in .env.local", () => {
    const localText = () => readFileSync(join(dir, ".env.local"), "utf8");
    beforeEach(() => {
      // As scripts/emulator-suite.sh leaves it: the developer's line C=local, then every param at its default.
      writeEmulatorParams(dir, PROJECT);
    });

    it("takes the developer's own lines and none of the block's", () => {
      expect(localText()).toMatch(/^LLM_PROVIDER=/m);
      expect(loaded(PROJECT, true)).toEqual({ env: { A: "env", B: "project", C: "local", D: "env" }, warnings: [] });
    });

    it("takes a param set in .env since the last Suite run, not the block's default", () => {
      expect(localText()).toMatch(/^ENRICH_SHARD_SIZE=/m);
      writeFileSync(join(dir, ".env"), "ENRICH_SHARD_SIZE=5\n");
      expect(loaded(PROJECT, true).env).toMatchObject({ ENRICH_SHARD_SIZE: "5", C: "local" });
    });

    it("takes another project's params, not the defaults the block holds for the Suite's project", () => {
      writeFileSync(join(dir, ".env.other"), "LLM_PROVIDER=vertex\n");
      expect(loaded("other", true).env).toMatchObject({ LLM_PROVIDER: "vertex", C: "local" });
    });

    it("reads a .env.local whose markers are broken as it is, with a warning", () => {
      writeFileSync(join(dir, ".env.local"), ["C=local", BLOCK_START, "LLM_PROVIDER=fake", ""].join("\n"));
      const { env, warnings } = loaded(PROJECT, true);
      expect(env).toMatchObject({ C: "local", LLM_PROVIDER: "fake" });
      expect(warnings).toEqual([expect.stringMatching(/\.env\.local: read with its generated block, whose markers are broken/)]);
      writeFileSync(join(dir, ".env.local"), ["C=local", BLOCK_END, "LLM_PROVIDER=fake", BLOCK_START, ""].join("\n"));
      expect(loaded(PROJECT, true).warnings).toHaveLength(1);
    });
  });
});

describe("the CLI as a process", () => {
  // A project of this run alone: its file in the functions directory, where the deploy looks for it.
  const project = `demo-env-files-${process.pid}`;
  const file = join(FUNCTIONS_DIR, `.env.${project}`);
  beforeAll(() =>
    writeFileSync(
      file,
      [
        "# as an operator writes them, and the Firebase CLI reads them",
        'export SCHEDULE_TIME_ZONE="Europe/Berlin"',
        "QUALITY_SCAN_SCHEDULE = '15 5 * * 1-5'   # weekdays",
        "QUALITY_SCAN_PRIORITY=250 # above the default",
        "MAINTENANCE_SCAN_PRIORITY=1",
        "MAINTENANCE_SCAN_PRIORITY=2",
        "",
      ].join("\n"),
    ),
  );
  afterAll(() => rmSync(file, { force: true }));

  /** The test's environment naming `project` and no emulator: `schedules` reads no data. */
  const { FIRESTORE_EMULATOR_HOST: _firestore, GOOGLE_CLOUD_PROJECT: _project, ...env } = process.env;
  const schedules = (extra: NodeJS.ProcessEnv = {}) =>
    runEntry("cli/main.ts", ["schedules", "--json"], { ...env, GCLOUD_PROJECT: project, ...extra });

  it("reads the params of functions/.env.<project> without being given them, the environment's own first", async () => {
    const [fromFile, fromEnvironment] = await Promise.all([schedules(), schedules({ QUALITY_SCAN_PRIORITY: "7" })]);
    expect(fromFile).toMatchObject({ code: 0, stderr: "" });
    const rows = JSON.parse(fromFile.stdout) as Array<Record<string, unknown>>;
    const row = (scan: string) => rows.find((candidate) => candidate.scan === scan);
    expect(row("QUALITY_SCAN")).toMatchObject({ schedule: "15 5 * * 1-5", time_zone: "Europe/Berlin", priority: 250 });
    expect(row("MAINTENANCE_SCAN")).toMatchObject({ time_zone: "Europe/Berlin", priority: 2 });

    expect(fromEnvironment).toMatchObject({ code: 0, stderr: "" });
    const quality = (JSON.parse(fromEnvironment.stdout) as Array<Record<string, unknown>>).find((r) => r.scan === "QUALITY_SCAN");
    expect(quality).toMatchObject({ schedule: "15 5 * * 1-5", priority: 7 });
  }, 120_000);
});
