/**
 * The benchmark's instrument, checked on operations whose bill is known. Each expectation states the
 * billed numbers and the rule of the Cloud Firestore pricing page ("Understand Cloud Firestore
 * billing") it follows; where the emulator cannot show what production bills, the comment says so
 * and the counter's conservative choice is what is asserted.
 */
import { AggregateField, FieldValue, type Firestore } from "firebase-admin/firestore";
import { OpCounter, countOps, rangeFields } from "../../bench/billing-counter";
import { describeWithFullEmulator, describeWithIsolation, newFirestore, useFirestore } from "../helpers/firestore";

const db = useFirestore();
const things = () => db.collection("things");

async function seed(n: number, data: (i: number) => Record<string, unknown> = (i) => ({ i })): Promise<void> {
  for (let start = 0; start < n; start += 500) {
    const batch = db.batch();
    for (let i = start; i < Math.min(n, start + 500); i++) batch.set(things().doc(`t${String(i).padStart(5, "0")}`), data(i));
    await batch.commit();
  }
}

/** A listener on a collection that records every snapshot's changes. */
function listen(db: Firestore, collection: string) {
  const snapshots: string[][] = [];
  const stop = db.collection(collection).onSnapshot((snap) => {
    snapshots.push(snap.docChanges().map((change) => `${change.type}:${change.doc.id}`));
  });
  /** Resolves once the snapshots so far hold `n` changes. */
  const changes = async (n: number): Promise<string[]> => {
    while (snapshots.flat().length < n) await new Promise((resolve) => setTimeout(resolve, 20));
    return snapshots.flat();
  };
  /** Resolves once `n` snapshots arrived. */
  const count = async (n: number): Promise<void> => {
    while (snapshots.length < n) await new Promise((resolve) => setTimeout(resolve, 20));
  };
  return { changes, count, stop };
}

