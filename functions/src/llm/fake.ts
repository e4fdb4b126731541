/**
 * Deterministic fake LLM for local runs and tests: scripted answers first, then built-in rules per
 * task. Its answers go through the same schema check as the real adapter's, and every request is
 * recorded in `calls` for assertions.
 */
import { seededRandom } from "../util/seeded-random";
import { LlmError, type LlmErrorCode, classifyHttpStatus, failureMayBeBilled } from "./errors";
import { fakeEnrichment } from "./fake-enrichment";
import { parseWithSchema } from "./output";
import { sleepUnlessStopped } from "./retry";
import type { LlmClient, LlmRequest, LlmResult, LlmUsage, ModelTier } from "./types";
import { isPlainRecord } from "../util/object-paths";

const FAKE_ERRORS = ["timeout", "rate_limit", "unavailable", "malformed_json"] as const;
type FakeError = (typeof FAKE_ERRORS)[number];

export interface FakeScriptStep {
  /** Every given condition must hold; an empty match matches every request. */
  match: { task?: string; promptIncludes?: string; contextKey?: string };
  /**
   * The answer: a value, a function of the request, or `{error}` to simulate a failure. A function may throw an
   * LlmError: one without a `cause` failed on the answer (billed, as the Vertex adapter's are); one whose `cause` is
   * what the try got instead of an answer (an HTTP error answer, `{status: 429}`) is counted as the adapter counts
   * that try (`failureMayBeBilled`).
   */
  respond: unknown;
  /** How many requests this step answers; unlimited when absent. */
  times?: number;
}

export interface FakeLlmOptions {
  /** Simulated (and reported) latency per call. */
  latencyMs?: number;
  script?: FakeScriptStep[];
  /** Probability (0..1) that a call fails with a random transient error, drawn from a seeded RNG. */
  failureRate?: number;
  seed?: number;
}

export interface FakeLlmCall {
  task: string;
  prompt: string;
  tier: ModelTier;
  context?: Record<string, unknown>;
  /** "ok" or the code of the LlmError the call ended with; absent while the call is in flight. */
  outcome?: "ok" | LlmErrorCode;
}

function isFakeError(value: unknown): value is { error: FakeError } {
  return isPlainRecord(value) && Object.keys(value).length === 1 && (FAKE_ERRORS as readonly unknown[]).includes(value.error);
}

/**
 * The same errors the Vertex adapter raises for these situations, each failed try with what it got
 * instead of an answer as its cause (as the adapter's are), so its usage is counted as the adapter counts it.
 */
function simulatedError(kind: FakeError): LlmError {
  switch (kind) {
    case "timeout":
      return new LlmError("LLM_TIMEOUT", "fake LLM: simulated timeout", { cause: sdkError("TimeoutError", "the request timed out") });
    case "rate_limit":
      return httpError(429);
    case "unavailable":
      return httpError(503);
    case "malformed_json":
      return new LlmError("LLM_BAD_OUTPUT", 'model output is not JSON: {"changes": {"description": "Bench Press is a');
  }
}

function httpError(status: number): LlmError {
  return new LlmError(classifyHttpStatus(status).code, `fake LLM: simulated HTTP ${status}`, {
    cause: Object.assign(sdkError("ApiError", `HTTP ${status}`), { status }),
  });
}

function sdkError(name: string, message: string): Error {
  return Object.assign(new Error(message), { name });
}

const INJECTED_FAILURES: FakeError[] = ["timeout", "rate_limit", "unavailable"];

/** Rough token count (≈ 4 characters per token), deterministic. */
function tokensOf(text: string): number {
  return Math.ceil(text.length / 4);
}

/** Calls a fake keeps (`calls`): enough for any test, bounded for the engine's own fake in a long-running process. */
export const FAKE_CALLS_KEPT = 1_000;

export class FakeLlmClient implements LlmClient {
  readonly provider = "fake";
  /** The latest calls, oldest first (at most `FAKE_CALLS_KEPT`): a test aid. */
  readonly calls: FakeLlmCall[] = [];
  private readonly usesLeft: number[];
  private readonly random: () => number;

  constructor(private readonly options: FakeLlmOptions = {}) {
    this.usesLeft = (options.script ?? []).map((step) => step.times ?? Infinity);
    this.random = seededRandom(options.seed ?? 1);
  }

