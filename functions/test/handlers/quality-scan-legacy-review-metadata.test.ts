/**
 * QUALITY_SCAN over a `review_metadata` stored as no map (legacy data: an array): no field can be set under it, so
 * the scan writes the map whole instead of failing REVIEW_METADATA_FAILED on every run that selects the exercise.
 */
import { SCANNER_VERSION } from "../../src/reviewer/quality-scanner";
import { exerciseFixture, seedCatalog } from "../helpers/catalog";
import { useFirestore, describeWithFullEmulator } from "../helpers/firestore";
import { MODES, depsFor, exercise, runJob } from "./support";

const db = useFirestore();

const legacy = exerciseFixture("Row (Barbell)", ["barbell"], { review_metadata: ["x"] });
// A map keeps the fields the scanner does not own.
const kept = exerciseFixture("Curl (Barbell)", ["barbell"], { review_metadata: { reviewer_note: "keep me" } });

describeWithFullEmulator.each(MODES)("QUALITY_SCAN over a review_metadata that is no map (%s)", (mode) => {
  it("writes the map whole in its place", async () => {
    await seedCatalog(db, { exercises: [legacy, kept] });
    const run = await runJob(depsFor(db, mode), "QUALITY_SCAN", { mode, exercise_doc_ids: [legacy.id, kept.id], emit_enrichment: false });

    expect(run.status).toBe(mode === "apply" ? "succeeded" : "succeeded_dry_run");
    expect(run.summary).toMatchObject({
      scanned: 2,
      metadata_failed: 0,
      ...(mode === "apply" ? { metadata_written: 2 } : { metadata_would_write: 2 }),
    });
    expect(run.summary.changes_preview).toContain(`patch_fields exercises/${legacy.id}: review_metadata`);
    const [legacyAfter, keptAfter] = [await exercise(db, legacy.id), await exercise(db, kept.id)];
    if (mode === "dry_run") {
      expect(legacyAfter?.review_metadata).toEqual(["x"]);
      return;
    }
    expect(legacyAfter?.review_metadata).toMatchObject({ scanner_version: SCANNER_VERSION, issue_type: expect.any(String) });
    expect(keptAfter?.review_metadata).toMatchObject({ reviewer_note: "keep me", scanner_version: SCANNER_VERSION });
  });
});
