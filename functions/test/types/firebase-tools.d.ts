/**
 * The parts of the Firebase CLI's deploy code that test/wiring/deploy-shape.test.ts runs; the
 * firebase-tools package ships no type declarations. Shapes as firebase-tools 15 has them
 * (src/deploy/functions/build.ts and backend.ts), only as far as the test reads them.
 */
declare module "firebase-tools/lib/deploy/functions/build" {
  export interface BuildParam {
    name: string;
    type: "string" | "int" | "boolean" | "list" | "secret";
    default?: unknown;
    description?: string;
    input?: unknown;
  }

  /** What discovery returns: endpoints whose fields may still be `{{ params.X }}` expressions. */
  export interface Build {
    endpoints: Record<string, Record<string, unknown>>;
    params: BuildParam[];
    requiredAPIs: Array<{ api: string; reason: string }>;
  }

  /** An endpoint as it is deployed: params resolved, placed in its region. */
  export type ResolvedEndpoint = Record<string, unknown> & { id: string; region: string };

  /** Resolves the params of a build from the deploy's environment (prompting unless non-interactive). */
  export function resolveBackend(options: {
    build: Build;
    firebaseConfig: { projectId: string };
    userEnvs: Record<string, string>;
    nonInteractive: boolean;
    isEmulator: boolean;
  }): Promise<{ backend: { endpoints: Record<string, Record<string, ResolvedEndpoint>> } }>;
}

declare module "firebase-tools/lib/deploy/functions/runtimes/node" {
  import type { Build } from "firebase-tools/lib/deploy/functions/build";

  /** The Node.js runtime of `firebase deploy`. */
  export class Delegate {
    constructor(projectId: string, projectDir: string, sourceDir: string, runtime: string);
    /** Runs the SDK's `firebase-functions` binary in the source directory and reads the manifest it serves. */
    discoverBuild(runtimeConfig: Record<string, unknown>, env: Record<string, string>): Promise<Build>;
  }
}

declare module "firebase-tools/lib/functions/env" {
  /** FIREBASE_CONFIG and GCLOUD_PROJECT, as the CLI gives them to discovery and to the functions. */
  export function loadFirebaseEnvs(firebaseConfig: { projectId: string }, projectId: string): Record<string, string>;
}
