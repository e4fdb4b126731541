import { currentJobContext, jobLogger, maybeCurrentJobContext, runWithJobContext, JobContext } from "../../src/jobs/context";

function ctx(jobId: string): JobContext {
  const fields = { jobId, type: "FAMILY_AUDIT" as const, attempt: 1, leaseEpoch: 1, workerId: "w" };
  return { ...fields, mode: "dry_run", signal: new AbortController().signal, log: jobLogger(fields) };
}

describe("JobContext", () => {
  it("is visible inside the job and gone after it", async () => {
    await runWithJobContext(ctx("a"), async () => {
      await new Promise((r) => setTimeout(r, 1));
      expect(currentJobContext().jobId).toBe("a");
    });
    expect(maybeCurrentJobContext()).toBeUndefined();
    expect(() => currentJobContext()).toThrow(/no job context/);
  });

  it("keeps concurrent jobs apart", async () => {
    const seen: string[] = [];
    await Promise.all(
      ["a", "b", "c"].map((id, i) =>
        runWithJobContext(ctx(id), async () => {
          await new Promise((r) => setTimeout(r, 10 * (3 - i)));
          seen.push(`${id}:${currentJobContext().jobId}`);
        }),
      ),
    );
    expect(seen.sort()).toEqual(["a:a", "b:b", "c:c"]);
  });
});
