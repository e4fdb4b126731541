/**
 * A local Cloud Tasks service for contract tests: `CreateTask` over both transports the real client
 * library speaks — the REST fallback (`POST /v2/{parent}/tasks`, proto3 JSON) and gRPC (the protos
 * shipped in @google-cloud/tasks). It checks requests the way the service does (name format,
 * dispatch deadline range, parent), refuses a name it already has (ALREADY_EXISTS / HTTP 409), and can
 * fail or hang on demand. Tests point a real `CloudTasksClient` at it.
 */
import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { dirname, join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { OAuth2Client } from "google-auth-library";
import type { CloudTasksClientOptions } from "../../src/tasks/cloud-tasks";

type protobufNamespace = Parameters<typeof protoLoader.fromJSON>[0];

/** The gRPC status codes the fake answers with, and their HTTP equivalents (google.rpc.Code mapping). */
const STATUS = {
  INVALID_ARGUMENT: { grpc: 3, http: 400 },
  DEADLINE_EXCEEDED: { grpc: 4, http: 504 },
  ALREADY_EXISTS: { grpc: 6, http: 409 },
  PERMISSION_DENIED: { grpc: 7, http: 403 },
  RESOURCE_EXHAUSTED: { grpc: 8, http: 429 },
  UNAVAILABLE: { grpc: 14, http: 503 },
} as const;
type StatusName = keyof typeof STATUS;

/**
 * What the fake does with one incoming CreateTask: fail with a status, never answer ("hang"), or
 * create the task and then fail with UNAVAILABLE, as when the answer is lost on the way back.
 */
export type Fault = StatusName | "hang" | "lost-response";

interface Duration {
  seconds: number;
  nanos: number;
}

/** One CreateTask request as the service received it, decoded from either wire format. */
export interface ReceivedTask {
  transport: "rest" | "grpc";
  parent: string;
  name: string;
  scheduleTime: Duration | null;
  dispatchDeadline: Duration | null;
  url: string;
  httpMethod: string;
  headers: Record<string, string>;
  /** The task body, base64-decoded and parsed as JSON. */
  body: unknown;
  oidcToken: { serviceAccountEmail?: string; audience?: string } | null;
  /** The Authorization header of the REST call (gRPC calls run without call credentials here). */
  authorization?: string;
  /** The call's deadline as the client set it (gRPC only). */
  deadline?: Date;
}

class RpcError extends Error {
  constructor(
    readonly status: StatusName,
    message: string,
  ) {
    super(message);
  }
}

const TASK_NAME = /^(projects\/[^/]+\/locations\/[^/]+\/queues\/[^/]+)\/tasks\/([A-Za-z0-9_-]{1,500})$/;
const MIN_DEADLINE_SECONDS = 15;
const MAX_DEADLINE_SECONDS = 30 * 60;
const HTTP_METHODS = ["HTTP_METHOD_UNSPECIFIED", "POST", "GET", "HEAD", "PUT", "DELETE", "PATCH", "OPTIONS"];

/** RFC 3339 with up to nine fractional digits (proto3 JSON Timestamp), to seconds and nanos without rounding. */
function parseTimestamp(text: string): Duration {
  const match = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?Z$/.exec(text);
  if (!match) throw new RpcError("INVALID_ARGUMENT", `invalid timestamp ${text}`);
  const seconds = Date.parse(`${match[1]}Z`) / 1000;
  return { seconds, nanos: Number((match[2] ?? "").padEnd(9, "0")) };
}

/** proto3 JSON Duration: "540s" or "1.5s". */
function parseDuration(text: string): Duration {
  const match = /^(\d+)(?:\.(\d{1,9}))?s$/.exec(text);
  if (!match) throw new RpcError("INVALID_ARGUMENT", `invalid duration ${text}`);
  return { seconds: Number(match[1]), nanos: Number((match[2] ?? "").padEnd(9, "0")) };
}

function decodeBody(body: Buffer | string | undefined): unknown {
  if (body === undefined) return undefined;
  const text = typeof body === "string" ? Buffer.from(body, "base64").toString("utf8") : body.toString("utf8");
  return JSON.parse(text) as unknown;
}

export class FakeCloudTasks {
  /** Every CreateTask that reached the service, in order, including refused and failed ones. */
  readonly received: ReceivedTask[] = [];
  /** Tasks the service holds, by full name. */
  readonly tasks = new Map<string, ReceivedTask>();
  private readonly faults: Fault[] = [];
  private httpServer: Server | undefined;
  private grpcServer: grpc.Server | undefined;
  private readonly pendingGrpc = new Set<grpc.sendUnaryData<unknown>>();

  /** The next requests meet these faults, one each, before requests succeed again. */
  failNext(...faults: Fault[]): void {
    this.faults.push(...faults);
  }

  /** Starts the REST endpoint on 127.0.0.1; resolves to its port. */
  async startRest(): Promise<number> {
    this.httpServer = createServer((req, res) => void this.handleRest(req, res));
    await new Promise<void>((resolve) => this.httpServer!.listen(0, "127.0.0.1", resolve));
    return (this.httpServer.address() as AddressInfo).port;
  }

  /** Starts the gRPC endpoint on 127.0.0.1 (insecure); resolves to its port. */
  async startGrpc(): Promise<number> {
    // The package's own bundle of its protos and their imports (build/cjs/src/index.cjs → build/protos).
    const bundle = join(dirname(require.resolve("@google-cloud/tasks")), "..", "..", "protos", "protos.json");
    const definition = protoLoader.fromJSON(JSON.parse(readFileSync(bundle, "utf8")) as protobufNamespace, {
      longs: Number,
      enums: String,
      oneofs: true,
    });
    const loaded = grpc.loadPackageDefinition(definition) as unknown as {
      google: { cloud: { tasks: { v2: { CloudTasks: grpc.ServiceClientConstructor } } } };
    };
    this.grpcServer = new grpc.Server();
    this.grpcServer.addService(loaded.google.cloud.tasks.v2.CloudTasks.service, {
      createTask: (call: grpc.ServerUnaryCall<GrpcCreateTaskRequest, unknown>, callback: grpc.sendUnaryData<unknown>) =>
        this.handleGrpc(call, callback),
    });
    return new Promise((resolve, reject) =>
      this.grpcServer!.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, port) =>
        err ? reject(err) : resolve(port),
      ),
    );
  }

  /** Stops both endpoints, cutting calls left hanging. */
  async close(): Promise<void> {
    if (this.httpServer) {
      this.httpServer.closeAllConnections();
      await new Promise((resolve) => this.httpServer!.close(resolve));
    }
    this.grpcServer?.forceShutdown();
    this.pendingGrpc.clear();
  }

  /** The one step both transports share: record, then fault, refuse a duplicate, or create. */
  private createTask(received: ReceivedTask): "created" | "hang" {
    this.received.push(received);
    const match = TASK_NAME.exec(received.name);
    if (!match) throw new RpcError("INVALID_ARGUMENT", `invalid task name ${received.name}`);
    if (match[1] !== received.parent) throw new RpcError("INVALID_ARGUMENT", "task name is not in the parent queue");
    const deadline = received.dispatchDeadline?.seconds;
    if (deadline !== undefined && (deadline < MIN_DEADLINE_SECONDS || deadline > MAX_DEADLINE_SECONDS)) {
      throw new RpcError("INVALID_ARGUMENT", "dispatch_deadline must be between 15 seconds and 30 minutes");
    }
    const fault = this.faults.shift();
    if (fault === "hang") return "hang";
    if (fault && fault !== "lost-response") throw new RpcError(fault, `injected ${fault}`);
    if (this.tasks.has(received.name)) throw new RpcError("ALREADY_EXISTS", "Requested entity already exists");
    this.tasks.set(received.name, received);
    if (fault === "lost-response") throw new RpcError("UNAVAILABLE", "injected: the task was created, the answer lost");
    return "created";
  }

  private async handleRest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = new URL(req.url ?? "/", "http://localhost");
    const route = /^\/v2\/(projects\/[^/]+\/locations\/[^/]+\/queues\/[^/]+)\/tasks$/.exec(url.pathname);
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { "Content-Type": "application/json" });
      res.end(JSON.stringify(body));
    };
    if (req.method !== "POST" || !route) {
      reply(404, { error: { code: 404, message: `no route ${req.method} ${url.pathname}`, status: "NOT_FOUND" } });
      return;
    }
    try {
      const json = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { task?: RestTask };
      const task = json.task ?? {};
      const http = task.httpRequest ?? {};
      const outcome = this.createTask({
        transport: "rest",
        parent: route[1],
        name: task.name ?? "",
        scheduleTime: task.scheduleTime ? parseTimestamp(task.scheduleTime) : null,
        dispatchDeadline: task.dispatchDeadline ? parseDuration(task.dispatchDeadline) : null,
        url: http.url ?? "",
        httpMethod: typeof http.httpMethod === "number" ? HTTP_METHODS[http.httpMethod] : (http.httpMethod ?? ""),
        headers: http.headers ?? {},
        body: decodeBody(http.body),
        oidcToken: http.oidcToken ?? null,
        authorization: req.headers.authorization,
      });
      if (outcome === "hang") return; // never answers; close() cuts the connection
      reply(200, task);
    } catch (err) {
      const status = err instanceof RpcError ? err.status : "INVALID_ARGUMENT";
      reply(STATUS[status].http, { error: { code: STATUS[status].http, message: (err as Error).message, status } });
    }
  }

  private handleGrpc(call: grpc.ServerUnaryCall<GrpcCreateTaskRequest, unknown>, callback: grpc.sendUnaryData<unknown>): void {
    const { parent, task } = call.request;
    const http = task?.httpRequest ?? {};
    try {
      const outcome = this.createTask({
        transport: "grpc",
        parent,
        name: task?.name ?? "",
        scheduleTime: task?.scheduleTime ? { seconds: task.scheduleTime.seconds ?? 0, nanos: task.scheduleTime.nanos ?? 0 } : null,
        dispatchDeadline: task?.dispatchDeadline
          ? { seconds: task.dispatchDeadline.seconds ?? 0, nanos: task.dispatchDeadline.nanos ?? 0 }
          : null,
        url: http.url ?? "",
        httpMethod: http.httpMethod ?? "",
        headers: http.headers ?? {},
        body: decodeBody(http.body),
        oidcToken: http.oidcToken ?? null,
        deadline: deadlineOf(call),
      });
      if (outcome === "hang") {
        this.pendingGrpc.add(callback);
        return;
      }
      callback(null, task);
    } catch (err) {
      const status = err instanceof RpcError ? err.status : "INVALID_ARGUMENT";
      callback({ code: STATUS[status].grpc, details: (err as Error).message });
    }
  }
}

