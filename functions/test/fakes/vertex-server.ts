/**
 * A local Vertex AI `generateContent` endpoint for contract tests, as the Gen AI SDK calls it in
 * Vertex mode: `POST /{v1|v1beta1}/projects/{p}/locations/{l}/publishers/google/models/{model}:generateContent`
 * with a bearer token. It rejects what the service rejects (no token → 401, a response schema outside
 * the structured-output subset or a bad token limit → 400), answers from a script, cuts an answer off
 * at the request's `maxOutputTokens` like the model does (finishReason MAX_TOKENS), and can fail,
 * hang or drop the connection. Tests point the real SDK at it with `httpOptions.baseUrl`.
 *
 * A scripted answer whose JSON breaks the request's response schema is a mistake of the test: the
 * model, decoding under that schema, never writes it. The fake refuses it with an HTTP 400 naming
 * the problems, and `close()` fails with them, so no test passes on an answer the service never gives.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { schemaViolations, valueViolations } from "./gemini-schema-subset";

/** One generateContent request as the service received it. */
export interface VertexRequest {
  apiVersion: string;
  project: string;
  location: string;
  model: string;
  authorization?: string;
  body: {
    contents?: Array<{ role?: string; parts?: Array<{ text?: string }> }>;
    systemInstruction?: { parts?: Array<{ text?: string }> };
    generationConfig?: {
      responseMimeType?: string;
      responseJsonSchema?: unknown;
      responseSchema?: unknown;
      temperature?: number;
      maxOutputTokens?: number;
      thinkingConfig?: { thinkingBudget?: number };
    };
    labels?: Record<string, string>;
  };
}

export type VertexAnswer =
  /** A JSON answer; `outputTokens` is its size for the token limit (default: a quarter of its characters). */
  | { kind: "json"; value: unknown; outputTokens?: number; thoughtsTokens?: number; promptTokens?: number }
  /** A text answer as is (prose, broken JSON; text that is JSON is held to the response schema too). */
  | { kind: "text"; text: string; outputTokens?: number; promptTokens?: number }
  /** A whole response body, e.g. a recorded one (test/llm/fixtures). */
  | { kind: "body"; body: unknown }
  | { kind: "status"; status: number; message?: string }
  | { kind: "hang" }
  | { kind: "drop" };

const ERROR_STATUS: Record<number, string> = {
  400: "INVALID_ARGUMENT",
  401: "UNAUTHENTICATED",
  403: "PERMISSION_DENIED",
  404: "NOT_FOUND",
  429: "RESOURCE_EXHAUSTED",
  500: "INTERNAL",
  503: "UNAVAILABLE",
};
const ROUTE = /^\/(v1|v1beta1)\/projects\/([^/]+)\/locations\/([^/]+)\/publishers\/google\/models\/([^/:]+):generateContent$/;
const DEFAULT_OUTPUT_LIMIT = 65_536;

export const json = (value: unknown, sizes: Omit<Extract<VertexAnswer, { kind: "json" }>, "kind" | "value"> = {}): VertexAnswer => ({
  kind: "json",
  value,
  ...sizes,
});
export const status = (code: number, message = "error"): VertexAnswer => ({ kind: "status", status: code, message });

export class FakeVertex {
  readonly requests: VertexRequest[] = [];
  /** Why scripted answers were refused (kept through `reset()`, for `close()`): each broke its request's response schema. */
  private readonly refusedAnswers: string[] = [];
  private readonly answers: VertexAnswer[] = [];
  private server: Server | undefined;

  /** The next requests get these answers, in order; an unscripted request gets HTTP 500. */
  answer(...answers: VertexAnswer[]): void {
    this.answers.push(...answers);
  }

  /** Resolves to the base URL for `httpOptions.baseUrl`. */
  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Fails, once closed, if a scripted answer was refused: whatever its test expected, its script was wrong. */
  async close(): Promise<void> {
    if (this.server) {
      this.server.closeAllConnections();
      await new Promise((resolve) => this.server!.close(resolve));
    }
    if (this.refusedAnswers.length > 0) throw new Error(this.refusedAnswers.join("\n"));
  }

