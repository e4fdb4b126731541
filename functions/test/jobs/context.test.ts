import { type JobContext, runWithJobContext } from "../../src/jobs/context";
import { currentLogFields, log } from "../../src/util/log";
import { captureLogs } from "../helpers/logs";

function ctx(jobId: string): JobContext {
  return {
    jobId,
    type: "FAMILY_AUDIT",
    attempt: 1,
    leaseEpoch: 2,
    workerId: "w",
    mode: "dry_run",
    signal: new AbortController().signal,
    hardStop: new AbortController().signal,
  };
}

describe("the running job's context", () => {
  it("rides on every log line written while the job runs, and is gone after it", async () => {
    const lines = await captureLogs(async () => {
      await runWithJobContext(ctx("a"), async () => {
        await new Promise((r) => setTimeout(r, 1));
        log.info("inside", { extra: 1 });
      });
      log.info("outside");
    });
    expect(lines[0]).toMatchObject({
      message: "inside",
      extra: 1,
      job_id: "a",
      job_type: "FAMILY_AUDIT",
      attempt: 1,
      lease_epoch: 2,
      worker_id: "w",
    });
    expect(lines[1]).toMatchObject({ message: "outside" });
    expect(lines[1]).not.toHaveProperty("job_id");
  });

  it("keeps concurrent jobs apart", async () => {
    const seen: string[] = [];
    await Promise.all(
      ["a", "b", "c"].map((id, i) =>
        runWithJobContext(ctx(id), async () => {
          await new Promise((r) => setTimeout(r, 10 * (3 - i)));
          seen.push(`${id}:${String(currentLogFields().job_id)}`);
        }),
      ),
    );
    expect(seen.sort()).toEqual(["a:a", "b:b", "c:c"]);
  });

  it("keeps a caller's message field as the reason instead of losing it to the line's message", async () => {
    const lines = await captureLogs(async () => {
      log.warn("watchdog item failed", { message: "deadline exceeded" });
    });
    expect(lines[0]).toMatchObject({ message: "watchdog item failed", reason: "deadline exceeded" });
  });
});
