/**
 * A family job's frozen plan retires a family (its registry entry written merged) after moving its
 * members out. Cut short part-way, it resumes later: by an operator's retry once its attempts ran
 * out, after its locks were freed. A job that ran meanwhile may have given the family a new live
 * exercise, which the plan does not move; the resumed plan must not merge the family over it.
 */
import { CATALOG_COLLECTIONS } from "../../src/catalog/collections";
import { computeFamilyRegistry } from "../../src/catalog/family-registry";
import { registry } from "../../src/handlers";
import { JobFailure } from "../../src/jobs/errors";
import { exerciseFixture, seedCatalog } from "../helpers/catalog";
import { leaseAgainForTest, leaseForTest, makeTestDeps } from "../helpers/engine";
import { useFirestore } from "../helpers/firestore";
import { dyingAfterChanges, exercise, family, runJob } from "../handlers/support";

const db = useFirestore();

it("a resumed FAMILY_RENAME_SLUG does not merge a family that gained a live exercise meanwhile: needs_review TARGET_CHANGED", async () => {
  const barbell = exerciseFixture("Curl (Barbell)", ["barbell"]);
  const dumbbell = exerciseFixture("Curl (Dumbbell)", ["dumbbell"]);
  await seedCatalog(db, { exercises: [barbell, dumbbell], families: [computeFamilyRegistry("curl", [barbell, dumbbell])] });
  const rename = registry.handlerFor("FAMILY_RENAME_SLUG");
  const payload = { mode: "apply", rename_config: { old_family_slug: "curl", new_family_slug: "biceps_curl" } };
  const input = await leaseForTest(makeTestDeps(dyingAfterChanges(db, 4), { applyEnabled: true }), { type: "FAMILY_RENAME_SLUG", payload });

  // Both members moved to biceps_curl (each with the alias of its old name), then the worker dies with no attempt left.
  await expect(rename.run(input)).rejects.toThrow("worker killed");
  expect((await exercise(db, barbell.id))?.family_slug).toBe("biceps_curl");
  expect((await exercise(db, dumbbell.id))?.family_slug).toBe("biceps_curl");
  const deps = makeTestDeps(db, { applyEnabled: true });
  const crash = { error: JobFailure.transient("TEST_CRASH", "worker killed").toInfo() };
  await deps.queue.endAttempt(input.lease, { event: "exhaust", fields: crash, bookkeeping: () => undefined });

  // Its locks are free: a cable curl is added to curl, which is not merged yet.
  const add = await runJob(deps, "EXERCISE_ADD", { mode: "apply", intent: { base_name: "Curl", equipment: ["cable"] } });
  expect(add.status).toBe("succeeded");
  const cable = (await db.collection(CATALOG_COLLECTIONS.exercises).where("family_slug", "==", "curl").get()).docs.map((doc) => doc.id);
  expect(cable).toHaveLength(1);

  // An operator's retry resumes the frozen plan, which stops at the registry update of curl.
  await deps.queue.retryJob(input.job.id);
  const outcome = await rename.run(await leaseAgainForTest(deps, input.job.id, "test-worker-3"));
  expect(outcome).toMatchObject({
    status: "needs_review",
    error: {
      code: "TARGET_CHANGED",
      details: {
        failed: [
          {
            op: "update_family_registry",
            code: "STALE_PLAN",
            path: "status",
            message: `update_family_registry: family curl would be merged with live exercise ${cable[0]} in it, which the plan does not move`,
          },
        ],
      },
    },
  });
  expect(await family(db, "curl")).toMatchObject({ status: "active", exercise_count: 1 });
  expect(await exercise(db, cable[0])).toMatchObject({ family_slug: "curl", status: "draft" });
});