/** grpc-js gives the server a deadline as a Date or epoch milliseconds; Infinity when the client set none. */
function deadlineOf(call: grpc.ServerUnaryCall<unknown, unknown>): Date | undefined {
  const deadline = call.getDeadline();
  if (deadline instanceof Date) return deadline;
  return Number.isFinite(deadline) ? new Date(deadline) : undefined;
}

interface RestTask {
  name?: string;
  scheduleTime?: string;
  dispatchDeadline?: string;
  httpRequest?: {
    url?: string;
    httpMethod?: number | string;
    headers?: Record<string, string>;
    body?: string;
    oidcToken?: { serviceAccountEmail?: string; audience?: string };
  };
}

interface GrpcCreateTaskRequest {
  parent: string;
  task?: {
    name?: string;
    scheduleTime?: { seconds?: number; nanos?: number };
    dispatchDeadline?: { seconds?: number; nanos?: number };
    httpRequest?: {
      url?: string;
      httpMethod?: string;
      headers?: Record<string, string>;
      body?: Buffer;
      oidcToken?: { serviceAccountEmail?: string; audience?: string };
    };
  };
}

/** `CloudTasksClient` options that reach the fake: the REST fallback with a static token, or gRPC without TLS. */
export function fakeClientOptions(transport: "rest" | "grpc", port: number): CloudTasksClientOptions {
  if (transport === "grpc") return { apiEndpoint: "127.0.0.1", port, sslCreds: grpc.credentials.createInsecure() };
  const authClient = new OAuth2Client();
  authClient.setCredentials({ access_token: FAKE_ACCESS_TOKEN, expiry_date: Date.now() + 3_600_000 });
  // google-gax bundles its own copy of google-auth-library; the client only calls the auth client's methods.
  return {
    fallback: true,
    apiEndpoint: "127.0.0.1",
    port,
    protocol: "http",
    authClient: authClient as unknown as CloudTasksClientOptions["authClient"],
  };
}

export const FAKE_ACCESS_TOKEN = "fake-access-token";
