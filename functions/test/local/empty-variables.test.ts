/**
 * An empty variable is an unset one to `npm start` and the CLI on the emulator, as it is to the params (`config.ts`)
 * and to FIRESTORE_EMULATOR_HOST: the `.env` files and the emulator's defaults fill it in, and an empty
 * FIRESTORE_EMULATOR_JAR looks for the jar where an unset one does.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PARAMS, loadEngineConfig } from "../../src/config";
import { officialJar } from "../../src/local/emulator";
import { useEmulatorDefaults } from "../../src/local/emulator-defaults";
import { loadEnvFiles } from "../../src/local/env-files";

describe("an empty variable", () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), "empty-variables-"))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** The engine's config as `npm start` reads it from `env` and a `.env` of `text`: its files, then the emulator's defaults. */
  const configFrom = (env: NodeJS.ProcessEnv, text: string) => {
    writeFileSync(join(dir, ".env"), text);
    loadEnvFiles(dir, [".env"], { env });
    useEmulatorDefaults(env);
    return loadEngineConfig(env);
  };

  it("takes a param's value from the .env files, else the emulator's default, as an unset one does", () => {
    const [applyEnabled, maxRepairs] = [PARAMS.applyEnabled.param.name, PARAMS.maxRepairs.param.name];
    const text = `${maxRepairs}=5\n`;
    const unset = configFrom({}, text);
    expect(unset).toMatchObject({ applyEnabled: true, maxRepairs: 5 });
    expect(configFrom({ [applyEnabled]: "", [maxRepairs]: "" }, text)).toEqual(unset);
  });

  it("names no jar: the official one is looked for where it is when the variable is unset", () => {
    const before = process.env.FIRESTORE_EMULATOR_JAR;
    try {
      delete process.env.FIRESTORE_EMULATOR_JAR;
      const unset = officialJar();
      process.env.FIRESTORE_EMULATOR_JAR = "";
      expect(officialJar()).toBe(unset);
    } finally {
      if (before === undefined) delete process.env.FIRESTORE_EMULATOR_JAR;
      else process.env.FIRESTORE_EMULATOR_JAR = before;
    }
  });
});
