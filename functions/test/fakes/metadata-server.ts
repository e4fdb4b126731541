/**
 * A local GCE metadata server for contract tests: the paths Google's auth libraries read on Cloud
 * Functions (the ping, the default service account's email and access token), with the
 * `Metadata-Flavor: Google` handshake. `useFakeMetadata` points the real libraries at it through the
 * environment they honour (GCE_METADATA_HOST) and shields them from the machine's own credentials.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

const BASE = "/computeMetadata/v1/";

export interface MetadataAnswers {
  email: string;
  token: string;
  /** When set, the token endpoint answers with this HTTP status instead of a token. */
  tokenStatus?: number;
  /** When set, the email endpoint answers with this HTTP status instead of the email. */
  emailStatus?: number;
}

export class FakeMetadataServer {
  /** Paths requested under /computeMetadata/v1/, in order. */
  readonly requests: string[] = [];
  readonly answers: MetadataAnswers = { email: "runtime-sa@demo-project.iam.gserviceaccount.com", token: "metadata-token" };
  private server: Server | undefined;

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      const url = new URL(req.url ?? "/", "http://localhost");
      const path = url.pathname.startsWith(BASE) ? url.pathname.slice(BASE.length) : url.pathname;
      this.requests.push(path);
      const send = (status: number, body: string, type = "application/text") => {
        res.writeHead(status, { "Metadata-Flavor": "Google", "Content-Type": type });
        res.end(body);
      };
      if (req.headers["metadata-flavor"] !== "Google") return send(403, "Missing Metadata-Flavor:Google header.");
      if (path === "instance" || path === "instance/") return send(200, "");
      if (path === "instance/service-accounts/default/email") {
        return this.answers.emailStatus ? send(this.answers.emailStatus, "not found") : send(200, this.answers.email);
      }
      if (/^instance\/service-accounts\/[^/]+\/token$/.test(path)) {
        if (this.answers.tokenStatus) return send(this.answers.tokenStatus, "no token for you");
        const token = { access_token: this.answers.token, expires_in: 3599, token_type: "Bearer" };
        return send(200, JSON.stringify(token), "application/json");
      }
      if (path === "project/project-id") return send(200, "demo-project");
      if (path === "universe/universe-domain") return send(404, "not found");
      return send(404, "not found");
    });
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    return `127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server!.close(resolve));
  }
}

const ENV_KEYS = ["GCE_METADATA_HOST", "METADATA_SERVER_DETECTION", "CLOUDSDK_CONFIG", "GOOGLE_APPLICATION_CREDENTIALS"] as const;

/**
 * Makes Application Default Credentials resolve as on Cloud Functions: no key file, no gcloud
 * login, the metadata server at `host` (or, with `null`, no metadata server at all). Returns the
 * function that restores the environment.
 */
export function useFakeMetadata(host: string | null): () => void {
  const saved = Object.fromEntries(ENV_KEYS.map((key) => [key, process.env[key]]));
  const emptyConfig = mkdtempSync(join(tmpdir(), "no-gcloud-"));
  process.env.CLOUDSDK_CONFIG = emptyConfig;
  delete process.env.GOOGLE_APPLICATION_CREDENTIALS;
  if (host === null) {
    delete process.env.GCE_METADATA_HOST;
    process.env.METADATA_SERVER_DETECTION = "none";
  } else {
    process.env.GCE_METADATA_HOST = host;
    delete process.env.METADATA_SERVER_DETECTION; // detect by pinging it, as on Cloud Functions
  }
  return () => {
    for (const key of ENV_KEYS) {
      if (saved[key] === undefined) delete process.env[key];
      else process.env[key] = saved[key];
    }
    rmSync(emptyConfig, { recursive: true, force: true });
  };
}
