import { operationKey } from "../../src/apply/plan";
import { planOf } from "../helpers/catalog";

const patchAt = (scannedAt: Date) =>
  planOf([
    {
      op: "patch_fields",
      exercise_id: "squat__squat-barbell",
      set: { "review_metadata.last_scanned_at": scannedAt, "review_metadata.quality_score": 0.85 },
      rationale: "quality scan",
    },
  ]).operations[0];

describe("operation keys", () => {
  it("tell patches apart by the instants they write (a rescan is a new change, not one already applied)", () => {
    const monday = patchAt(new Date("2026-12-07T04:00:00Z"));
    expect(operationKey(patchAt(new Date("2026-12-07T04:00:00Z")))).toBe(operationKey(monday));
    expect(operationKey(patchAt(new Date("2026-12-14T04:00:00Z")))).not.toBe(operationKey(monday));
  });
});
