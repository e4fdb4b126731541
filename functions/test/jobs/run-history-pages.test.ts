import type { RunSummary } from "../../src/jobs/run-history";
import { PageTokenError, type RunHistoryFilter, runHistoryPage } from "../../src/jobs/run-history-pages";
import { describeWithFullEmulator, useFirestore } from "../helpers/firestore";
import { recordRunForTest } from "../helpers/runs";

const db = useFirestore();

const HOUR = 3_600_000;
const T0 = new Date("2026-03-04T00:00:00Z").getTime();

function summary(n: number, over: Partial<RunSummary>): RunSummary {
  const finishedAt = new Date(T0 + n * HOUR);
  return {
    job_id: `job-${n}`,
    job_created_at: new Date(T0),
    attempt: 1,
    lease_epoch: 1,
    type: "FAMILY_AUDIT",
    subjects: [],
    lane: "priority",
    priority: 100,
    attempt_status: "succeeded_dry_run",
    job_status: "succeeded_dry_run",
    mode: "dry_run",
    worker_id: "w",
    started_at: new Date(finishedAt.getTime() - 1000),
    finished_at: finishedAt,
    changes_count: 0,
    changes_preview: [],
    error: null,
    scanner_fail: 0,
    llm: { calls: 0, input_tokens: 0, output_tokens: 0, estimated_cost_usd: 0 },
    ...over,
  };
}

/** Every page of a listing, following the tokens. */
async function allPages(filter: RunHistoryFilter, limit: number): Promise<string[][]> {
  const pages: string[][] = [];
  let pageToken: string | undefined;
  do {
    const page = await runHistoryPage(db, filter, { limit, pageToken });
    pages.push(page.rows.map((row) => row.job_id as string));
    pageToken = page.nextPageToken ?? undefined;
  } while (pageToken);
  return pages;
}

describeWithFullEmulator("run history pages", () => {
  beforeEach(async () => {
    const runs: Array<[number, Partial<RunSummary>]> = [
      [1, { subjects: ["squat"] }],
      [2, { type: "FAMILY_MERGE", subjects: ["row", "bent_over_row"], attempt_status: "needs_review", job_status: "needs_review" }],
      [3, { subjects: ["squat"], attempt_status: "failed", job_status: "queued" }],
      [4, { type: "QUALITY_SCAN", subjects: [] }],
      [5, { subjects: ["row"] }],
      [30, { subjects: ["squat"] }],
    ];
    for (const [n, over] of runs) await recordRunForTest(db, summary(n, over));
  });

  it("pages newest first with a token after each full page, and none after the last", async () => {
    expect(await allPages({}, 2)).toEqual([
      ["job-30", "job-5"],
      ["job-4", "job-3"],
      ["job-2", "job-1"],
    ]);
    expect(await allPages({}, 6)).toEqual([["job-30", "job-5", "job-4", "job-3", "job-2", "job-1"]]);
  });

  it("filters by type, attempt status, subject and finish time, alone and together", async () => {
    const ids = async (filter: RunHistoryFilter) => (await allPages(filter, 10)).flat();
    expect(await ids({ type: "FAMILY_AUDIT" })).toEqual(["job-30", "job-5", "job-3", "job-1"]);
    expect(await ids({ status: "needs_review" })).toEqual(["job-2"]);
    expect(await ids({ subject: "row" })).toEqual(["job-5", "job-2"]);
    expect(await ids({ type: "FAMILY_AUDIT", subject: "squat", status: "succeeded_dry_run" })).toEqual(["job-30", "job-1"]);
    const day = { from: new Date(T0), until: new Date(T0 + 24 * HOUR) };
    expect(await ids({ ...day, subject: "squat" })).toEqual(["job-3", "job-1"]);
    expect(await ids({ jobId: "job-4", ...day })).toEqual(["job-4"]);
  });

  it("refuses a token it did not make", async () => {
    for (const token of ["nonsense", Buffer.from('["x"]').toString("base64url")])
      await expect(runHistoryPage(db, {}, { limit: 2, pageToken: token })).rejects.toBeInstanceOf(PageTokenError);
  });
});
