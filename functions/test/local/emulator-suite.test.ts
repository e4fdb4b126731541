/**
 * scripts/emulator-suite.sh, with its commands stubbed: the params get their values before anything
 * reads them, and the console is built for the project and region the suite emulates, whatever project
 * or region the developer's shell names.
 */
import { execFile } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { DEMO_PROJECT_ID } from "../../src/local/project";
import { FUNCTIONS_DIR } from "../helpers/processes";

const run = promisify(execFile);

let root: string;
afterEach(() => rmSync(root, { recursive: true, force: true }));

/** A stub that logs its name, the project and region it was given, and its arguments; `output` on stdout. */
function stub(path: string, output = ""): void {
  writeFileSync(
    path,
    `#!/usr/bin/env bash\necho "$(basename "$0") GCLOUD_PROJECT=\${GCLOUD_PROJECT:-} TASKS_LOCATION=\${TASKS_LOCATION:-} $*" >> "${root}/calls"\n${output ? `echo ${output}\n` : ""}`,
  );
  chmodSync(path, 0o755);
}

it("writes the params, then builds the console for the emulated project and the functions' region, then starts the suite", async () => {
  root = mkdtempSync(join(tmpdir(), "emulator-suite-"));
  for (const dir of ["bin", "console/node_modules", "functions/node_modules/.bin"]) mkdirSync(join(root, dir), { recursive: true });
  stub(join(root, "bin/npm"));
  stub(join(root, "bin/emulators"));
  // The params script: the region the emulated functions get, from the project's env files.
  stub(join(root, "functions/node_modules/.bin/tsx"), "us-east4");

  const script = `source ${JSON.stringify(join(FUNCTIONS_DIR, "scripts/emulator-suite.sh"))} && emulator_suite "the command"`;
  await run("bash", ["-c", script], {
    cwd: root,
    env: {
      ...process.env,
      PATH: `${join(root, "bin")}:${process.env.PATH ?? ""}`,
      FIREBASE_EMULATORS: join(root, "bin/emulators"),
      GCLOUD_PROJECT: "my-prod",
      TASKS_LOCATION: "europe-west1",
    },
  });

  const calls = readFileSync(join(root, "calls"), "utf8").trim().split("\n");
  expect(calls).toEqual([
    "npm GCLOUD_PROJECT=my-prod TASKS_LOCATION=europe-west1 --prefix functions run build",
    `tsx GCLOUD_PROJECT=my-prod TASKS_LOCATION=europe-west1 functions/scripts/emulator-params.ts ${DEMO_PROJECT_ID} TASKS_LOCATION`,
    `npm GCLOUD_PROJECT=${DEMO_PROJECT_ID} TASKS_LOCATION=us-east4 --prefix console run build`,
    `emulators GCLOUD_PROJECT=my-prod TASKS_LOCATION=europe-west1 emulators:exec --only firestore,functions,tasks,pubsub,auth,hosting --project ${DEMO_PROJECT_ID} the command`,
  ]);
});
