import { ApiError } from "@google/genai";
import { LlmError } from "../../src/llm/errors";
import { errorFromSdk } from "../../src/llm/vertex";

/** What the SDK throws for a non-OK response: the JSON error body as message, the HTTP status as `status`. */
function apiError(status: number, message: string, grpcStatus: string): ApiError {
  return new ApiError({ status, message: JSON.stringify({ error: { code: status, message, status: grpcStatus } }) });
}

describe("errorFromSdk", () => {
  it("maps 429 to a transient rate limit with the API's own message", () => {
    const err = errorFromSdk(apiError(429, "Resource exhausted. Please try again later.", "RESOURCE_EXHAUSTED"));
    expect(err).toMatchObject({ code: "LLM_RATE_LIMITED", transient: true });
    expect(err.message).toBe("Vertex AI returned HTTP 429: Resource exhausted. Please try again later.");
    expect(err.cause).toBeInstanceOf(ApiError);
  });

  it.each([
    [500, "Internal error encountered.", "INTERNAL"],
    [503, "The service is currently unavailable.", "UNAVAILABLE"],
  ])("maps %i to a transient outage", (status, message, grpc) => {
    expect(errorFromSdk(apiError(status, message, grpc))).toMatchObject({ code: "LLM_UNAVAILABLE", transient: true });
  });

  it("maps 400 and 403 to permanent rejections", () => {
    expect(errorFromSdk(apiError(400, "Request contains an invalid argument.", "INVALID_ARGUMENT"))).toMatchObject({
      code: "LLM_REJECTED",
      transient: false,
    });
    expect(errorFromSdk(apiError(403, "Permission denied on resource project demo.", "PERMISSION_DENIED"))).toMatchObject({
      code: "LLM_REJECTED",
      transient: false,
    });
  });

  it("keeps a non-JSON ApiError message as it is", () => {
    expect(errorFromSdk(new ApiError({ status: 502, message: "Bad Gateway" })).message).toBe("Vertex AI returned HTTP 502: Bad Gateway");
  });

  it("maps aborts and fetch timeouts to LLM_TIMEOUT", () => {
    expect(errorFromSdk(new DOMException("This operation was aborted", "AbortError"))).toMatchObject({
      code: "LLM_TIMEOUT",
      transient: true,
    });
    expect(errorFromSdk(new DOMException("The operation timed out.", "TimeoutError"))).toMatchObject({
      code: "LLM_TIMEOUT",
      transient: true,
    });
  });

  it("maps network failures and unknown errors to a transient outage", () => {
    const network = Object.assign(new TypeError("fetch failed"), {
      cause: Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" }),
    });
    expect(errorFromSdk(network)).toMatchObject({
      code: "LLM_UNAVAILABLE",
      transient: true,
      message: "Vertex AI call failed: fetch failed",
    });
    expect(errorFromSdk("weird")).toMatchObject({ code: "LLM_UNAVAILABLE", transient: true });
  });

  it("passes LlmErrors through untouched", () => {
    const original = new LlmError("LLM_BAD_OUTPUT", "not JSON");
    expect(errorFromSdk(original)).toBe(original);
  });
});
