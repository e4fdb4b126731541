import { LlmError } from "../../src/llm/errors";
import { withRetry, withTimeout } from "../../src/llm/retry";

function recordingSleep(): { sleep: (ms: number) => Promise<void>; delays: number[] } {
  const delays: number[] = [];
  return { delays, sleep: async (ms) => void delays.push(ms) };
}

describe("withRetry", () => {
  it("retries a transient error and returns the later success", async () => {
    const { sleep, delays } = recordingSleep();
    const operation = jest
      .fn<Promise<string>, [number]>()
      .mockRejectedValueOnce(new LlmError("LLM_RATE_LIMITED", "429"))
      .mockResolvedValueOnce("ok");
    await expect(withRetry(operation, { maxAttempts: 3, baseDelayMs: 100, sleep, random: () => 0.5 })).resolves.toBe("ok");
    expect(operation.mock.calls.map(([attempt]) => attempt)).toEqual([1, 2]);
    expect(delays).toHaveLength(1);
  });

  it("gives up after maxAttempts with the last error", async () => {
    const { sleep, delays } = recordingSleep();
    let n = 0;
    const operation = jest.fn(async () => {
      throw new LlmError("LLM_UNAVAILABLE", `503 #${++n}`);
    });
    await expect(withRetry(operation, { maxAttempts: 3, baseDelayMs: 100, sleep })).rejects.toMatchObject({
      code: "LLM_UNAVAILABLE",
      message: "503 #3",
    });
    expect(operation).toHaveBeenCalledTimes(3);
    expect(delays).toHaveLength(2);
  });

  it("does not retry permanent LlmErrors or foreign errors", async () => {
    const { sleep } = recordingSleep();
    const rejected = jest.fn(async () => {
      throw new LlmError("LLM_REJECTED", "400");
    });
    await expect(withRetry(rejected, { maxAttempts: 5, baseDelayMs: 1, sleep })).rejects.toMatchObject({ code: "LLM_REJECTED" });
    expect(rejected).toHaveBeenCalledTimes(1);

    const bug = jest.fn(async () => {
      throw new TypeError("undefined is not a function");
    });
    await expect(withRetry(bug, { maxAttempts: 5, baseDelayMs: 1, sleep })).rejects.toBeInstanceOf(TypeError);
    expect(bug).toHaveBeenCalledTimes(1);
  });

  it("backs off exponentially with jitter, capped", async () => {
    const run = async (random: () => number) => {
      const { sleep, delays } = recordingSleep();
      const failing = async () => {
        throw new LlmError("LLM_TIMEOUT", "slow");
      };
      await withRetry(failing, { maxAttempts: 6, baseDelayMs: 1000, maxDelayMs: 8000, sleep, random }).catch(() => undefined);
      return delays;
    };
    // Equal jitter: half of the ceiling fixed, half random; ceilings 1s, 2s, 4s, 8s, 8s.
    expect(await run(() => 0)).toEqual([500, 1000, 2000, 4000, 4000]);
    expect(await run(() => 0.999999)).toEqual([1000, 2000, 4000, 8000, 8000]);
  });

  it("lets the caller decide what is retried and reports each retry", async () => {
    const { sleep } = recordingSleep();
    const onRetry = jest.fn();
    const operation = jest
      .fn<Promise<number>, [number]>()
      .mockRejectedValueOnce(new LlmError("LLM_BAD_OUTPUT", "not JSON"))
      .mockResolvedValueOnce(42);
    const result = await withRetry(operation, {
      maxAttempts: 2,
      baseDelayMs: 10,
      shouldRetry: (err) => err.code === "LLM_BAD_OUTPUT",
      onRetry,
      sleep,
      random: () => 0,
    });
    expect(result).toBe(42);
    expect(onRetry).toHaveBeenCalledWith(expect.objectContaining({ code: "LLM_BAD_OUTPUT" }), 1, 5);
  });
});

describe("withTimeout", () => {
  it("returns the operation's result in time", async () => {
    await expect(withTimeout(async () => "fast", 1000)).resolves.toBe("fast");
  });

  it("rejects with a transient LLM_TIMEOUT and aborts the operation's signal", async () => {
    let seen: AbortSignal | undefined;
    const hanging = (signal: AbortSignal) => {
      seen = signal;
      return new Promise<string>((_, reject) => signal.addEventListener("abort", () => reject(new DOMException("aborted", "AbortError"))));
    };
    const err = await withTimeout(hanging, 20).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LlmError);
    expect(err).toMatchObject({ code: "LLM_TIMEOUT", transient: true });
    expect(seen?.aborted).toBe(true);
  });

  it("passes the operation's own failure through", async () => {
    await expect(withTimeout(async () => Promise.reject(new LlmError("LLM_REJECTED", "400")), 1000)).rejects.toMatchObject({
      code: "LLM_REJECTED",
    });
  });

  it("clears its timer, so a finished call leaves nothing pending", async () => {
    jest.useFakeTimers();
    try {
      await withTimeout(async () => "done", 60_000);
      expect(jest.getTimerCount()).toBe(0);
    } finally {
      jest.useRealTimers();
    }
  });
});
