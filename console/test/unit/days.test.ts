/** The Days view's charts (src/views/days.tsx). */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { sumShards } from "../../src/documents";
import { ATTEMPT_STATUSES, type DailyTotals } from "../../src/model";
import { stackedBars, statusSeriesColours } from "../../src/views/days";

const day = (by_status: Record<string, number>) => sumShards("2026-12-01", [{ runs: 1, by_status }]);

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
});
