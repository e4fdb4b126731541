/** The Days view's charts (src/views/days.tsx). */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { sumShards } from "../../src/documents";
import { ATTEMPT_STATUSES, type DailyTotals, JOB_TYPES } from "../../src/model";
import { legendEntries, stackedBars, statusSeriesColours, typeSeriesColours } from "../../src/views/days";

const day = (by_status: Record<string, number>) => sumShards("2026-12-01", [{ runs: 1, by_status }]);
const typesOn = (date: string, by_type: Record<string, number>) => sumShards(date, [{ runs: 1, by_type }]);

/** Each series' fill by its label. */
function fills(totals: DailyTotals[]): Record<string, unknown> {
  const config = stackedBars(totals, "by_status", (name) => ({ backgroundColor: `fill of ${name}`, borderColor: `edge of ${name}` }));
  return Object.fromEntries(config.data.datasets.map((dataset): [string, unknown] => [dataset.label ?? "", dataset.backgroundColor]));
}

describe("days", () => {
  it("colour each status as its own, whatever other statuses the days show", () => {
    assert.deepEqual(fills([day({ failed: 1, succeeded: 2 })]), { failed: "fill of failed", succeeded: "fill of succeeded" });
    // Alone, or after others in alphabetical order, failed keeps its colour.
    assert.deepEqual(fills([day({ failed: 1 })]), { failed: "fill of failed" });
    assert.equal(fills([day({ cancelled: 1, deadletter: 1, failed: 1 })]).failed, "fill of failed");
  });
  it("give every way a run ends a colour no other has (failed, deadletter and lease_expired share a badge colour)", () => {
    const colours = ATTEMPT_STATUSES.map((status) => statusSeriesColours(status).backgroundColor);
    assert.equal(new Set(colours).size, ATTEMPT_STATUSES.length);
  });
  it("give every job type a colour no other has, whatever other types the days show", () => {
    const colours = JOB_TYPES.map((type) => typeSeriesColours(type).backgroundColor);
    assert.equal(new Set(colours).size, JOB_TYPES.length);
    const fillOf = (totals: DailyTotals[], type: string) =>
      stackedBars(totals, "by_type", typeSeriesColours).data.datasets.find((dataset) => dataset.label === type)?.backgroundColor;
    const alone = fillOf([typesOn("2026-12-01", { QUALITY_SCAN: 1 })], "QUALITY_SCAN");
    const amongOthers = fillOf([typesOn("2026-12-01", { ALIAS_REPAIR: 2, FAMILY_AUDIT: 1, QUALITY_SCAN: 1 })], "QUALITY_SCAN");
    assert.equal(alone, typeSeriesColours("QUALITY_SCAN").backgroundColor);
    assert.equal(amongOthers, alone);
  });
  it("list every job type in the legend with its runs over the days, and any other type the days show", () => {
    const totals = [typesOn("2026-12-01", { QUALITY_SCAN: 2, NEW_TYPE: 1 }), typesOn("2026-12-02", { QUALITY_SCAN: 3 })];
    const entries = legendEntries(totals, "by_type", JOB_TYPES);
    assert.deepEqual(
      entries.map((entry) => entry.name),
      [...JOB_TYPES, "NEW_TYPE"].sort(),
    );
    assert.equal(entries.find((entry) => entry.name === "QUALITY_SCAN")?.runs, 5);
    assert.equal(entries.find((entry) => entry.name === "FAMILY_AUDIT")?.runs, 0);
  });
  it("draw the legend outside the canvas, and leave out the series the reader hid there", () => {
    const totals = [typesOn("2026-12-01", { FAMILY_AUDIT: 1, QUALITY_SCAN: 2 })];
    const config = stackedBars(totals, "by_type", typeSeriesColours, new Set(["QUALITY_SCAN"]));
    assert.equal(config.options?.plugins?.legend?.display, false);
    assert.deepEqual(
      config.data.datasets.map((dataset) => [dataset.label, dataset.hidden]),
      [
        ["FAMILY_AUDIT", false],
        ["QUALITY_SCAN", true],
      ],
    );
  });
});
