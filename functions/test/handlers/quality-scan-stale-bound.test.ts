/**
 * QUALITY_SCAN's `stale_after_days`, as a param and in a payload, is bounded: a number of days whose cutoff falls
 * before the first date Firestore stores would fail every run (a plain error, retried into the deadletter daily).
 */
import { ConfigError, loadEngineConfig } from "../../src/config";
import { toJobFailure } from "../../src/jobs/errors";
import { InvalidJobError } from "../../src/jobs/queue";
import { exerciseFixture, seedCatalog } from "../helpers/catalog";
import { useFirestore, describeWithFullEmulator } from "../helpers/firestore";
import { depsFor, runJob } from "./support";

const db = useFirestore();
const BOUND = 36_500;

describe("QUALITY_SCAN_STALE_AFTER_DAYS", () => {
  it(`is taken up to ${BOUND} days`, () => {
    expect(loadEngineConfig({ QUALITY_SCAN_STALE_AFTER_DAYS: String(BOUND) }).qualityScanStaleAfterDays).toBe(BOUND);
  });

  it("above it loads, and reading it fails permanently with CONFIG_INVALID naming it", () => {
    const config = loadEngineConfig({ QUALITY_SCAN_STALE_AFTER_DAYS: "800000" });
    let thrown: unknown;
    try {
      void config.qualityScanStaleAfterDays;
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    expect((thrown as Error).message).toMatch(/QUALITY_SCAN_STALE_AFTER_DAYS.*at most 36500/);
    expect(toJobFailure(thrown)).toMatchObject({ code: "CONFIG_INVALID", kind: "permanent" });
  });
});

describeWithFullEmulator("QUALITY_SCAN's selection.stale_after_days (dry_run)", () => {
  it("above the bound is refused at intake", async () => {
    const payload = { mode: "dry_run", selection: { stale_after_days: BOUND + 1, limit: 200 } };
    await expect(depsFor(db, "dry_run").queue.createJob({ type: "QUALITY_SCAN", payload, created_by: "test" })).rejects.toBeInstanceOf(
      InvalidJobError,
    );
  });

  it("at the bound selects and scans", async () => {
    await seedCatalog(db, { exercises: [exerciseFixture("Squat (Barbell)", ["barbell"])] });
    const run = await runJob(depsFor(db, "dry_run"), "QUALITY_SCAN", {
      mode: "dry_run",
      selection: { stale_after_days: BOUND, limit: 200 },
    });
    expect(run).toMatchObject({ status: "succeeded_dry_run", summary: { scanned: 1, selection: { never_scanned: 1, stale: 0 } } });
  });
});
