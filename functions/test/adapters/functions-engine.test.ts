/**
 * What the functions' engine reads of its environment, each fact from its one source: where the
 * functions run (`inFunctionsEmulator`, which intake's trust of a client-written `created_by` follows
 * too), the project (config's `namedProject`) and the tasks emulator's identity (TASKS_SERVICE_ACCOUNT
 * as `tasks/service-account.ts` reads it).
 */
import type { AppOptions } from "firebase-admin/app";
import type { Engine } from "../../src/create-engine";
import { EMULATOR_PLACEHOLDER_AUTH_ID } from "../../src/adapters/emulator-auth";
import * as functionsEngineModule from "../../src/adapters/functions-engine";
import { jobCreated } from "../../src/adapters/invocations";
import { JOB_COLLECTIONS } from "../../src/jobs/collections";
import { useFirestore } from "../helpers/firestore";
import { registryWith } from "../helpers/registry";
import { testRuntime } from "../helpers/runtime";

const db = useFirestore();

const engines: Engine[] = [];
afterEach(async () => {
  jest.restoreAllMocks();
  await Promise.all(engines.splice(0).map((engine) => engine.db.terminate()));
});

/** Runs `read` with `env` set in process.env (undefined: unset), then puts process.env back. */
async function withEnv<T>(env: Record<string, string | undefined>, read: () => T | Promise<T>): Promise<T> {
  const before = Object.fromEntries(Object.keys(env).map((name) => [name, process.env[name]]));
  const assign = (values: Record<string, string | undefined>) => {
    for (const [name, value] of Object.entries(values)) {
      if (value === undefined) Reflect.deleteProperty(process.env, name);
      else process.env[name] = value;
    }
  };
  assign(env);
  try {
    return await read();
  } finally {
    assign(before);
  }
}

/** The options the Functions emulator's engine gives its Firestore client, built with fresh modules under `env`. */
function emulatorClientOptionsWith(env: Record<string, string | undefined>): Promise<AppOptions> {
  return withEnv({ ...env, FUNCTIONS_EMULATOR: "true" }, async () => {
    let options: AppOptions | undefined;
    await jest.isolateModulesAsync(async () => {
      const firestore = await import("../../src/firestore");
      const client = jest.spyOn(firestore, "firestoreClient");
      const { functionsEngine } = await import("../../src/adapters/functions-engine");
      engines.push(functionsEngine());
      options = client.mock.calls[0][0];
    });
    return options!;
  });
}

describe("the project the functions run in", () => {
  it.each([
    ["GCLOUD_PROJECT", { GCLOUD_PROJECT: "named", GOOGLE_CLOUD_PROJECT: "other" }, "named"],
    ["GOOGLE_CLOUD_PROJECT when GCLOUD_PROJECT is empty", { GCLOUD_PROJECT: "", GOOGLE_CLOUD_PROJECT: "other" }, "other"],
    [
      "FIREBASE_CONFIG's when neither names one",
      { GCLOUD_PROJECT: "", GOOGLE_CLOUD_PROJECT: undefined, FIREBASE_CONFIG: JSON.stringify({ projectId: "configured" }) },
      "configured",
    ],
  ])("is %s", async (_which, env, expected) => {
    expect(await withEnv(env, functionsEngineModule.projectId)).toBe(expected);
  });

  it("is an error when nothing names one", async () => {
    await expect(
      withEnv({ GCLOUD_PROJECT: "", GOOGLE_CLOUD_PROJECT: undefined, FIREBASE_CONFIG: undefined }, functionsEngineModule.projectId),
    ).rejects.toThrow(/no project id/);
  });
});

describe("the Functions emulator's Firestore client", () => {
  it("names TASKS_SERVICE_ACCOUNT trimmed", async () => {
    expect(
      await emulatorClientOptionsWith({ TASKS_SERVICE_ACCOUNT: " tasks@demo-emu.iam.gserviceaccount.com ", GCLOUD_PROJECT: "demo-emu" }),
    ).toEqual({ serviceAccountId: "tasks@demo-emu.iam.gserviceaccount.com", projectId: "demo-emu" });
  });

  it("names the project GOOGLE_CLOUD_PROJECT names when GCLOUD_PROJECT is empty", async () => {
    expect(
      await emulatorClientOptionsWith({ TASKS_SERVICE_ACCOUNT: undefined, GCLOUD_PROJECT: "", GOOGLE_CLOUD_PROJECT: "demo-emu" }),
    ).toEqual({
      serviceAccountId: "tasks-emulator@demo-emu.iam.gserviceaccount.com",
      projectId: "demo-emu",
    });
  });

  it.each([
    ["unset", undefined],
    ["blank", "  "],
  ])("names a well-formed placeholder identity when TASKS_SERVICE_ACCOUNT is %s", async (_how, account) => {
    expect(await emulatorClientOptionsWith({ TASKS_SERVICE_ACCOUNT: account, GCLOUD_PROJECT: "demo-emu" })).toEqual({
      serviceAccountId: "tasks-emulator@demo-emu.iam.gserviceaccount.com",
      projectId: "demo-emu",
    });
  });
});

describe("intake's creator under the Firestore emulator's placeholder principal", () => {
  const registry = registryWith({
    FAMILY_AUDIT: { run: () => Promise.resolve({ kind: "completed", status: "succeeded_dry_run", summary: {} }) },
  });

  /**
   * The creator intake records for a client's job whose trigger names the placeholder principal. The
   * runtime is not started: only the trigger below takes the job in.
   */
  async function recordedCreator(): Promise<unknown> {
    const runtime = testRuntime(db, registry);
    try {
      jest.spyOn(functionsEngineModule, "functionsEngine").mockReturnValue(runtime.engine);
      const ref = await db
        .collection(JOB_COLLECTIONS.jobs)
        .add({ type: "FAMILY_AUDIT", payload: { family_slug: "squat" }, status: "queued", created_by: "uid-1" });
      await jobCreated({ params: { jobId: ref.id }, data: await ref.get(), authType: "unknown", authId: EMULATOR_PLACEHOLDER_AUTH_ID });
      await runtime.idle();
      return (await ref.get()).get("created_by");
    } finally {
      await runtime.stop();
    }
  }

  // FUNCTIONS_EMULATOR says the opposite each time: only the engine's one test of where the functions run counts.
  it("is the document's created_by where the engine runs as the Functions emulator", async () => {
    jest.spyOn(functionsEngineModule, "inFunctionsEmulator").mockReturnValue(true);
    expect(await withEnv({ FUNCTIONS_EMULATOR: undefined }, recordedCreator)).toBe("uid-1");
  });

  it("stays the placeholder where the engine runs deployed", async () => {
    jest.spyOn(functionsEngineModule, "inFunctionsEmulator").mockReturnValue(false);
    expect(await withEnv({ FUNCTIONS_EMULATOR: "true" }, recordedCreator)).toBe(EMULATOR_PLACEHOLDER_AUTH_ID);
  });
});
