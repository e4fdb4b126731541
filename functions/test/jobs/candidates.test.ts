/**
 * The candidate pool against the emulator: what a poll costs and who gets which candidate. Polls
 * are counted by spying on `JobQueue.pollCandidates` and `JobQueue.pollSpread` (the pool's only queries).
 */
import { CandidatePool, type CandidatePoolOptions } from "../../src/jobs/candidates";
import { JobQueue } from "../../src/jobs/queue";
import { testQueue } from "../helpers/engine";
import { steadyClock } from "../helpers/runtime";
import { describeWithFullEmulator, useFirestore } from "../helpers/firestore";

const db = useFirestore();
const LANE = ["priority"] as const;

afterEach(() => jest.restoreAllMocks());

/** `slots`: the jobs' places in their priority (`JobQueue.pollSpread`); by default the queue's own random. */
async function queued(queue: JobQueue, count: number, slots?: number[]): Promise<string[]> {
  if (slots) queue = testQueue(db, { random: () => slots.shift()!, now: steadyClock() });
  const ids: string[] = [];
  // One after another, on a clock that never reads the same millisecond twice: age order is creation order.
  for (let i = 0; i < count; i++)
    ids.push((await queue.createJob({ type: "FAMILY_AUDIT", payload: { family_slug: "a" }, created_by: "t" })).jobId);
  return ids;
}

function pool(options: CandidatePoolOptions = {}, spreadFrom = 0) {
  // The slot a spread poll starts from.
  const queue = testQueue(db, { random: () => spreadFrom, now: steadyClock() });
  const polls = jest.spyOn(queue, "pollCandidates");
  const spreadPolls = jest.spyOn(queue, "pollSpread");
  return { queue, polls, spreadPolls, pool: new CandidatePool(queue, { random: () => 0, ...options }) };
}

/**
 * How long the pool keeps a worker waiting after a lease lost (ms), on jest's clock, a millisecond at
 * a time: exact, however busy the machine.
 */
async function lossWait(candidates: CandidatePool): Promise<number> {
  jest.useFakeTimers({ now: Date.now() });
  try {
    let over = false;
    const waiting = candidates.lost(LANE).then(() => {
      over = true;
    });
    let waited = 0;
    for (; !over; waited++) {
      if (waited > 60_000) throw new Error("the wait after a lost lease did not end");
      await jest.advanceTimersByTimeAsync(1);
    }
    await waiting;
    return waited;
  } finally {
    jest.useRealTimers();
  }
}

