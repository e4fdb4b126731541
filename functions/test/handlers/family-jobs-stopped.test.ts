/**
 * Family jobs stopped part-way (a worker killed with no attempt left, a plan gone stale), then finished: by another
 * job or by an operator's retry of the stopped one, which resumes its frozen plan. Nothing may be left leading to an
 * exercise a merge retired, and no moved exercise may lose the alias of its old name.
 */
import type { Firestore } from "firebase-admin/firestore";
import { APPLY_COLLECTIONS } from "../../src/apply/collections";
import { CATALOG_COLLECTIONS } from "../../src/catalog/collections";
import { computeFamilyRegistry } from "../../src/catalog/family-registry";
import { registry } from "../../src/handlers";
import { JobFailure } from "../../src/jobs/errors";
import { type ExerciseFixture, exerciseFixture, seedCatalog } from "../helpers/catalog";
import { type TestHandlerInput, leaseAgainForTest, leaseForTest, makeTestDeps } from "../helpers/engine";
import { useFirestore } from "../helpers/firestore";
import { alias, dyingAfterChanges, exercise, runJob } from "./support";

const db = useFirestore();

/** `db` that, once `changes` catalog changes are journaled, does `meanwhile` before its next transaction (once) and then its transactions. */
function afterChanges(changes: number, meanwhile: () => Promise<void>): Firestore {
  let done = false;
  return new Proxy(db, {
    get(target, prop) {
      if (prop !== "runTransaction") return Reflect.get(target, prop);
      return async (...args: Parameters<Firestore["runTransaction"]>) => {
        if (!done && (await db.collection(APPLY_COLLECTIONS.changes).get()).size >= changes) {
          done = true;
          await meanwhile();
        }
        return target.runTransaction(...args);
      };
    },
  });
}

/** Runs the job `type` on `dying` until the worker dies, and ends its attempt with none left, freeing its locks. */
async function killed(dying: Firestore, type: string, payload: Record<string, unknown>): Promise<TestHandlerInput> {
  const input = await leaseForTest(makeTestDeps(dying, { applyEnabled: true }), { type, payload });
  await expect(registry.handlerFor(type).run(input)).rejects.toThrow("worker killed");
  const crash = { error: JobFailure.transient("TEST_CRASH", "worker killed").toInfo() };
  await makeTestDeps(db, { applyEnabled: true }).queue.endAttempt(input.lease, {
    event: "exhaust",
    fields: crash,
    bookkeeping: () => undefined,
  });
  return input;
}

const registries = (exercises: readonly ExerciseFixture[]) =>
  [...new Set(exercises.map(({ family_slug }) => String(family_slug)))].map((slug) =>
    computeFamilyRegistry(
      slug,
      exercises.filter(({ family_slug }) => family_slug === slug),
    ),
  );