  async generateJson<T>(req: LlmRequest<T>): Promise<LlmResult<T>> {
    const tier = req.tier ?? "fast";
    const call: FakeLlmCall = { task: req.task, prompt: req.prompt, tier, ...(req.context ? { context: req.context } : {}) };
    this.calls.push(call);
    if (this.calls.length > FAKE_CALLS_KEPT) this.calls.splice(0, this.calls.length - FAKE_CALLS_KEPT);
    const latencyMs = this.options.latencyMs ?? 0;
    const usage = (spent: Pick<LlmUsage, "calls" | "input_tokens" | "output_tokens">): LlmUsage => ({
      model: `fake-${tier}`,
      ...spent,
      latency_ms: latencyMs,
      estimated_cost_usd: 0,
    });
    const answered = (outputTokens: number): LlmUsage =>
      usage({ calls: 1, input_tokens: tokensOf(req.prompt), output_tokens: outputTokens });
    // A try that got no answer has no tokens to read.
    const unanswered = (billed: boolean): LlmUsage => usage({ calls: billed ? 1 : 0, input_tokens: 0, output_tokens: 0 });
    // The simulated latency is the try in flight: a stop ends it as it ends the real client's call, and it is reported as
    // that client reports it (`onStopped`): the try the stop cut short counts, one it came before was never sent.
    const sent = req.signal?.aborted !== true;
    try {
      req.signal?.throwIfAborted();
      if (latencyMs > 0) await sleepUnlessStopped(latencyMs, req.signal);
    } catch (err) {
      req.onStopped?.(unanswered(sent));
      throw err;
    }
    try {
      const answer = this.answer(req);
      if (isFakeError(answer)) throw simulatedError(answer.error);
      const data = parseWithSchema(answer, req.schema);
      call.outcome = "ok";
      return { data, usage: answered(tokensOf(JSON.stringify(answer) ?? "")) };
    } catch (err) {
      // Anything but an LlmError is a bug in a scripted responder: let it surface as is.
      if (!(err instanceof LlmError)) throw err;
      call.outcome = err.code;
      // With a cause, the try got that instead of an answer (see `simulatedError`); without one, it failed on the answer.
      err.usage = err.cause === undefined ? answered(0) : unanswered(failureMayBeBilled(err));
      throw err;
    }
  }

  /** Injected failure, else the first matching script step with uses left, else the built-in rule. */
  private answer(req: LlmRequest<unknown>): unknown {
    const failureRate = this.options.failureRate ?? 0;
    if (failureRate > 0 && this.random() < failureRate) {
      return { error: INJECTED_FAILURES[Math.floor(this.random() * INJECTED_FAILURES.length)] };
    }
    const steps = this.options.script ?? [];
    const index = steps.findIndex((step, i) => this.usesLeft[i] > 0 && matches(step.match, req));
    if (index >= 0) {
      this.usesLeft[index]--;
      const { respond } = steps[index];
      return typeof respond === "function" ? (respond as (request: LlmRequest<unknown>) => unknown)(req) : respond;
    }
    return builtInAnswer(req);
  }
}

function matches(match: FakeScriptStep["match"], req: LlmRequest<unknown>): boolean {
  return (
    (match.task === undefined || match.task === req.task) &&
    (match.promptIncludes === undefined || req.prompt.includes(match.promptIncludes)) &&
    (match.contextKey === undefined || req.context?.[match.contextKey] !== undefined)
  );
}

/** Unscripted answers: plausible enrichment, an unchanged plan for repairs (tests script real repairs). */
function builtInAnswer(req: LlmRequest<unknown>): unknown {
  const context = req.context ?? {};
  switch (req.task) {
    case "enrich_exercise": {
      if (!isPlainRecord(context.exercise)) throw new LlmError("LLM_REJECTED", "fake LLM: enrich_exercise needs context.exercise");
      const fields = context.fields_to_enrich;
      const fieldsToEnrich = Array.isArray(fields) ? fields.filter((field): field is string => typeof field === "string") : undefined;
      return fakeEnrichment(context.exercise, fieldsToEnrich);
    }
    case "repair_plan":
      if (context.plan === undefined) throw new LlmError("LLM_REJECTED", "fake LLM: repair_plan needs context.plan");
      return context.plan;
    default:
      throw new LlmError("LLM_REJECTED", `fake LLM: no built-in answer for task "${req.task}"; script one`);
  }
}