describe("billing counter: reads", () => {
  it("a get of an existing document is 1 read, 1 RPC", async () => {
    await seed(1);
    // "You are charged for each document read."
    const { counts } = await countOps(db, () => things().doc("t00000").get());
    expect(counts).toMatchObject({ reads: 1, writes: 0, rpcs: 1, byMethod: { batchGetDocuments: 1 } });
  });

  it("a get of a missing document is 1 read", async () => {
    // The pricing page does not say it in so many words; counted like the query minimum ("a minimum
    // charge of one document read for each query ... even if the query returns no results"): conservative.
    const { result, counts } = await countOps(db, () => things().doc("nope").get());
    expect(result.exists).toBe(false);
    expect(counts).toMatchObject({ reads: 1, writes: 0, rpcs: 1 });
  });

  it("getAll of 3 documents, 1 of them missing, is 3 reads in 1 RPC", async () => {
    await seed(2);
    const { result, counts } = await countOps(db, () => db.getAll(things().doc("t00000"), things().doc("t00001"), things().doc("nope")));
    expect(result.filter((snap) => snap.exists)).toHaveLength(2);
    expect(counts).toMatchObject({ reads: 3, rpcs: 1, readsByMethod: { batchGetDocuments: 3 } });
  });

  it("a query returning 5 documents is 5 reads", async () => {
    await seed(8);
    // "You are charged for documents ... read to satisfy a query": one per document returned.
    const { result, counts } = await countOps(db, () => things().where("i", "<", 5).get());
    expect(result.size).toBe(5);
    expect(counts).toMatchObject({ reads: 5, indexReads: 0, rpcs: 1, byMethod: { runQuery: 1 } });
  });

  it("a query returning nothing is 1 read", async () => {
    // "There is a minimum charge of one document read for each query that you perform, even if the query returns no results."
    const { result, counts } = await countOps(db, () => things().where("i", "==", 42).get());
    expect(result.empty).toBe(true);
    expect(counts).toMatchObject({ reads: 1, rpcs: 1 });
  });

  it("a query with an offset of 2 returning 3 documents is 5 reads", async () => {
    await seed(5);
    // "when you send a query that includes an offset, you are charged a read for each skipped document".
    const { result, counts } = await countOps(db, () => things().orderBy("i").offset(2).get());
    expect(result.size).toBe(3);
    expect(counts).toMatchObject({ reads: 5, rpcs: 1 });
  });

  it("a query with two range fields returning 2 documents is 3 reads: 2 documents and at least 1 batch of index entries", async () => {
    await seed(4, (i) => ({ i, j: i }));
    // "one read operation for each batch of up to 1000 index entries read by a query", except
    // "Queries that have up to one range field"; an order-by field counts as a range field when the
    // query has another one. The entries the server read are not visible: counted 1 batch (a lower bound).
    const { result, counts } = await countOps(db, () => things().where("i", ">=", 2).orderBy("j").get());
    expect(result.size).toBe(2);
    expect(counts).toMatchObject({ reads: 3, indexReads: 1, rpcs: 1 });
  });

  it("a count() is 1 read per batch of up to 1000 index entries, at least 1", async () => {
    // "count() operations that read between 0 and 1000 index entries are billed for one document
    // read. For a count() operation that reads 1500 index entries, you are billed 2 document reads."
    const empty = await countOps(db, () => things().count().get());
    expect(empty.result.data().count).toBe(0);
    expect(empty.counts).toMatchObject({ reads: 1, rpcs: 1, byMethod: { runAggregationQuery: 1 } });

    await seed(1500, (i) => ({ i, seven: 7 }));
    const many = await countOps(db, () => things().count().get());
    expect(many.result.data().count).toBe(1500);
    expect(many.counts).toMatchObject({ reads: 2, rpcs: 1, readsByMethod: { runAggregationQuery: 2 } });
    // The entries are the count's, not a sum's (here 1500 × 7); sums beside it cost nothing more.
    const withSums = await countOps(db, () =>
      things()
        .aggregate({ n: AggregateField.count(), seven: AggregateField.sum("seven") })
        .get(),
    );
    expect(withSums.result.data()).toEqual({ n: 1500, seven: 10_500 });
    expect(withSums.counts).toMatchObject({ reads: 2, rpcs: 1 });
  });
});

describeWithFullEmulator("billing counter: writes", () => {
  it("a set, an update and a delete are 1 write each; the delete is also counted as a delete", async () => {
    // "For writes, each set or update operation counts as a single write"; deletes are billed per document deleted.
    const ref = things().doc("a");
    const set = await countOps(db, () => ref.set({ n: 1 }));
    const update = await countOps(db, () => ref.update({ n: 2 }));
    const del = await countOps(db, () => ref.delete());
    expect(set.counts).toMatchObject({ reads: 0, writes: 1, deletes: 0, rpcs: 1, byMethod: { commit: 1 } });
    expect(update.counts).toMatchObject({ reads: 0, writes: 1, deletes: 0, rpcs: 1 });
    expect(del.counts).toMatchObject({ reads: 0, writes: 1, deletes: 1, rpcs: 1 });
  });

  it("a field transform is part of its write: a merge set with an increment is 1 write, so is a transform-only update", async () => {
    const ref = things().doc("counter");
    const merged = await countOps(db, () => ref.set({ day: "x", runs: FieldValue.increment(1) }, { merge: true }));
    const transformOnly = await countOps(db, () => ref.update({ runs: FieldValue.increment(1) }));
    expect(merged.counts).toMatchObject({ writes: 1, rpcs: 1 });
    expect(transformOnly.counts).toMatchObject({ writes: 1, rpcs: 1 });
    expect((await ref.get()).get("runs")).toBe(2);
  });

  it("a batch of 3 writes is 3 writes in 1 RPC", async () => {
    const { counts } = await countOps(db, () => {
      const batch = db.batch();
      batch.set(things().doc("a"), { n: 1 });
      batch.set(things().doc("b"), { n: 1 });
      batch.set(things().doc("c"), { n: 1 });
      return batch.commit();
    });
    expect(counts).toMatchObject({ reads: 0, writes: 3, rpcs: 1 });
  });

  it("a BulkWriter's 3 writes are 3 writes", async () => {
    const { counts } = await countOps(db, async () => {
      const writer = db.bulkWriter();
      for (const id of ["a", "b", "c"]) void writer.set(things().doc(id), { n: 1 });
      await writer.close();
    });
    expect(counts).toMatchObject({ writes: 3, failedWrites: 0, byMethod: { batchWrite: 1 } });
  });

  it("a create that fails with ALREADY_EXISTS is counted as 1 write, marked failed", async () => {
    await seed(1);
    // Whether production bills a refused write is not documented and the emulator cannot tell: counted (conservative).
    const { counts } = await countOps(db, () =>
      things()
        .doc("t00000")
        .create({ i: 9 })
        .catch(() => "refused"),
    );
    expect(counts).toMatchObject({ writes: 1, failedWrites: 1, failedCommits: 1, rpcs: 1 });
  });

  it("an update whose update-time precondition fails is counted as 1 write, marked failed", async () => {
    await seed(1);
    const ref = things().doc("t00000");
    const seen = await ref.get();
    await ref.update({ i: 1 });
    // As above: a refused commit is counted, conservatively.
    const { result, counts } = await countOps(db, () =>
      ref.update({ i: 2 }, { lastUpdateTime: seen.updateTime! }).then(
        () => "written",
        () => "refused",
      ),
    );
    expect(result).toBe("refused");
    expect(counts).toMatchObject({ reads: 0, writes: 1, failedWrites: 1, failedCommits: 1, rpcs: 1 });
  });
});