describe("FAMILY_MERGE stopped part-way", () => {
  // rows merges into row, its barbell and cable rows into row's twins; an alias and an exercise merged earlier lead to its barbell row.
  const metadata = { metadata: { level: "beginner", plane_of_motion: "sagittal", unilateral: false } };
  const pendlay = exerciseFixture("Pendlay Rows (Barbell)", ["barbell"], { status: "merged", merged_into: "rows__rows-barbell" });
  const exercises = [
    exerciseFixture("Row (Barbell)", ["barbell"]),
    exerciseFixture("Row (Cable)", ["cable"]),
    exerciseFixture("Rows (Barbell)", ["barbell"], metadata),
    exerciseFixture("Rows (Cable)", ["cable"], metadata),
    pendlay,
  ];
  const seed = () =>
    seedCatalog(db, {
      exercises,
      families: registries(exercises),
      aliases: [{ alias_slug: "bb-rows", exercise_id: "rows__rows-barbell", is_family_alias: false }],
    });
  const merge = { mode: "apply", merge_config: { source_family: "rows", target_family: "row" } };

  /** Whether what led to rows' barbell row, which the merge retired, leads to its twin. */
  async function expectFollowingTwin(): Promise<void> {
    expect(await exercise(db, "rows__rows-barbell")).toMatchObject({ status: "merged", merged_into: "row__row-barbell" });
    expect(await alias(db, "bb-rows")).toMatchObject({ exercise_id: "row__row-barbell" });
    expect(await exercise(db, pendlay.id)).toMatchObject({ status: "merged", merged_into: "row__row-barbell" });
  }

  it("re-points what followed each exercise it merged away before it goes on: a later merge gone stale leaves nothing leading to a retired one", async () => {
    await seed();
    // Once the first merge is applied, an enrichment fills the metadata the second merge would have filled: that merge is stale.
    const enriched = afterChanges(1, async () => {
      await db
        .collection(CATALOG_COLLECTIONS.exercises)
        .doc("row__row-cable")
        .update({ metadata: { level: "advanced" } });
    });
    const run = await runJob(makeTestDeps(enriched, { applyEnabled: true }), "FAMILY_MERGE", merge);

    expect(run).toMatchObject({ status: "needs_review", error: { code: "TARGET_CHANGED" } });
    await expectFollowingTwin();
  });

  it("finished by another FAMILY_MERGE, re-points what still leads to an exercise the stopped one merged away", async () => {
    await seed();
    // The worker dies once the first merge is applied, before anything that follows it.
    await killed(dyingAfterChanges(db, 1), "FAMILY_MERGE", merge);
    expect(await exercise(db, "rows__rows-barbell")).toMatchObject({ status: "merged", merged_into: "row__row-barbell" });
    expect(await alias(db, "bb-rows")).toMatchObject({ exercise_id: "rows__rows-barbell" });

    const finish = await runJob(makeTestDeps(db, { applyEnabled: true }), "FAMILY_MERGE", merge);

    expect(finish).toMatchObject({ status: "succeeded", error: null, summary: { merged_exercises: 1 } });
    // It re-points an exercise of another family, which it locks as it locks every family it changes.
    expect(finish.lockKeys).toEqual(["family:rows", "family:row", `family:${String(pendlay.family_slug)}`]);
    await expectFollowingTwin();
    expect(await exercise(db, "rows__rows-cable")).toMatchObject({ status: "merged", merged_into: "row__row-cable" });
  });
});

describe("FAMILY_RENAME_SLUG stopped part-way", () => {
  // Its barbell curl was created under another name: only the rename's plan knows its old slug, curl-barbell.
  const barbell = exerciseFixture("Curl (Barbell)", ["barbell"], { id: "curl__curl-bb" });
  const dumbbell = exerciseFixture("Curl (Dumbbell)", ["dumbbell"]);
  const rename = { mode: "apply", rename_config: { old_family_slug: "curl", new_family_slug: "biceps_curl" } };

  it("fails a new rename with FAMILY_EXISTS advising a retry of the stopped one, which keeps the moved exercises' old slugs", async () => {
    await seedCatalog(db, { exercises: [barbell, dumbbell], families: registries([barbell, dumbbell]) });
    // The worker dies once the barbell curl moved, before the alias of its old name is written.
    const stopped = await killed(dyingAfterChanges(db, 1), "FAMILY_RENAME_SLUG", rename);
    expect(await exercise(db, barbell.id)).toMatchObject({ family_slug: "biceps_curl", name: "Biceps Curl (Barbell)" });
    expect(await alias(db, "curl-barbell")).toBeNull();
    const deps = makeTestDeps(db, { applyEnabled: true });

    const again = await runJob(deps, "FAMILY_RENAME_SLUG", rename);
    expect(again).toMatchObject({
      status: "failed",
      error: {
        code: "FAMILY_EXISTS",
        message:
          "family biceps_curl already holds 1 exercise(s) moved from curl (a rename that stopped part-way?): retry that " +
          "FAMILY_RENAME_SLUG job, whose plan still holds the rest of the rename, the old slugs of the moved exercises kept as " +
          "aliases among it; a FAMILY_MERGE of curl into biceps_curl would finish it without those aliases",
        details: { family_slug: "biceps_curl", moved_from_source: [barbell.id] },
      },
    });

    // The operator's retry resumes the frozen plan.
    await deps.queue.retryJob(stopped.job.id);
    const retried = await registry.handlerFor("FAMILY_RENAME_SLUG").run(await leaseAgainForTest(deps, stopped.job.id));
    expect(retried).toMatchObject({ kind: "completed", status: "succeeded" });
    expect(await alias(db, "curl-barbell")).toMatchObject({ exercise_id: barbell.id });
    expect(await exercise(db, dumbbell.id)).toMatchObject({ family_slug: "biceps_curl", name: "Biceps Curl (Dumbbell)" });
    expect(await alias(db, "curl")).toMatchObject({ family_slug: "biceps_curl", is_family_alias: true });
  });
});
