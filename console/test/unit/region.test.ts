/** The region the console's build calls the engine's functions in (vite.config.ts), as the deploy reads TASKS_LOCATION. */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { DEFAULT_FUNCTIONS_REGION } from "../../src/model";
import { functionsRegion } from "../../vite.config";

const scratch = mkdtempSync(join(tmpdir(), "console-region-"));
after(() => rmSync(scratch, { recursive: true, force: true }));

/** The region found with `files` (name → text) in a functions directory of their own, under `env`. */
function regionWith(files: Record<string, string>, env: NodeJS.ProcessEnv = {}): string {
  const dir = mkdtempSync(join(scratch, "functions-"));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return functionsRegion(env, dir);
}

describe("the functions' region", () => {
  it("is read from a .env file as the deploy reads it", () => {
    assert.equal(regionWith({ ".env": "export TASKS_LOCATION=europe-west1\n" }), "europe-west1");
    // A key assigned again takes the later value.
    assert.equal(regionWith({ ".env": "TASKS_LOCATION=us-east1\nTASKS_LOCATION=europe-west1\n" }), "europe-west1");
    // An empty value stops at its line: the next line's assignment is not the region.
    assert.equal(regionWith({ ".env": "TASKS_LOCATION=\nLLM_PROVIDER=vertex\n" }), DEFAULT_FUNCTIONS_REGION);
    assert.equal(regionWith({ ".env": "# TASKS_LOCATION=europe-west1\n" }), DEFAULT_FUNCTIONS_REGION);
  });

  it("takes the project's file over .env, and the environment over both", () => {
    const files = { ".env": "TASKS_LOCATION=europe-west1\n", ".env.prod": "TASKS_LOCATION=asia-east1\n" };
    assert.equal(regionWith(files, { GCLOUD_PROJECT: "prod" }), "asia-east1");
    assert.equal(regionWith(files, { GCLOUD_PROJECT: "staging" }), "europe-west1");
    assert.equal(regionWith(files), "europe-west1");
    assert.equal(regionWith(files, { GCLOUD_PROJECT: "prod", TASKS_LOCATION: "us-east4" }), "us-east4");
    assert.equal(regionWith({}), DEFAULT_FUNCTIONS_REGION);
  });
});
