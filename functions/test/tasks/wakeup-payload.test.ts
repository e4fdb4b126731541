/** The wake-up's body: what the adapters send is what the lane's task function reads, field for field. */
import { type WakeupTask, wakeupPayload, wakeupPayloadSchema } from "../../src/jobs/task-queue";

/** A wake-up with every optional part that travels set. */
const task: Required<Pick<WakeupTask, "earlyArrivals" | "target">> & WakeupTask = {
  lane: "maintenance",
  jobId: "job1",
  attempt: 2,
  epoch: 3,
  runAfter: new Date("2026-05-01T10:00:01.500Z"),
  target: new Date("2026-05-01T10:00:00.500Z"),
  earlyArrivals: 2,
};

describe("a wake-up's payload", () => {
  it("survives the task function's parse whole, after travelling as JSON", () => {
    const sent = wakeupPayload(task);
    const delivered: unknown = JSON.parse(JSON.stringify(sent));
    expect(wakeupPayloadSchema.parse(delivered)).toEqual(sent);
  });

  it("carries every field the task function reads", () => {
    expect(Object.keys(wakeupPayload(task)).sort()).toEqual(Object.keys(wakeupPayloadSchema.shape).sort());
  });
});
