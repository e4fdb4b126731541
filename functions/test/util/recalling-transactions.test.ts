/**
 * `runRecallingLastAnswer` tells each run of a transaction's function what the run before answered: the run the
 * Firestore client makes after a commit whose reply it lost, and the run after the emulator closed the transaction.
 */
import { runRecallingLastAnswer } from "../../src/util/transactions";
import { useFirestore } from "../helpers/firestore";
import { losingTransactionReplies } from "../helpers/transactions";

const db = useFirestore();
const closed = () => Object.assign(new Error("3 INVALID_ARGUMENT: Transaction is invalid or closed."), { code: 3 });
afterEach(() => jest.restoreAllMocks());

describe("runRecallingLastAnswer", () => {
  it("gives each run the last answer, across a lost reply and a closed transaction", async () => {
    const ref = db.collection("transactions-test").doc("runs");
    const lastAnswers: Array<number | undefined> = [];
    losingTransactionReplies();

    const answer = await runRecallingLastAnswer(db, async (tx, lastAnswer: number | undefined) => {
      lastAnswers.push(lastAnswer);
      const run = lastAnswers.length;
      await tx.get(ref);
      // The run after the first commit's lost reply: the emulator closed it; the run after that is told the first's answer.
      if (run === 2) throw closed();
      tx.set(ref, { run });
      return run;
    });

    expect(lastAnswers).toEqual([undefined, 1, 1, 3]);
    expect(answer).toBe(4);
  });
});
