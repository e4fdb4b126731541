/**
 * The chaos run's client writes (`test/helpers/resend.ts`): a refused write is sent again, a resend
 * that meets the first send's document counts as sent, and a write refused three times fails the run.
 */
import { FieldValue } from "firebase-admin/firestore";
import { GrpcStatus } from "../../src/util/grpc-status";
import { useFirestore } from "../helpers/firestore";
import { sentAgainWhenRefused } from "../helpers/resend";

const db = useFirestore();

const refused = (code: number) => Object.assign(new Error(`refused with ${code}`), { code });

/** A send that fails with the given codes in turn, then succeeds; counts its calls. */
function sendFailing(...codes: number[]): { send: () => Promise<void>; calls: () => number } {
  let calls = 0;
  return {
    send: () => {
      const code = codes[calls++];
      return code === undefined ? Promise.resolve() : Promise.reject(refused(code));
    },
    calls: () => calls,
  };
}

describe("sentAgainWhenRefused", () => {
  const pauses: number[] = [];
  const pause = (ms: number) => {
    pauses.push(ms);
    return Promise.resolve();
  };
  beforeEach(() => pauses.splice(0));

  it("sends once when the first send goes through", async () => {
    const { send, calls } = sendFailing();
    await sentAgainWhenRefused(send, undefined, pause);
    expect(calls()).toBe(1);
    expect(pauses).toEqual([]);
  });

  it("sends again after a refusal, pausing longer each time", async () => {
    const { send, calls } = sendFailing(GrpcStatus.CANCELLED, GrpcStatus.UNAVAILABLE);
    await sentAgainWhenRefused(send, undefined, pause);
    expect(calls()).toBe(3);
    expect(pauses).toEqual([500, 1000]);
  });

  it("fails with the third refusal", async () => {
    const { send, calls } = sendFailing(GrpcStatus.CANCELLED, GrpcStatus.CANCELLED, GrpcStatus.DEADLINE_EXCEEDED);
    await expect(sentAgainWhenRefused(send, undefined, pause)).rejects.toMatchObject({ code: GrpcStatus.DEADLINE_EXCEEDED });
    expect(calls()).toBe(3);
  });

  it("takes the landed-before code as sent on a resend only, not on the first send", async () => {
    const resent = sendFailing(GrpcStatus.CANCELLED, GrpcStatus.ALREADY_EXISTS);
    await sentAgainWhenRefused(resent.send, GrpcStatus.ALREADY_EXISTS, pause);
    expect(resent.calls()).toBe(2);

    // On the first send the document was there before: a real refusal, not a resend's echo, and not sent again.
    const first = sendFailing(GrpcStatus.ALREADY_EXISTS);
    await expect(sentAgainWhenRefused(first.send, GrpcStatus.ALREADY_EXISTS, pause)).rejects.toMatchObject({
      code: GrpcStatus.ALREADY_EXISTS,
    });
    expect(first.calls()).toBe(1);
  });

  it("leaves one job document when a create landed but its call was cancelled (the emulator's answer to the resend)", async () => {
    const ref = db.collection("resend_test_jobs").doc();
    let sends = 0;
    await sentAgainWhenRefused(
      async () => {
        sends++;
        await ref.create({ type: "FAMILY_AUDIT", status: "queued", created_at: FieldValue.serverTimestamp() });
        // The create landed, but the client heard a cancelled call.
        if (sends === 1) throw refused(GrpcStatus.CANCELLED);
      },
      GrpcStatus.ALREADY_EXISTS,
      pause,
    );
    expect(sends).toBe(2);
    const docs = await db.collection("resend_test_jobs").where("type", "==", "FAMILY_AUDIT").get();
    expect(docs.docs.map((doc) => doc.id)).toEqual([ref.id]);
  });
});