describeWithFullEmulator("candidate pool", () => {
  it("one poll reads a page that serves several workers' leases, in order", async () => {
    const { queue, polls, pool: candidates } = pool({ page: { min: 2, max: 4 } });
    const ids = await queued(queue, 3);
    const got = [await candidates.next(LANE), await candidates.next(LANE), await candidates.next(LANE)];
    expect(got.map((candidate) => candidate?.job.id)).toEqual(ids);
    expect(polls.mock.calls).toEqual([[LANE, 4]]);
  });

  it("keeps strict age order until it loses a lease to another process; then it polls spread, walking on through the slots", async () => {
    const {
      queue,
      polls,
      spreadPolls,
      pool: candidates,
    } = pool({ page: { min: 2, max: 3 }, backoffMs: { first: 0, max: 0 }, random: () => 0.5 });
    const [first, second, third] = await queued(queue, 3, [0.1, 0.2, 0.3]);
    const head = (await candidates.next(LANE))!;
    expect(head.job.id).toBe(first);
    // Another process leases the rest of the page first.
    for (const id of [second, third]) expect(await queue.leaseById(id, "other-process")).not.toBeNull();
    for (let i = 0; i < 2; i++) {
      expect(await queue.lease((await candidates.next(LANE))!, "this-process")).toBeNull();
      await candidates.lost(LANE);
    }
    expect(await queue.lease(head, "this-process")).not.toBeNull();
    const [fourth, fifth, sixth, seventh, eighth] = await queued(queue, 5, [0.2, 0.6, 0.9, 0.4, 0.7]);
    // Pages of the smallest size, from the pool's random place (0.5) on: (0.6, 0.7), then (0.9), then
    // round to (0.2, 0.4). The first page's head read found the band; the later pages read only the band.
    const next = async () => (await candidates.next(LANE))?.job.id;
    expect([await next(), await next()]).toEqual([fifth, eighth]);
    expect(await next()).toBe(sixth);
    expect([await next(), await next()]).toEqual([fourth, seventh]);
    expect(polls).toHaveBeenCalledTimes(1);
    expect(spreadPolls.mock.calls.map(([, limit, from]) => [limit, from])).toEqual([
      [2, 0.5],
      [2, 0.7],
      // The page of one (0.9) reached the end of the slots: the next starts from the lowest.
      [2, -1],
    ]);
  });

  it("does not take an empty poll sent before it was asked for proof that nothing is ready: a job made ready since is found", async () => {
    const { queue, polls, pool: candidates } = pool();
    // The first poll's query has run on an empty lane, and its answer is still on its way.
    let answer!: () => void;
    const delivered = new Promise<void>((resolve) => (answer = resolve));
    let queried!: () => void;
    const ran = new Promise<void>((resolve) => (queried = resolve));
    const pollCandidates = JobQueue.prototype.pollCandidates.bind(queue);
    polls.mockImplementationOnce(async (...args) => {
      const page = await pollCandidates(...args);
      queried();
      await delivered;
      return page;
    });
    const first = candidates.next(LANE);
    await ran;
    // A job made ready meanwhile, and the wake-up for it asking while that poll is in flight.
    const [job] = await queued(queue, 1);
    const second = candidates.next(LANE);
    answer();
    expect(await first).toBeNull();
    expect((await second)?.job.id).toBe(job);
    expect(polls).toHaveBeenCalledTimes(2);
  });

  it("accounts for a wake-up's job only from a poll sent since the drain began that saw the whole lane without it", async () => {
    const { queue, pool: candidates } = pool({ page: { min: 2, max: 2 } });
    const [first, second, third] = await queued(queue, 3);
    const before = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 5));
    const since = Date.now();
    // A full page (first, second): the third may be behind it.
    expect((await candidates.drain(LANE, () => candidates.next(LANE)))?.job.id).toBe(first);
    expect(candidates.accountedFor(LANE, third, 0, since)).toBe(false);
    expect(await queue.leaseById(third, "other-process")).not.toBeNull();
    for (const id of [first, second]) expect(await queue.leaseById(id, "other-process")).not.toBeNull();
    // The next poll finds the lane empty: nothing named waits any more, but only for drains that began before it.
    await candidates.drain(LANE, () => candidates.next(LANE));
    expect(candidates.accountedFor(LANE, third, 0, since)).toBe(true);
    expect(candidates.accountedFor(LANE, third, 0, Date.now() + 1)).toBe(false);
    expect(candidates.accountedFor(["priority", "maintenance"], third, 0, before)).toBe(false);
    // A lease this process won accounts for its job whatever was polled.
    candidates.won(LANE, first, 1);
    expect(candidates.accountedFor(LANE, first, 0, Date.now() + 1)).toBe(true);
  });

  it("never hands out the same version of a candidate twice: a later page leaves out what an earlier one handed out", async () => {
    const { queue, polls, pool: candidates } = pool({ page: { min: 1, max: 1 } });
    const [only] = await queued(queue, 1);
    expect((await candidates.next(LANE))?.job.id).toBe(only);
    // Its lease is still being tried (or was lost): the job is in the poll again, unchanged, and not handed out.
    expect(await candidates.next(LANE)).toBeNull();
    expect(polls).toHaveBeenCalledTimes(3);
  });

  it("polls only once the leases this process is trying on the lane have landed, so their jobs are not read again", async () => {
    const { queue, polls, pool: candidates } = pool({ page: { min: 1, max: 1 } });
    const sent: number[] = [];
    polls.mockImplementation((...args) => {
      sent.push(Date.now());
      return JobQueue.prototype.pollCandidates.apply(queue, args);
    });
    const [first, second] = await queued(queue, 2);
    const handedOut = (await candidates.next(LANE))!;
    expect(handedOut.job.id).toBe(first);
    // A slow lease of the first job is in flight while another worker of the process asks for a job.
    let landed = 0;
    const lease = candidates.leasing(LANE, async () => {
      await new Promise((resolve) => setTimeout(resolve, 200));
      const leased = await queue.lease(handedOut, "this-process");
      landed = Date.now();
      return leased;
    });
    const next = await candidates.next(LANE);
    expect(await lease).not.toBeNull();
    // One more poll of one job, sent once the lease had landed: it found the second job, not the first again.
    expect(next?.job.id).toBe(second);
    expect(sent).toHaveLength(2);
    expect(sent[1]).toBeGreaterThanOrEqual(landed);
  });

  it("takes the next candidate of the page after a lease lost to another process, without a poll", async () => {
    const { queue, polls, pool: candidates } = pool({ backoffMs: { first: 0, max: 0 } });
    const [first, second] = await queued(queue, 2);
    const lost = (await candidates.next(LANE))!;
    expect(await queue.lease(lost, "other-process")).not.toBeNull();
    expect(await queue.lease(lost, "this-process")).toBeNull();
    await candidates.lost(LANE);
    expect([lost.job.id, (await candidates.next(LANE))?.job.id]).toEqual([first, second]);
    expect(polls).toHaveBeenCalledTimes(1);
  });

  it("waits a random while after each lease lost, doubling with each loss in a row up to the longest, and reads a smaller page after losses", async () => {
    const {
      queue,
      polls,
      spreadPolls,
      pool: candidates,
    } = pool({
      page: { min: 1, max: 3 },
      backoffMs: { first: 200, max: 500 },
      random: () => 1,
    });
    await queued(queue, 4);
    for (let i = 0; i < 3; i++) await queue.lease((await candidates.next(LANE))!, "other-process");
    // All three candidates of the page were lost: 200 ms after the first loss, 400 after the second, then the longest (not 800).
    const waits = [await lossWait(candidates), await lossWait(candidates), await lossWait(candidates)];
    expect(waits).toEqual([200, 400, 500]);
    await candidates.next(LANE);
    // The first poll in strict order; the one after the losses spread, and smaller.
    expect(polls.mock.calls.map(([, limit]) => limit)).toEqual([3]);
    expect(spreadPolls.mock.calls.map(([, limit]) => limit)).toEqual([1]);
  });

  it("a win ends the streak: the next loss waits the first while again", async () => {
    const { pool: candidates } = pool({ backoffMs: { first: 200, max: 1_000 }, random: () => 1 });
    await lossWait(candidates);
    candidates.won(LANE, "some-job", 1);
    expect(await lossWait(candidates)).toBe(200);
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
