/**
 * One project resolution for `npm start` and the CLI (`src/local/project.ts`), and one demo project id:
 * the copies that cannot import it (the console, the Emulator Suite's script, `.firebaserc`, the
 * params file of the demo project) are compared with it here.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { deleteApp, getApp } from "firebase-admin/app";
import { CATALOG_COLLECTIONS } from "../../src/catalog/collections";
import { firestoreClient, forgetFirestoreClient } from "../../src/firestore";
import { namedProject } from "../../src/config";
import { DEMO_PROJECT_ID, emulatorProject } from "../../src/local/project";
import { FUNCTIONS_DIR, runEntry as run } from "../helpers/processes";

const REPO = join(FUNCTIONS_DIR, "..");
const read = (path: string) => readFileSync(join(REPO, path), "utf8");

describe("the project", () => {
  it("is the one GCLOUD_PROJECT, else GOOGLE_CLOUD_PROJECT names; on an emulator the demo project when none is", () => {
    expect(emulatorProject({})).toBe(DEMO_PROJECT_ID);
    expect(emulatorProject({ GCLOUD_PROJECT: "" })).toBe(DEMO_PROJECT_ID);
    expect(emulatorProject({ GOOGLE_CLOUD_PROJECT: "demo-b" })).toBe("demo-b");
    expect(emulatorProject({ GCLOUD_PROJECT: "demo-a", GOOGLE_CLOUD_PROJECT: "demo-b" })).toBe("demo-a");
    expect(namedProject({})).toBeUndefined();
  });

  it.each([
    ["console/src/firebase.ts", () => /const DEMO_PROJECT_ID = "([^"]+)"/.exec(read("console/src/firebase.ts"))?.[1]],
    ["console/test/emulators.ts", () => /GCLOUD_PROJECT \?\? "([^"]+)"/.exec(read("console/test/emulators.ts"))?.[1]],
    ["functions/scripts/emulator-suite.sh", () => /^EMULATOR_SUITE_PROJECT=(\S+)$/m.exec(read("functions/scripts/emulator-suite.sh"))?.[1]],
    [".firebaserc", () => (JSON.parse(read(".firebaserc")) as { projects: { default: string } }).projects.default],
  ])("is the demo project id in %s", (_file, copy) => {
    expect(copy()).toBe(DEMO_PROJECT_ID);
  });

  it("has the demo project's params file, which the Emulator Suite loads by its name", () => {
    expect(existsSync(join(FUNCTIONS_DIR, `.env.${DEMO_PROJECT_ID}`))).toBe(true);
  });
});

it("npm start and the CLI work in the same emulator project, named by GOOGLE_CLOUD_PROJECT alone", async () => {
  // A project of this run only, so it starts empty.
  const project = `demo-meet-${process.pid}`;
  const { GCLOUD_PROJECT: _named, ...inherited } = process.env;
  const env = { ...inherited, GOOGLE_CLOUD_PROJECT: project, DEMO_JOBS: "0", EXIT_WHEN_DONE: "1" };

  const started = await run("local/main.ts", [], env);
  expect(started).toMatchObject({ code: 0, stdout: expect.stringContaining("seeded demo catalog") });
  const db = firestoreClient({ projectId: project }, project);
  try {
    expect((await db.collection(CATALOG_COLLECTIONS.exercises).count().get()).data().count).toBeGreaterThan(0);
  } finally {
    forgetFirestoreClient(project);
    await deleteApp(getApp(project));
  }

  // The CLI finds the catalog npm start seeded.
  const seeded = await run("cli/main.ts", ["seed"], env);
  expect(seeded).toMatchObject({ code: 1, stdout: "" });
  expect(seeded.stderr).toMatch(/^catalog-jobs seed: the catalog already holds documents/);
}, 240_000);
