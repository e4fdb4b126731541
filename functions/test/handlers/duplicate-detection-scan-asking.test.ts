/**
 * DUPLICATE_DETECTION_SCAN stopped while it asks for its merges: a cancel ends it cancelled with the merges asked
 * so far, its run's deadline ends it with them, not `complete`, the rest counted and listed; and it asks for no
 * merge into a family whose legacy slug can hold no registry entry (FAMILY_MERGE would refuse it at intake).
 */
import { useFirestore, describeWithFullEmulator } from "../helpers/firestore";
import { exerciseFixture, seedCatalog } from "../helpers/catalog";
import { MODES, depsFor, otherJobs, runJob } from "./support";
import { type TestHandlerInput, leaseForTest } from "../helpers/engine";
import { registry } from "../../src/handlers";
import { JobCancelledError, runDeadlineFailure } from "../../src/jobs/errors";
import type { Mode } from "../../src/jobs/model";

const db = useFirestore();

/** Ten pairs of look-alike families ("alpha_lift", "alpha_lifts"): ten merge candidates. */
const tenPairs = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet"].flatMap((word) => {
  const name = word[0].toUpperCase() + word.slice(1);
  return [exerciseFixture(`${name} Lift (Barbell)`, ["barbell"]), exerciseFixture(`${name} Lifts (Dumbbell)`, ["dumbbell"])];
});

/** `input` whose signal fires with `reason` as it asks for its first follow-up (in either mode). */
function stoppedAtFirstFollowUp(input: TestHandlerInput, reason: Error): TestHandlerInput {
  const { engine } = input;
  return {
    ...input,
    engine: {
      ...engine,
      requestIssues: (followUp) => {
        input.abort.abort(reason);
        return engine.requestIssues(followUp);
      },
    },
  };
}

async function scanStoppedAtFirstFollowUp(mode: Mode, reason: (jobId: string) => Error) {
  await seedCatalog(db, { exercises: tenPairs });
  const input = await leaseForTest(depsFor(db, mode), { type: "DUPLICATE_DETECTION_SCAN", payload: { mode } });
  const outcome = await registry.handlerFor("DUPLICATE_DETECTION_SCAN").run(stoppedAtFirstFollowUp(input, reason(input.job.id)));
  return { outcome, jobs: await otherJobs(db, input.job.id) };
}

describeWithFullEmulator.each(MODES)("DUPLICATE_DETECTION_SCAN stopped while it asks for merges (%s)", (mode) => {
  const askedOne = mode === "apply" ? { jobs_created: 1, jobs_would_create: 0 } : { jobs_created: 0, jobs_would_create: 1 };

  it("ends cancelled at a cancel, its summary naming the one merge it asked for, not the nine after it", async () => {
    const { outcome, jobs } = await scanStoppedAtFirstFollowUp(mode, (jobId) => new JobCancelledError(jobId));

    expect(outcome).toMatchObject({
      kind: "completed",
      status: "cancelled",
      summary: { mode, merge_candidates: 10, complete: false, merge_candidates_not_asked: 9, ...askedOne },
    });
    expect(jobs).toHaveLength(mode === "apply" ? 1 : 0);
  });

  it("ends at its run's deadline with the merges it asked for, not complete, the others counted and listed", async () => {
    const { outcome, jobs } = await scanStoppedAtFirstFollowUp(mode, (jobId) => runDeadlineFailure(jobId, 480_000));

    expect(outcome).toMatchObject({
      kind: "completed",
      status: mode === "apply" ? "succeeded" : "succeeded_dry_run",
      summary: { families_scanned: 20, stopped_before_family: null, complete: false, merge_candidates_not_asked: 9, ...askedOne },
    });
    const summary = outcome.kind === "completed" ? outcome.summary : {};
    const [asked] = summary.follow_ups as { dedup_key: string }[];
    const sources = (candidates: unknown) => (candidates as { source: string }[]).map(({ source }) => source);
    // Every candidate is either asked for or listed as not asked.
    expect(sources(summary.merge_candidates_not_asked_listed)).toHaveLength(9);
    expect(sources(summary.merge_candidates_listed).filter((source) => !asked.dedup_key.includes(`:${source}:`))).toEqual(
      sources(summary.merge_candidates_not_asked_listed),
    );
    expect(jobs).toHaveLength(mode === "apply" ? 1 : 0);
  });
});

describeWithFullEmulator("DUPLICATE_DETECTION_SCAN at its run's deadline while it reads (apply)", () => {
  it("asks for none of the merges it found, and lists none as not asked: a family it did not read may be the better target", async () => {
    await seedCatalog(db, { exercises: tenPairs });
    const input = await leaseForTest(depsFor(db, "apply"), { type: "DUPLICATE_DETECTION_SCAN", payload: { mode: "apply" } });
    // The deadline comes once it has read four families (the alpha and bravo pairs), before the fifth.
    let checks = 0;
    const deadline = runDeadlineFailure(input.job.id, 480_000);
    const hardStop = {
      get aborted() {
        return ++checks > 4;
      },
      reason: deadline,
    } as unknown as AbortSignal;
    const outcome = await registry.handlerFor("DUPLICATE_DETECTION_SCAN").run({ ...input, ctx: { ...input.ctx, hardStop } });

    expect(outcome).toMatchObject({
      kind: "completed",
      status: "succeeded",
      summary: { families_scanned: 4, complete: false, merge_candidates: 2, merge_candidates_not_asked: 0, jobs_created: 0 },
    });
    expect(await otherJobs(db, input.job.id)).toEqual([]);
  });
});

describeWithFullEmulator("DUPLICATE_DETECTION_SCAN over look-alike legacy family slugs (apply)", () => {
  it("asks for merges only into a family whose slug can hold a registry entry, and lists those without one", async () => {
    await seedCatalog(db, {
      exercises: [
        // A legacy slug with the most exercises, and one spelled as the slug rule asks: the merge goes into the latter.
        exerciseFixture("Bench Press (Dumbbell)", ["dumbbell"], { family_slug: "Bench_Press" }),
        exerciseFixture("Bench Press (Cable)", ["cable"], { family_slug: "Bench_Press" }),
        exerciseFixture("DB Bench Press", ["dumbbell"], { family_slug: "db_bench_press" }),
        // Two legacy slugs alike, neither one a family may be merged into.
        exerciseFixture("Hip Thrust (Barbell)", ["barbell"], { family_slug: "Hip_Thrust" }),
        exerciseFixture("Hip Thrusts (Machine)", ["machine"], { family_slug: "hip-thrusts" }),
      ],
    });
    const run = await runJob(depsFor(db, "apply"), "DUPLICATE_DETECTION_SCAN", { mode: "apply" });

    expect(run.summary).toMatchObject({ merge_candidates: 1, jobs_created: 1, jobs_invalid: 0, merge_candidates_awaiting_rename: 1 });
    expect(run.summary.merge_candidates_listed).toEqual([expect.objectContaining({ source: "Bench_Press", target: "db_bench_press" })]);
    expect(run.summary.merge_candidates_awaiting_rename_listed).toEqual([
      { families: ["Hip_Thrust", "hip-thrusts"], reason: expect.stringContaining("FAMILY_RENAME_SLUG") },
    ]);
    expect(await otherJobs(db, run.jobId)).toEqual([
      expect.objectContaining({
        type: "FAMILY_MERGE",
        payload: { mode: "dry_run", merge_config: { source_family: "Bench_Press", target_family: "db_bench_press" } },
      }),
    ]);
  });
});
