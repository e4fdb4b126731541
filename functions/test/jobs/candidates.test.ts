/**
 * The candidate pool against the emulator: what a poll costs and who gets which candidate. Polls
 * are counted by spying on `JobQueue.pollCandidates` (the one query the pool makes).
 */
import { CandidatePool, type CandidatePoolOptions } from "../../src/jobs/candidates";
import type { JobQueue } from "../../src/jobs/queue";
import { testQueue } from "../helpers/engine";
import { describeWithFullEmulator, useFirestore } from "../helpers/firestore";

const db = useFirestore();
const LANE = ["priority"] as const;

afterEach(() => jest.restoreAllMocks());

async function queued(queue: JobQueue, count: number): Promise<string[]> {
  const ids: string[] = [];
  // One after another, so age order is creation order.
  for (let i = 0; i < count; i++)
    ids.push((await queue.createJob({ type: "FAMILY_AUDIT", payload: { family_slug: "a" }, created_by: "t" })).jobId);
  return ids;
}

function pool(options: CandidatePoolOptions = {}, spreadFrom = 0) {
  // Where a spread page starts in its head band (0: at its head).
  const queue = testQueue(db, { random: () => spreadFrom });
  const polls = jest.spyOn(queue, "pollCandidates");
  return { queue, polls, pool: new CandidatePool(queue, { random: () => 0, ...options }) };
}

describeWithFullEmulator("candidate pool", () => {
  it("one poll reads a page that serves several workers' leases, in order", async () => {
    const { queue, polls, pool: candidates } = pool({ page: { min: 2, max: 4 } });
    const ids = await queued(queue, 3);
    const got = [await candidates.next(LANE), await candidates.next(LANE), await candidates.next(LANE)];
    expect(got.map((candidate) => candidate?.job.id)).toEqual(ids);
    expect(polls.mock.calls).toEqual([[LANE, 4]]);
  });

  it("keeps strict age order until it loses a lease to another process; then it starts pages at a random place in the head band", async () => {
    const { queue, pool: candidates } = pool({ page: { min: 3, max: 3 }, backoffMs: { first: 0, max: 0 } }, 0.99);
    const [first, second, third] = await queued(queue, 3);
    const head = (await candidates.next(LANE))!;
    expect(head.job.id).toBe(first);
    // Another process leases the rest of the page first.
    for (const id of [second, third]) expect(await queue.leaseById(id, "other-process")).not.toBeNull();
    for (let i = 0; i < 2; i++) {
      expect(await queue.lease((await candidates.next(LANE))!, "this-process")).toBeNull();
      await candidates.lost(LANE);
    }
    expect(await queue.lease(head, "this-process")).not.toBeNull();
    const [fourth, fifth, sixth] = await queued(queue, 3);
    // The next page (fourth, fifth, sixth) starts at the end of its band.
    const page = [await candidates.next(LANE), await candidates.next(LANE), await candidates.next(LANE)];
    expect(page.map((candidate) => candidate?.job.id)).toEqual([sixth, fourth, fifth]);
  });

  it("never hands out the same version of a candidate twice: a later page leaves out what an earlier one handed out", async () => {
    const { queue, polls, pool: candidates } = pool({ page: { min: 1, max: 1 } });
    const [only] = await queued(queue, 1);
    expect((await candidates.next(LANE))?.job.id).toBe(only);
    // Its lease is still being tried (or was lost): the job is in the poll again, unchanged, and not handed out.
    expect(await candidates.next(LANE)).toBeNull();
    expect(polls).toHaveBeenCalledTimes(3);
  });

  it("takes the next candidate of the page after a lease lost to another process, without a poll or a wait", async () => {
    const { queue, polls, pool: candidates } = pool({ backoffMs: { first: 10_000, max: 10_000 } });
    const [first, second] = await queued(queue, 2);
    const lost = (await candidates.next(LANE))!;
    expect(await queue.lease(lost, "other-process")).not.toBeNull();
    expect(await queue.lease(lost, "this-process")).toBeNull();
    await candidates.lost(LANE);
    expect([lost.job.id, (await candidates.next(LANE))?.job.id]).toEqual([first, second]);
    expect(polls).toHaveBeenCalledTimes(1);
  });

  it("after a whole page was lost, waits before it polls again, and reads half the page", async () => {
    const { queue, polls, pool: candidates } = pool({ page: { min: 1, max: 2 }, backoffMs: { first: 300, max: 300 }, random: () => 1 });
    await queued(queue, 3);
    for (let i = 0; i < 2; i++) await queue.lease((await candidates.next(LANE))!, "other-process");
    const started = Date.now();
    await candidates.lost(LANE);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    await candidates.next(LANE);
    expect(polls.mock.calls.map(([, limit]) => limit)).toEqual([2, 1]);
  });

  it("remembers the leases it won, up to a bound, to tell a served wake-up", () => {
    const { pool: candidates } = pool({ remembered: 2 });
    candidates.won(LANE, "a", 1);
    expect([candidates.served("a", 0), candidates.served("a", 1)]).toEqual([true, false]);
    candidates.won(LANE, "b", 1);
    candidates.won(LANE, "c", 1);
    // "a" was forgotten: not known to be served, so its wake-up would poll.
    expect([candidates.served("a", 0), candidates.served("b", 0), candidates.served("c", 0)]).toEqual([false, true, true]);
  });
});
