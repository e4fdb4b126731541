/**
 * `runTransaction` runs a transaction again when the emulator closed it under contention (its
 * INVALID_ARGUMENT "Transaction is invalid or closed", which the client does not retry), and only then.
 * The closing is raised from inside a real transaction on the emulator, as the emulator raises it on a read.
 */
import { runTransaction } from "../../src/util/transactions";
import { useFirestore } from "../helpers/firestore";

const db = useFirestore();
const closed = () => Object.assign(new Error("3 INVALID_ARGUMENT: Transaction is invalid or closed."), { code: 3 });

describe("runTransaction", () => {
  it("runs a transaction the emulator closed again, and commits it once", async () => {
    const ref = db.collection("transactions-test").doc("counter");
    await ref.set({ n: 0 });
    let runs = 0;
    const result = await runTransaction(db, async (tx) => {
      runs++;
      const n = (await tx.get(ref)).get("n") as number;
      if (runs <= 2) throw closed();
      tx.update(ref, { n: n + 1 });
      return n + 1;
    });
    expect({ result, runs }).toEqual({ result: 1, runs: 3 });
    expect((await ref.get()).get("n")).toBe(1);
  });

  it("gives up after five runs, and does not run again for any other error", async () => {
    let runs = 0;
    await expect(
      runTransaction(db, () => {
        runs++;
        return Promise.reject(closed());
      }),
    ).rejects.toThrow("Transaction is invalid or closed");
    expect(runs).toBe(5);

    runs = 0;
    const invalid = Object.assign(new Error("3 INVALID_ARGUMENT: a bad value"), { code: 3 });
    await expect(
      runTransaction(db, () => {
        runs++;
        return Promise.reject(invalid);
      }),
    ).rejects.toBe(invalid);
    expect(runs).toBe(1);
  });
});