  /** Forgets requests and unused answers. */
  reset(): void {
    this.requests.length = 0;
    this.answers.length = 0;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const fail = (code: number, message: string) => reply(res, code, { error: { code, message, status: ERROR_STATUS[code] ?? "UNKNOWN" } });
    const route = ROUTE.exec(new URL(req.url ?? "/", "http://localhost").pathname);
    if (req.method !== "POST" || !route) return fail(404, `no route ${req.method} ${req.url}`);
    const request: VertexRequest = {
      apiVersion: route[1],
      project: route[2],
      location: route[3],
      model: route[4],
      authorization: req.headers.authorization,
      body: JSON.parse(Buffer.concat(chunks).toString("utf8")) as VertexRequest["body"],
    };
    this.requests.push(request);
    if (!request.authorization?.startsWith("Bearer ")) {
      return fail(401, "Request had invalid authentication credentials. Expected OAuth 2 access token.");
    }
    const config = request.body.generationConfig ?? {};
    const problems = config.responseJsonSchema === undefined ? [] : schemaViolations(config.responseJsonSchema);
    if (problems.length > 0) return fail(400, `Invalid JSON payload received. ${problems.join("; ")}`);
    if (config.maxOutputTokens !== undefined && !(Number.isInteger(config.maxOutputTokens) && config.maxOutputTokens > 0)) {
      return fail(400, "max_output_tokens must be a positive integer");
    }
    const answer = this.answers.shift();
    if (!answer) return fail(500, "no scripted answer");
    switch (answer.kind) {
      case "hang":
        return; // close() cuts the connection
      case "drop":
        req.socket.destroy();
        return;
      case "status":
        return fail(answer.status, answer.message ?? "error");
      case "body":
        return reply(res, 200, answer.body);
      case "json":
      case "text": {
        const text = answer.kind === "json" ? JSON.stringify(answer.value) : answer.text;
        const broken = brokenSchema(config, text);
        if (broken.length > 0) {
          const refusal = `fake Vertex: the scripted answer breaks the request's response schema (the model never writes it): ${broken.join("; ")}`;
          this.refusedAnswers.push(refusal);
          return fail(400, refusal);
        }
        const thoughts = answer.kind === "json" ? (answer.thoughtsTokens ?? 0) : 0;
        return reply(
          res,
          200,
          modelResponse(request, text, answer.outputTokens ?? Math.ceil(text.length / 4), thoughts, answer.promptTokens),
        );
      }
    }
  }
}

/** How the JSON in `text` breaks the request's response schema; nothing for text that is not JSON or a request without a schema. */
function brokenSchema(config: NonNullable<VertexRequest["body"]["generationConfig"]>, text: string): string[] {
  const schema = config.responseJsonSchema ?? config.responseSchema;
  if (schema === undefined) return [];
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return [];
  }
  return valueViolations(schema, value);
}

/** The response the model gives, cut off where thinking and answer exceed `maxOutputTokens`. */
function modelResponse(request: VertexRequest, text: string, outputTokens: number, thoughts: number, promptTokens?: number): unknown {
  const limit = request.body.generationConfig?.maxOutputTokens ?? DEFAULT_OUTPUT_LIMIT;
  const room = Math.max(0, limit - thoughts);
  const truncated = outputTokens > room;
  const candidates = truncated ? room : outputTokens;
  const prompt = promptTokens ?? Math.ceil(JSON.stringify(request.body.contents ?? []).length / 4);
  return {
    candidates: [
      {
        content: { role: "model", parts: [{ text: truncated ? text.slice(0, Math.floor((text.length * room) / outputTokens)) : text }] },
        finishReason: truncated ? "MAX_TOKENS" : "STOP",
      },
    ],
    usageMetadata: {
      promptTokenCount: prompt,
      candidatesTokenCount: candidates,
      ...(thoughts > 0 ? { thoughtsTokenCount: thoughts } : {}),
      totalTokenCount: prompt + candidates + thoughts,
    },
    modelVersion: request.model,
  };
}

function reply(res: ServerResponse, code: number, body: unknown): void {
  res.writeHead(code, { "Content-Type": "application/json" });
  res.end(JSON.stringify(body));
}
