/** `revert --job <jobId>`: all of a job's changes, newest first, or none while any is refused. */
import { APPLY_COLLECTIONS } from "../../src/apply/collections";
import { planWriter } from "../../src/apply/run-plan";
import { runCli } from "../../src/cli/run";
import { createEngine } from "../../src/create-engine";
import { JOB_COLLECTIONS } from "../../src/jobs/collections";
import { planOf } from "../helpers/catalog";
import { leaseForTest, testApplyEngine } from "../helpers/engine";
import { useFirestore } from "../helpers/firestore";
import { RecordingTasks, testConfig } from "../helpers/runtime";
import { depsFor, exercise, runJob, seedDemo } from "../handlers/support";

const db = useFirestore();
jest.setTimeout(120_000);

const legPress = "leg_press__single-leg-press-machine";

async function cli(argv: string[]) {
  const engine = createEngine({ db, config: testConfig(), tasks: new RecordingTasks() });
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, {
    engine: () => engine,
    settings: () => engine,
    curators: () => {
      throw new Error("revert needs no curator directory");
    },
    out: (line) => out.push(line),
    err: (line) => err.push(line),
  });
  return { code, out: out.join("\n"), err };
}

/** A rename of the leg press by a job that has ended, and its changes newest first. */
async function renamedLegPress(): Promise<{ jobId: string; changes: { id: string; targets: string[] }[] }> {
  await seedDemo(db);
  const deps = depsFor(db, "apply");
  const payload = {
    mode: "apply",
    exercise_doc_ids: [legPress],
    fix_type: "rename",
    fix_data: { new_name: "Unilateral Leg Press (Machine)" },
  };
  const { jobId } = await runJob(deps, "TARGETED_FIX", payload);
  await db.collection(JOB_COLLECTIONS.jobs).doc(jobId).update({ status: "succeeded" });
  const entries = (await db.collection(APPLY_COLLECTIONS.changes).where("job_id", "==", jobId).get()).docs;
  const changes = entries
    .sort((a, b) => b.get("applied_at").toMillis() - a.get("applied_at").toMillis() || b.createTime.toMillis() - a.createTime.toMillis())
    .map((change) => ({ id: change.id, targets: change.get("targets") as string[] }));
  return { jobId, changes };
}

describe("revert --job", () => {
  it("reverts the job's changes newest first, and --json says which; run again, nothing is left", async () => {
    const { jobId, changes } = await renamedLegPress();

    expect(JSON.parse((await cli(["revert", "--job", jobId, "--json"])).out)).toEqual({
      outcome: "reverted",
      job_id: jobId,
      changes: changes.map(({ id, targets }) => ({ change_id: id, status: "reverted", targets })),
      already_reverted: 0,
    });
    expect((await exercise(db, legPress))?.name).toBe("Single-Leg Press (Machine)");
    expect(await cli(["revert", "--job", jobId])).toEqual({
      code: 0,
      out: `job ${jobId} has no applied change left to revert (${changes.length} reverted before); nothing changed`,
      err: [],
    });
  });

  it("prints a line for each change it reverted", async () => {
    const { jobId, changes } = await renamedLegPress();

    expect(await cli(["revert", "--job", jobId])).toEqual({
      code: 0,
      out: [
        `reverted ${changes.length} changes of job ${jobId}, newest first:`,
        ...changes.map(({ id, targets }) => `  ${id}: ${targets.join(", ")}`),
      ].join("\n"),
      err: [],
    });
  });

  it("refuses with exit 1, reverting nothing, while another job's later change is in effect on one of them", async () => {
    const { jobId, changes } = await renamedLegPress();
    const deps = depsFor(db, "apply");
    const patch = { "metadata.level": "advanced" };
    const later = await leaseForTest(deps, {
      type: "TARGETED_FIX",
      payload: { mode: "apply", exercise_doc_ids: [legPress], fix_type: "patch", fix_data: { patch } },
    });
    const {
      change_ids: [laterId],
    } = await testApplyEngine(db).apply(
      planOf([{ op: "patch_fields", exercise_id: legPress, set: patch, rationale: "enrich" }]),
      planWriter(later, (_op, index) => `later/${index}`),
    );
    await db.collection(JOB_COLLECTIONS.jobs).doc(later.job.id).update({ status: "succeeded" });

    const refused = await cli(["revert", "--job", jobId]);

    expect(refused.code).toBe(1);
    expect(refused.err).toEqual([
      `catalog-jobs revert: job ${jobId} cannot be reverted, nothing was: change ${changes[changes.length - 1].id} cannot be reverted: ` +
        `exercises/${legPress} changed since (metadata.level), and later change ${laterId} (job ${later.job.id}) is in effect on it: ` +
        "revert it first (last applied, first reverted)",
    ]);
    const applied = await db.collection(APPLY_COLLECTIONS.changes).where("job_id", "==", jobId).where("status", "==", "applied").get();
    expect(applied.size).toBe(changes.length);
  });

  it.each([
    [["revert"], 2, /name a change, or a job with --job, not both/],
    [["revert", "some-change", "--job", "some-job"], 2, /name a change, or a job with --job, not both/],
    [["revert", "--job", "a/b"], 2, /"a\/b" is not a job id/],
    [["revert", "--job", "no-such-job"], 3, /job no-such-job does not exist/],
  ])("%j exits %i", async (argv, code, message) => {
    const result = await cli(argv);
    expect(result.code).toBe(code);
    expect(result.err.join("\n")).toMatch(message);
  });
});
