/**
 * The CLI's clock: Firestore's time rather than the operator machine's. The engine compares leases
 * with its clock and dates what it writes by it; the functions and workers run on synced machines,
 * but a laptop minutes ahead would have a watchdog sweep take back every live job, and date the
 * jobs it queues to run only then.
 */
import type { Firestore } from "firebase-admin/firestore";
import { JOB_COLLECTIONS } from "../jobs/collections";

/** An offset the operator is told of: beyond what the round trip of the measuring read explains. */
const NOTABLE_OFFSET_MS = 5_000;

/** Read for the time Firestore answers with: any document does, and this one is small or missing (a read either way). */
const PROBED_DOCUMENT = `${JOB_COLLECTIONS.locks}/server-clock`;

export class FirestoreClock {
  private offsetMs = 0;

  /** This machine's time until `sync`, Firestore's after it. */
  readonly now = (): Date => new Date(Date.now() + this.offsetMs);

  /**
   * Measures Firestore's clock against this machine's with one read: its read time against the
   * middle of the local times around it (off by at most half the round trip). Warns of a large offset.
   */
  async sync(db: Firestore, warn: (line: string) => void): Promise<void> {
    const sentAt = Date.now();
    const { readTime } = await db.doc(PROBED_DOCUMENT).get();
    const receivedAt = Date.now();
    this.offsetMs = readTime.toMillis() - (sentAt + receivedAt) / 2;
    if (Math.abs(this.offsetMs) > NOTABLE_OFFSET_MS) {
      const direction = this.offsetMs < 0 ? "ahead of" : "behind";
      warn(
        `warning: this machine's clock is ${Math.round(Math.abs(this.offsetMs) / 1000)} s ${direction} Firestore's; the CLI uses Firestore's`,
      );
    }
  }
}
