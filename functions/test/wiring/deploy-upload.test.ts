/**
 * What `firebase deploy` uploads as the functions' source: the archive firebase-tools' own packaging
 * step (`prepareFunctionsUpload`) makes of `functions/` with firebase.json's `ignore`. Cloud Build runs
 * no package script on it (the CLI sets `GOOGLE_NODE_RUN_SCRIPTS` empty in `cloudfunctionsv2.ts`), only
 * `npm ci`, so the functions need the built `lib/` and the package manifests, nothing else: the deploy
 * reads the `.env` files from disk before it packages (`prepare.ts`) and hands their values to the
 * functions as environment variables.
 */
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);
const FUNCTIONS_DIR = resolve(__dirname, "../..");
const PROJECT_DIR = resolve(FUNCTIONS_DIR, "..");

/** What `npm ci` installs from, beside `lib/` (package.json's `main` is lib/index.js). */
const MANIFESTS = ["package-lock.json", "package.json"];

/** firebase-tools' packaging step (src/deploy/functions/prepareFunctionsUpload.ts): the package ships no type declarations. */
interface FunctionsPackaging {
  prepareFunctionsUpload: (
    projectDir: string,
    sourceDir: string,
    config: { ignore?: string[] },
    additionalSources: string[],
    runtimeConfig: undefined,
    options: { exportType: "zip" | "tar.gz" },
  ) => Promise<{ pathToSource: string }>;
}
const { prepareFunctionsUpload } = createRequire(__filename)(
  "firebase-tools/lib/deploy/functions/prepareFunctionsUpload",
) as FunctionsPackaging;

/** The files `firebase deploy` uploads from `sourceDir` with firebase.json's functions config, sorted. */
async function uploaded(sourceDir: string): Promise<string[]> {
  const firebaseJson = JSON.parse(await readFile(join(PROJECT_DIR, "firebase.json"), "utf8")) as {
    functions: Array<{ ignore?: string[] }>;
  };
  // A tarball, not the zip 2nd gen uploads: one file walk picks the files of both, and `tar` lists it.
  const { pathToSource } = await prepareFunctionsUpload(PROJECT_DIR, sourceDir, firebaseJson.functions[0], [], undefined, {
    exportType: "tar.gz",
  });
  try {
    const { stdout } = await run("tar", ["-tzf", pathToSource]);
    return stdout.split("\n").filter(Boolean).sort();
  } finally {
    await rm(pathToSource, { force: true });
  }
}

describe("the functions' source upload", () => {
  it("holds nothing of this checkout but the build and the package manifests", async () => {
    const files = await uploaded(FUNCTIONS_DIR);
    expect(files).toEqual(expect.arrayContaining(MANIFESTS));
    expect(files.filter((file) => !file.startsWith("lib/") && !MANIFESTS.includes(file))).toEqual([]);
  });

  it("holds every module of the build, and none of the git-ignored files a developer keeps beside it", async () => {
    // The build as `npm run build` makes it: one module per source module (deploy-shape.test.ts holds it to that).
    const sources = await readdir(join(FUNCTIONS_DIR, "src"), { recursive: true });
    const modules = sources
      .filter((file) => /\.(ts|js)$/.test(file) && !file.endsWith(".test.ts"))
      .map((file) => `lib/${file.replace(/\.ts$/, ".js")}`);
    const developerFiles = [".env.local", "bench-results.json", "firestore-debug.log"];
    const dir = await mkdtemp(join(tmpdir(), "deploy-upload-"));
    try {
      for (const file of [...modules, ...MANIFESTS, ...developerFiles]) {
        await mkdir(dirname(join(dir, file)), { recursive: true });
        await writeFile(join(dir, file), "");
      }
      const files = await uploaded(dir);
      const { main } = JSON.parse(await readFile(join(FUNCTIONS_DIR, "package.json"), "utf8")) as { main: string };
      expect(files).toContain(main);
      expect(files).toEqual([...modules, ...MANIFESTS].sort());
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
