/**
 * An operation or a revert whose commit landed with its reply lost: the Firestore client runs the transaction's
 * function again, which finds what it wrote. It answers as the run that wrote it did (applied, reverted), so the
 * attempt counts the change the journal holds; what an earlier call did is still answered as done before.
 */
import { CATALOG_COLLECTIONS } from "../../src/catalog/collections";
import { APPLY_COLLECTIONS } from "../../src/apply/collections";
import { planWriter } from "../../src/apply/run-plan";
import { revertChange } from "../../src/apply/journal";
import { computeFamilyRegistry } from "../../src/catalog/family-registry";
import { exerciseFixture, planOf, renameOf, seedCatalog } from "../helpers/catalog";
import { leaseForTest, makeTestDeps, testApplyEngine } from "../helpers/engine";
import { useFirestore } from "../helpers/firestore";
import { losingTransactionReplies } from "../helpers/transactions";

const benchBarbell = exerciseFixture("Bench Press (Barbell)", ["barbell"]);
const benchDumbbell = exerciseFixture("Bench Press (Dumbbell)", ["dumbbell"]);
const rationale = "test";

const db = useFirestore();
afterEach(() => jest.restoreAllMocks());

/** The catalog with bench_press's registry entry counting only the barbell variant: a recompute changes it. */
async function start() {
  await seedCatalog(db, {
    exercises: [benchBarbell, benchDumbbell],
    families: [computeFamilyRegistry("bench_press", [benchBarbell])],
  });
  const deps = makeTestDeps(db, { applyEnabled: true });
  const input = await leaseForTest(deps, { type: "FAMILY_NORMALIZE", payload: { mode: "apply", family_slug: "bench_press" } });
  return { deps, input, engine: testApplyEngine(db), writer: planWriter(input, (_op, index) => `test/${index}`) };
}

const journalIds = async () => (await db.collection(APPLY_COLLECTIONS.changes).get()).docs.map((doc) => doc.id);

describe("an operation whose commit reply was lost", () => {
  it("is reported applied, with its change, by the call that applied it; a later call of the job skips it", async () => {
    const { engine, writer } = await start();
    const plan = planOf([renameOf(benchBarbell, "Flat Bench Press (Barbell)")]);
    const lost = losingTransactionReplies();

    const result = await engine.apply(plan, writer);

    expect(lost.reruns).toBe(1);
    const journal = await journalIds();
    expect(journal).toHaveLength(1);
    expect(result).toMatchObject({ applied: [{ operation_index: 0, change_id: journal[0] }], skipped: [], change_ids: journal });

    const again = await engine.apply(plan, writer);
    expect(again).toMatchObject({ applied: [], skipped: [{ reason: "already_applied", change_id: journal[0] }], change_ids: [] });
    expect(await journalIds()).toEqual(journal);
  });

  it("is reported applied for a registry recompute (no record: its journal entry); a later call finds it in effect", async () => {
    const { engine, writer } = await start();
    const plan = planOf([{ op: "update_family_registry", family_slug: "bench_press", rationale }]);
    losingTransactionReplies();

    const result = await engine.apply(plan, writer);

    const journal = await journalIds();
    expect(journal).toHaveLength(1);
    expect(result).toMatchObject({ applied: [{ operation_index: 0, idempotency_key: null, change_id: journal[0] }], unchanged: [] });
    const registry = await db.collection(CATALOG_COLLECTIONS.families).doc("bench_press").get();
    expect(registry.data()).toMatchObject({ exercise_count: 2, primary_equipment: ["barbell", "dumbbell"] });

    const again = await engine.apply(plan, writer);
    expect(again).toMatchObject({ applied: [], unchanged: [{ operation_index: 0, reason: "already_in_effect" }] });
    expect(await journalIds()).toEqual(journal);
  });
});

describe("a revert whose commit reply was lost", () => {
  it("is answered reverted by the call that reverted it; a later call answers already_reverted", async () => {
    const { deps, input, engine, writer } = await start();
    const [changeId] = (await engine.apply(planOf([renameOf(benchBarbell, "Flat Bench Press (Barbell)")]), writer)).change_ids;
    await deps.queue.endAttempt(input.lease, { event: "succeed", fields: {}, bookkeeping: () => undefined });
    const lost = losingTransactionReplies();

    const reverted = await revertChange(db, changeId, { revertedBy: "operator" });

    expect(lost.reruns).toBe(1);
    expect(reverted).toMatchObject({ change_id: changeId, status: "reverted" });
    expect((await db.collection(CATALOG_COLLECTIONS.exercises).doc(benchBarbell.id).get()).get("name")).toBe("Bench Press (Barbell)");
    expect((await revertChange(db, changeId, { revertedBy: "operator" })).status).toBe("already_reverted");
  });
});
