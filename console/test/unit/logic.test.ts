/** The console's pure logic: routes, daily totals from counter shards, and how values read. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { sumShards } from "../../src/documents";
import { asError, dayStart, duration, inline, inlineOrBlank, lastDays, percentile, relative, usd } from "../../src/format";
import { parseRoute } from "../../src/routes";

describe("routes", () => {
  it("reads the view and the job id from the address", () => {
    assert.deepEqual(parseRoute(""), { view: "queue" });
    assert.deepEqual(parseRoute("#/history"), { view: "history" });
    assert.deepEqual(parseRoute("#/days"), { view: "days" });
    assert.deepEqual(parseRoute("#/job/abc%2Fshard-1"), { view: "job", jobId: "abc/shard-1" });
    assert.deepEqual(parseRoute("#/job/"), { view: "queue" });
    assert.deepEqual(parseRoute("#/nowhere"), { view: "queue" });
  });
});

describe("daily totals", () => {
  it("are the sum of the shards, counters and per-key counts alike", () => {
    const total = sumShards("2026-12-01", [
      { runs: 2, by_status: { succeeded: 1, failed: 1 }, by_type: { FAMILY_AUDIT: 2 }, llm_cost_usd: 0.25, llm_input_tokens: 100 },
      { runs: 1, by_status: { succeeded: 1 }, by_mode: { apply: 1 }, llm_cost_usd: 0.5, changes: 3 },
    ]);
    assert.equal(total.day, "2026-12-01");
    assert.equal(total.runs, 3);
    assert.deepEqual(total.by_status, { succeeded: 2, failed: 1 });
    assert.deepEqual(total.by_type, { FAMILY_AUDIT: 2 });
    assert.deepEqual(total.by_mode, { apply: 1 });
    assert.equal(total.llm_cost_usd, 0.75);
    assert.equal(total.llm_input_tokens, 100);
    assert.equal(total.changes, 3);
    assert.equal(total.llm_calls, 0);
  });

  it("of a day without shards are zero", () => {
    assert.equal(sumShards("2026-12-01", []).runs, 0);
  });
});

describe("formatting", () => {
  it("durations pick their unit", () => {
    assert.equal(duration(850), "850 ms");
    assert.equal(duration(12_340), "12.3 s");
    assert.equal(duration(245_000), "4m 05s");
    assert.equal(duration(7_800_000), "2h 10m");
  });

  it("relative times say which way", () => {
    const now = new Date("2026-12-01T12:00:00Z");
    assert.equal(relative(new Date("2026-12-01T12:04:12Z"), now), "in 4m 12s");
    assert.equal(relative(new Date("2026-12-01T11:59:57Z"), now), "3.0 s ago");
    assert.equal(relative(null, now), "—");
  });

  it("costs keep their cents, small ones their fractions", () => {
    assert.equal(usd(0.0123), "$0.0123");
    assert.equal(usd(12.5), "$12.50");
  });

  it("values read on one line; a plan operation's absent fields read as nothing", () => {
    assert.equal(inline("squat"), "squat");
    assert.equal(inline({ slug: "squat" }), '{"slug":"squat"}');
    assert.equal(inline(undefined), "(absent)");
    assert.equal(inlineOrBlank(undefined), "");
    assert.equal(inlineOrBlank(null), "");
    assert.equal(inlineOrBlank(["a", "b"]), '["a","b"]');
  });

  it("the last days are UTC days, oldest first", () => {
    assert.deepEqual(lastDays(new Date("2026-12-02T01:00:00Z"), 3), ["2026-11-30", "2026-12-01", "2026-12-02"]);
    assert.deepEqual(dayStart("2026-12-31"), new Date("2026-12-31T00:00:00Z"));
    assert.deepEqual(dayStart("2026-12-31", 1), new Date("2027-01-01T00:00:00Z"));
  });

  it("takes nearest-rank percentiles, and none of no values", () => {
    const twenty = Array.from({ length: 20 }, (_, i) => i + 1);
    assert.equal(percentile(twenty, 0.95), 19); // not the maximum
    assert.equal(percentile(twenty, 0.5), 10);
    assert.equal(percentile([1, 2, 3, 4], 0.5), 2);
    assert.equal(percentile([7], 0.95), 7);
    assert.equal(percentile([], 0.5), null);
  });

  it("reads anything thrown as an Error, keeping an Error as it is", () => {
    const error = new TypeError("offline");
    assert.equal(asError(error), error);
    assert.equal(asError("quota exceeded").message, "quota exceeded");
    assert.ok(asError({ code: 7 }) instanceof Error);
  });
});
