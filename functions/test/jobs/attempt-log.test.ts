/** The attempt log's LLM accounting: what the job's `result_summary.llm` and the daily counters are summed from. */
import { Timestamp } from "firebase-admin/firestore";
import { AttemptLog, attemptRef } from "../../src/jobs/attempt-log";
import { documentBytes } from "../../src/util/firestore-size";
import { useFirestore } from "../helpers/firestore";
import { EMPTY_USAGE } from "../../src/llm/pricing";

const started = new Date("2026-12-01T10:00:00Z");
const newLog = () => new AttemptLog({ jobId: "j1", attempt: 1, workerId: "w1", leaseEpoch: 1, startedAt: started }, () => started);

describe("LLM usage of an attempt", () => {
  it("counts the model calls billed, retries included, not the requests", () => {
    const log = newLog();
    // A request the client retried twice (a 429, a 503, then an answer): three billed calls.
    log.llmCall("enrich", {
      model: "gemini-2.5-flash",
      input_tokens: 300,
      output_tokens: 120,
      latency_ms: 900,
      calls: 3,
      estimated_cost_usd: 0.002,
    });
    // A request that failed before it reached a model: nothing billed.
    log.llmCall("repair", EMPTY_USAGE);
    expect(log.llmTotals()).toEqual({ calls: 3, input_tokens: 300, output_tokens: 120, estimated_cost_usd: 0.002 });
    const { llm_calls } = log.document({
      status: "succeeded",
      error: null,
      finishedAt: started,
      expireAt: Timestamp.fromDate(started),
    }) as { llm_calls: unknown[] };
    expect(llm_calls).toEqual([
      expect.objectContaining({ task: "enrich", calls: 3 }),
      expect.objectContaining({ task: "repair", calls: 0 }),
    ]);
  });
});

describe("the size of an attempt's document", () => {
  const db = useFirestore();
  const ending = { status: "failed" as const, error: null, finishedAt: started, expireAt: Timestamp.fromDate(started) };
  const operation = (i: number) => ({
    op: "patch_fields",
    target: { collection: "exercises", id: `e${i}` },
    set: { description: "x".repeat(60_000) },
  });

  it("a plan of 20 operations of 60 kB is summarised within Firestore's limit, and the document is written", async () => {
    const log = newLog();
    log.set("plan", { operations: Array.from({ length: 20 }, (_, i) => operation(i)) });
    const document = log.document(ending);
    expect(documentBytes(document)).toBeLessThan(1_048_576);
    expect(document.plan).toMatchObject({ truncated: true, operation_count: 20 });
    await attemptRef(db, "j-large-plan", 1).set(document);
  });

  it("a field over 200 kB in bytes as Firestore counts them is stored as its size, though fewer characters", () => {
    const log = newLog();
    // 70,000 en dashes: 70,000 characters, 3 bytes each.
    log.set("validation", { ok: false, errors: [{ message: "\u2013".repeat(70_000) }] });
    // Keys and strings their UTF-8 bytes plus one, a boolean 1: "ok" 3 + 1, "errors" 7, "message" 8, the message 210,001.
    // Read field by field: a failure printing the whole field would print 70,000 dashes.
    const { validation } = log.document(ending) as { validation: Record<string, unknown> };
    expect(validation.truncated).toBe(true);
    expect(validation.bytes).toBe(210_020);
  });

  it("an ASCII field just under 200 kB in bytes is kept whole, though its JSON is longer", () => {
    const log = newLog();
    // "note" 5 bytes and its text 199,991: 199,996 bytes; as JSON, with braces and quotes, 200,001 characters.
    const applyResult = { note: "a".repeat(199_990) };
    log.set("apply_result", applyResult);
    const { apply_result } = log.document(ending) as { apply_result: Record<string, unknown> };
    expect(apply_result.truncated).toBeUndefined();
    expect(apply_result).toEqual(applyResult);
  });

  it("parts each within their bound but too large together give way, the largest first", async () => {
    const log = newLog();
    const justUnder = (n: number) => ({ text: "y".repeat(199_000 - n) });
    log.set("plan", justUnder(0));
    log.set("validation", justUnder(1));
    log.set("repairs", justUnder(2));
    log.set("apply_result", justUnder(3));
    for (let i = 0; i < 380; i++) log.event("step", { note: "z".repeat(400) });
    for (let i = 0; i < 500; i++) log.llmCall("enrich", { ...EMPTY_USAGE, model: "gemini-2.5-flash" });
    const document = log.document(ending);
    expect(documentBytes(document)).toBeLessThanOrEqual(1_000_000);
    // The plan was the largest part: only its size is kept ("text" 5 bytes, its text 199,001); the others, and the events, are whole.
    expect(document.plan).toEqual({ truncated: true, bytes: 199_006 });
    expect(document.validation).toEqual(justUnder(1));
    expect(document.events).toHaveLength(380);
    await attemptRef(db, "j-large-parts", 1).set(document);
  });

  it("a list that is the largest part keeps its first half, as often as it takes", () => {
    const log = newLog();
    for (let i = 0; i < 8; i++) log.event("step", { note: "z".repeat(190_000) });
    const document = log.document(ending);
    expect(documentBytes(document)).toBeLessThanOrEqual(1_000_000);
    expect(document.events).toHaveLength(4);
    // How long the list was, so a reader knows entries are missing; a list left whole is not named.
    expect(document.lists_cut).toEqual({ events: 8 });
  });

  it("names no list cut when every list fits", () => {
    const log = newLog();
    log.event("step", { note: "short" });
    expect(log.document(ending)).not.toHaveProperty("lists_cut");
  });
});
