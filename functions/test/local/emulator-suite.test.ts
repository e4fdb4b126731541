/**
 * scripts/emulator-suite.sh, with its commands stubbed: the params get their values before anything
 * reads them, the console is built for the project and region the suite emulates, whatever project
 * or region the developer's shell names, and the suite runs with the first runner there is, or is refused,
 * before the minute of building, in one line saying what to install.
 */
import { execFile } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { DEMO_PROJECT_ID } from "../../src/local/project";
import { FUNCTIONS_DIR } from "../helpers/processes";

const run = promisify(execFile);

/** Holds the repository root (`repo`, where the script runs) and, beside it, what `../shared` would hold. */
let sandbox: string;
let repo: string;
beforeEach(() => {
  sandbox = mkdtempSync(join(tmpdir(), "emulator-suite-"));
  repo = join(sandbox, "repo");
  for (const dir of ["bin", "console/node_modules", "functions/node_modules/.bin"]) mkdirSync(join(repo, dir), { recursive: true });
  stub("bin/npm");
  // The params script: the region the emulated functions get, from the project's env files.
  stub("functions/node_modules/.bin/tsx", "us-east4");
});
afterEach(() => rmSync(sandbox, { recursive: true, force: true }));

/** A stub at `path` (in the repository) that logs its name, the project and region it was given, and its arguments; `output` on stdout. */
function stub(path: string, output = ""): void {
  const file = join(repo, path);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(
    file,
    `#!/usr/bin/env bash\necho "$(basename "$0") GCLOUD_PROJECT=\${GCLOUD_PROJECT:-} TASKS_LOCATION=\${TASKS_LOCATION:-} $*" >> "${sandbox}/calls"\n${output ? `echo ${output}\n` : ""}`,
  );
  chmodSync(file, 0o755);
}

/** A `java` on the stubs' PATH whose `-version` names `version`, as a JDK does (on stderr). */
function java(version: string): void {
  writeFileSync(join(repo, "bin/java"), `#!/usr/bin/env bash\necho 'openjdk version "${version}" 2024-01-16' >&2\n`);
  chmodSync(join(repo, "bin/java"), 0o755);
}

/**
 * Runs `emulator_suite "the command"` in the repository with `env` over this process's (with no runner,
 * project or region named), on a PATH of the stubs and only what they need (no firebase, no java of this
 * machine's); what the stubs were called with.
 */
async function emulatorSuite(env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stderr: string; calls: string[] }> {
  const tools = join(sandbox, "tools");
  mkdirSync(tools);
  for (const tool of ["bash", "basename"]) symlinkSync((await run("bash", ["-c", `command -v ${tool}`])).stdout.trim(), join(tools, tool));
  const script = `source ${JSON.stringify(join(FUNCTIONS_DIR, "scripts/emulator-suite.sh"))} && emulator_suite "the command"`;
  const options = {
    cwd: repo,
    env: { ...process.env, PATH: `${join(repo, "bin")}:${tools}`, FIREBASE_EMULATORS: "", GCLOUD_PROJECT: "", TASKS_LOCATION: "", ...env },
  };
  const outcome = await run("bash", ["-c", script], options).then(
    ({ stderr }) => ({ code: 0, stderr }),
    (failure: { code: number; stderr: string }) => ({ code: failure.code, stderr: failure.stderr }),
  );
  const calls = join(sandbox, "calls");
  return { ...outcome, calls: existsSync(calls) ? readFileSync(calls, "utf8").trim().split("\n") : [] };
}

/** The call that starts the suite, by the runner named `runner`. */
const suiteCall = (runner: string) =>
  `${runner} GCLOUD_PROJECT= TASKS_LOCATION= emulators:exec --only firestore,functions,tasks,pubsub,auth,hosting --project ${DEMO_PROJECT_ID} the command`;

it("writes the params, then builds the console for the emulated project and the functions' region, then starts the suite", async () => {
  stub("bin/emulators");
  const { code, calls } = await emulatorSuite({
    FIREBASE_EMULATORS: join(repo, "bin/emulators"),
    GCLOUD_PROJECT: "my-prod",
    TASKS_LOCATION: "europe-west1",
  });
  expect(code).toBe(0);
  expect(calls).toEqual([
    "npm GCLOUD_PROJECT=my-prod TASKS_LOCATION=europe-west1 --prefix functions run build",
    `tsx GCLOUD_PROJECT=my-prod TASKS_LOCATION=europe-west1 functions/scripts/emulator-params.ts ${DEMO_PROJECT_ID} TASKS_LOCATION`,
    `npm GCLOUD_PROJECT=${DEMO_PROJECT_ID} TASKS_LOCATION=us-east4 --prefix console run build`,
    `emulators GCLOUD_PROJECT=my-prod TASKS_LOCATION=europe-west1 emulators:exec --only firestore,functions,tasks,pubsub,auth,hosting --project ${DEMO_PROJECT_ID} the command`,
  ]);
});

describe("the runner", () => {
  it("is ../shared/tools/firebase-emulators when it is there, which brings its own Java", async () => {
    stub("../shared/tools/firebase-emulators");
    stub("functions/node_modules/.bin/firebase");
    const { code, calls } = await emulatorSuite();
    expect(code).toBe(0);
    expect(calls.at(-1)).toBe(suiteCall("firebase-emulators"));
  });

  it.each([
    ["the one npm ci installed in functions/", "functions/node_modules/.bin/firebase"],
    ["the one on PATH", "bin/firebase"],
  ])("else is the firebase CLI, %s, with Java 21 or newer", async (_where, path) => {
    stub(path);
    java("21.0.2");
    const { code, calls } = await emulatorSuite();
    expect(code).toBe(0);
    expect(calls.at(-1)).toBe(suiteCall("firebase"));
  });

  /** The firebase CLI `npm ci` installs, and a java of `version`, if any. */
  const cliWithJava = (version?: string) => () => {
    stub("functions/node_modules/.bin/firebase");
    if (version) java(version);
  };
  const needsJava = (found: string) =>
    `emulator suite: the Firebase CLI's emulators need Java 21 or newer, and ${found}: install Java 21+ (e.g. openjdk-21-jre-headless or Temurin 21) and put it first on PATH`;
  it.each<[string, () => void, NodeJS.ProcessEnv, string]>([
    [
      "no firebase CLI",
      () => java("21.0.2"),
      {},
      "emulator suite: no Firebase CLI: run npm --prefix functions ci (it installs firebase-tools), or install firebase-tools (npm install -g firebase-tools)",
    ],
    ["a Java older than 21", cliWithJava("17.0.15"), {}, needsJava("java on PATH is Java 17")],
    ["Java 8, which names itself 1.8", cliWithJava("1.8.0_402"), {}, needsJava("java on PATH is Java 8")],
    ["no java", cliWithJava(), {}, needsJava("there is no java on PATH")],
    [
      "a FIREBASE_EMULATORS that is no program",
      cliWithJava("21.0.2"),
      { FIREBASE_EMULATORS: "/nowhere/emulators" },
      "emulator suite: FIREBASE_EMULATORS is /nowhere/emulators, which is no program",
    ],
  ])("is refused, with nothing built, in one line saying what to install: %s", async (_what, arrange, env, line) => {
    arrange();
    const { code, stderr, calls } = await emulatorSuite(env);
    expect(stderr).toBe(`${line}\n`);
    expect(calls).toEqual([]);
    expect(code).toBe(1);
  });
});
