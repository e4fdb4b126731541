/** documentBytes against the official emulator, which enforces Firestore's 1 MiB document limit to the byte. */
import { Timestamp } from "firebase-admin/firestore";
import { documentBytes } from "../../src/util/firestore-size";
import { describeWithFullEmulator, useFirestore } from "../helpers/firestore";

const db = useFirestore();
const FIRESTORE_LIMIT = 1_048_576;
const collection = "size_checks";
const id = "d1";
/** The document name's share: each segment as a string (its bytes and one), and 16 bytes. */
const nameBytes = collection.length + 1 + id.length + 1 + 16;

/** Fields of every kind a plan holds, multi-byte text and one-digit numbers among them, padded to `total` bytes in all. */
function documentOf(total: number): Record<string, unknown> {
  const fields = { n: 1, at: Timestamp.now(), ok: true, none: null, nested: { "pressé–": ["x", 2, { deep: "ü" }] }, text: "" };
  return { ...fields, text: "a".repeat(total - nameBytes - documentBytes(fields)) };
}

describeWithFullEmulator("documentBytes", () => {
  it("counts a document as Firestore does: exactly at its 1 MiB limit it is stored, one byte over it is refused", async () => {
    const atLimit = documentOf(FIRESTORE_LIMIT);
    expect(documentBytes(atLimit) + nameBytes).toBe(FIRESTORE_LIMIT);
    const ref = db.collection(collection).doc(id);
    await ref.set(atLimit);
    await expect(ref.set(documentOf(FIRESTORE_LIMIT + 1))).rejects.toThrow(/maximum entity size/);
  });
});

describe("documentBytes", () => {
  it("is not the JSON length: a one-digit number is 8 bytes, an en dash 3", () => {
    expect(documentBytes({ n: 1 })).toBe(2 + 8 + 32);
    expect(documentBytes({ s: "–" })).toBe(2 + 4 + 32);
  });
});