describeWithIsolation("billing counter: transactions", () => {
  it("a transaction that reads and writes one document is 1 read, 1 write, in 2 RPCs (no BeginTransaction)", async () => {
    await seed(1);
    const ref = things().doc("t00000");
    const { counts } = await countOps(db, () =>
      db.runTransaction(async (tx) => {
        const snap = await tx.get(ref);
        tx.update(ref, { i: (snap.get("i") as number) + 1 });
      }),
    );
    expect(counts).toMatchObject({ reads: 1, writes: 1, failedWrites: 0, rpcs: 2, byMethod: { batchGetDocuments: 1, commit: 1 } });
  });

  it("a transaction retried on contention pays its first attempt's read and (conservatively) its refused write again", async () => {
    await seed(1);
    const other = newFirestore();
    const older = new OpCounter();
    const younger = new OpCounter();
    const detach = [older.attach(db), younger.attach(other)];
    let youngerAttempts = 0;
    let youngerRead: () => void = () => undefined;
    const youngerHasRead = new Promise<void>((resolve) => (youngerRead = resolve));
    let youngerTx: Promise<void> | undefined;
    // The older transaction reads, then a younger one (another client) reads and commits first; the
    // emulator's locks are wound-wait, so the younger commit is ABORTED and its transaction runs again.
    await db.runTransaction(async (tx) => {
      const snap = await tx.get(things().doc("t00000"));
      youngerTx ??= other.runTransaction(async (tx2) => {
        youngerAttempts++;
        const theirs = await tx2.get(other.collection("things").doc("t00000"));
        youngerRead();
        tx2.update(theirs.ref, { i: (theirs.get("i") as number) + 10 });
      });
      await youngerHasRead;
      await new Promise((resolve) => setTimeout(resolve, 200));
      tx.update(snap.ref, { i: (snap.get("i") as number) + 1 });
    });
    await youngerTx;
    detach.forEach((stop) => stop());

    expect(youngerAttempts).toBe(2);
    expect((await things().doc("t00000").get()).get("i")).toBe(11);
    expect(older.counts).toMatchObject({ reads: 1, writes: 1, failedWrites: 0, rpcs: 2 });
    // Every attempt's read is billed; the refused commit's write is counted (conservative), then a Rollback.
    expect(younger.counts).toMatchObject({
      reads: 2,
      writes: 2,
      failedWrites: 1,
      failedCommits: 1,
      rpcs: 5,
      byMethod: { batchGetDocuments: 2, commit: 2, rollback: 1 },
    });
  });
});

