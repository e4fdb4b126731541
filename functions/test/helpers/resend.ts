/** A client's write sent again when it was refused, as the chaos run's clients write (`scripts/chaos.ts`). */
import { setTimeout as sleep } from "node:timers/promises";
import { grpcCode } from "../../src/util/grpc-status";

/**
 * Sends a write up to three times, pausing 500 ms, then 1 s: the emulator cancels a call now and then
 * while processes are killed. `landedBefore`: the error code a resend gets when an earlier send did
 * land after all (ALREADY_EXISTS for a create with an id chosen first): on a resend it counts as sent,
 * on the first send it is the refusal it says.
 */
export async function sentAgainWhenRefused(
  send: () => Promise<unknown>,
  landedBefore?: number,
  pause: (ms: number) => Promise<unknown> = sleep,
): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await send();
      return;
    } catch (err) {
      if (landedBefore !== undefined && grpcCode(err) === landedBefore) {
        // On a resend it is the earlier send's echo; on the first send, a real refusal.
        if (attempt > 1) return;
        throw err;
      }
      if (attempt >= 3) throw err;
      await pause(500 * attempt);
    }
  }
}
