import { enrichmentClaims } from "../../src/handlers/support/exercise-claims";
import { useFirestore } from "../helpers/firestore";
import { testQueue } from "../helpers/engine";

const db = useFirestore();

describe("an enrichment holding its exercises", () => {
  const claims = () => enrichmentClaims({ db, now: () => new Date(), config: { retainJobsMs: 86_400_000 } });
  const enrichment = async () =>
    (await testQueue(db).createJob({ type: "FAMILY_AUDIT", payload: { family_slug: "squat" }, created_by: "test" })).jobId;

  it("leaves an exercise another open job holds to that job, and holds the rest", async () => {
    const [scans, adds] = [await enrichment(), await enrichment()];
    await claims().record(scans, [{ id: "squat__squat-barbell", answers: "its findings" }]);

    await claims().hold(adds, ["squat__squat-barbell", "squat__squat-dumbbell"]);

    const held = await claims().holders([
      { id: "squat__squat-barbell", answers: "its findings" },
      { id: "squat__squat-dumbbell", answers: "other findings" },
    ]);
    expect(Object.fromEntries([...held].map(([id, holder]) => [id, holder.jobId]))).toEqual({
      "squat__squat-barbell": scans,
      "squat__squat-dumbbell": adds,
    });
  });
});
