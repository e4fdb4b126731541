/**
 * What the console's reads say when the SDK cannot reach the server (data.ts): every listener's and one-off read's
 * answer says it came from the cache alone, so that the views make no statement of absence from it ("There is no
 * job", "Nothing is running", "No run matches"). The SDK here never had a server: it answers from its empty cache.
 */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { deleteApp, initializeApp } from "firebase/app";
import { disableNetwork, getFirestore, terminate } from "firebase/firestore";
import { ConsoleData, type Listener } from "../../src/data";
import { DEMO_PROJECT_ID } from "../../src/firebase";

const app = initializeApp({ projectId: DEMO_PROJECT_ID, apiKey: "unused" }, "offline-test");
const db = getFirestore(app);
await disableNetwork(db);
after(async () => {
  await terminate(db);
  await deleteApp(app);
});
const data = new ConsoleData(db);

/** The first answer of a listener, with whether only the cache gave it. */
function firstAnswer<T>(watch: (listener: Listener<T>) => () => void): Promise<{ value: T; fromCache: boolean }> {
  return new Promise((resolve, reject) => {
    const stop = watch({
      next: (value, fromCache) => {
        stop();
        resolve({ value, fromCache });
      },
      error: reject,
    });
  });
}

describe("offline, the console's reads", () => {
  it("say a job the cache does not hold is only absent from the cache", async () => {
    assert.deepEqual(await firstAnswer((l) => data.watchJob("j1", l)), { value: null, fromCache: true });
  });

  it("say the queue's, a job's and the days' empty lists come from the cache", async () => {
    const answers = await Promise.all([
      firstAnswer((l) => data.watchRunningJobs(l)),
      firstAnswer((l) => data.watchWaitingJobs(l)),
      firstAnswer((l) => data.watchFinishedJobs(new Date("2026-12-01T00:00:00Z"), l)),
      firstAnswer((l) => data.watchFailedJobs(new Date("2026-12-01T00:00:00Z"), l)),
      firstAnswer((l) => data.watchAttempts("j1", l)),
      firstAnswer((l) => data.watchChanges("j1", 100, l)),
      firstAnswer((l) => data.watchFrozenPlan("j1", "p1", l)),
      firstAnswer((l) => data.watchDailyTotals(["2026-12-01", "2026-12-02"], l)),
    ]);
    assert.deepEqual(
      answers.map((answer) => answer.fromCache),
      answers.map(() => true),
    );
  });

  it("say a history page and a day's runs read from the cache", async () => {
    const page = await data.historyPage({}, 25);
    assert.deepEqual(page, { value: { rows: [], next: null }, fromCache: true });
    const runs = await data.runsBetween(new Date("2026-12-01T00:00:00Z"), new Date("2026-12-02T00:00:00Z"));
    assert.deepEqual(runs, { value: [], fromCache: true });
  });
});