describe("billing counter: listeners", () => {
  it("a listener is billed 1 read per document in its first snapshot, then 1 per document added or changed", async () => {
    await seed(1);
    const writer = newFirestore();
    const counter = new OpCounter();
    const detach = counter.attach(db);
    const listener = listen(db, "things");
    await listener.count(1);
    // "you are charged for a read each time a document in the result set is added or updated".
    // The emulator re-sends the whole result set on every change; the counter bills only the
    // difference between consecutive snapshots, as production would send it.
    await writer.collection("things").doc("t00001").set({ i: 1 });
    await writer.collection("things").doc("t00000").update({ i: 5 });
    const changes = await listener.changes(3);
    listener.stop();
    detach();
    expect(changes).toEqual(["added:t00000", "added:t00001", "modified:t00000"]);
    expect(counter.counts).toMatchObject({ reads: 1 + 2, writes: 0, byMethod: { listen: 1 }, readsByMethod: { listen: 3 } });
  });

  it("a listener on an empty result set is billed the query minimum of 1 read", async () => {
    const counter = new OpCounter();
    const detach = counter.attach(db);
    const listener = listen(db, "things");
    await listener.count(1);
    listener.stop();
    detach();
    expect(counter.counts).toMatchObject({ reads: 1, rpcs: 1 });
  });

  it("a document deleted from a listener's result set is counted 1 read (production bills none; the emulator cannot tell)", async () => {
    await seed(2);
    const counter = new OpCounter();
    const detach = counter.attach(db);
    const listener = listen(db, "things");
    await listener.count(1);
    await newFirestore().collection("things").doc("t00001").delete();
    const changes = await listener.changes(3);
    listener.stop();
    detach();
    expect(changes).toEqual(["added:t00000", "added:t00001", "removed:t00001"]);
    expect(counter.counts.reads).toBe(2 + 1);
  });
});

describe("billing counter: scope", () => {
  it("counts only the client it is attached to, and nothing once detached", async () => {
    const other = newFirestore();
    const counter = new OpCounter();
    const detach = counter.attach(db);
    await things().doc("mine").set({ n: 1 });
    await other.collection("things").doc("theirs").set({ n: 1 });
    detach();
    await things().doc("mine").get();
    expect(counter.counts).toMatchObject({ reads: 0, writes: 1, rpcs: 1 });
    const again = counter.attach(db); // detaching left the client as it was
    again();
  });

  it("refuses to count one client twice", () => {
    const counter = new OpCounter();
    const detach = counter.attach(db);
    expect(() => new OpCounter().attach(db)).toThrow(/already counted/);
    detach();
  });
});

describe("rangeFields", () => {
  const field = (fieldPath: string) => ({ field: { fieldPath } });
  it("counts inequality fields, order-by fields once another range field exists, and __name__ always", () => {
    const poll = {
      where: {
        compositeFilter: {
          filters: [
            { fieldFilter: { ...field("status"), op: "IN" } },
            { fieldFilter: { ...field("queue"), op: "EQUAL" } },
            { fieldFilter: { ...field("run_after"), op: "LESS_THAN_OR_EQUAL" } },
          ],
        },
      },
      orderBy: [field("priority"), field("created_at")],
    };
    expect([...rangeFields(poll)].sort()).toEqual(["created_at", "priority", "run_after"]);
    expect([...rangeFields({ where: { fieldFilter: { ...field("status"), op: "EQUAL" } }, orderBy: [field("created_at")] })]).toEqual([]);
    expect([...rangeFields({ orderBy: [field("age"), field("__name__")] })].sort()).toEqual(["__name__", "age"]);
  });
});
