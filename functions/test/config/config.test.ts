import { loadEngineConfig } from "../../src/config";

describe("loadEngineConfig", () => {
  it("uses the declared defaults when nothing is set", () => {
    const config = loadEngineConfig({});
    expect(config).toMatchObject({ leaseMs: 300_000, applyEnabled: false, maxRepairs: 3, shardSize: 20, enrichConcurrency: 4 });
    expect(config.llm.provider).toBe("fake");
  });

  it("reads params from the environment", () => {
    const config = loadEngineConfig({ JOB_LEASE_SECONDS: "10", CATALOG_APPLY_ENABLED: "true", LLM_PROVIDER: "vertex", MAX_REPAIRS: "5" });
    expect(config).toMatchObject({ leaseMs: 10_000, applyEnabled: true, maxRepairs: 5 });
    expect(config.llm.provider).toBe("vertex");
  });

  it("rejects an unknown LLM provider", () => {
    expect(() => loadEngineConfig({ LLM_PROVIDER: "openai" })).toThrow(/LLM_PROVIDER/);
  });
});

describe("loadEngineConfig input errors", () => {
  it("names the param that does not parse", () => {
    expect(() => loadEngineConfig({ JOB_LEASE_SECONDS: "soon" })).toThrow(/JOB_LEASE_SECONDS/);
    expect(() => loadEngineConfig({ CATALOG_APPLY_ENABLED: "yes" })).toThrow(/CATALOG_APPLY_ENABLED/);
  });
});
