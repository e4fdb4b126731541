/** Firestore faults for the fault-injection tests. */
import { Query, type Firestore, type WriteBatch } from "firebase-admin/firestore";
import type { WatchdogReport } from "../../src/jobs/watchdog";
import { GrpcStatus } from "../../src/util/grpc-status";

/** What every error injected here says, and so what the engine's records of it (a job's error, an attempt's) say. */
const INJECTED_FAULT = "injected fault";

function grpcError(code: number, what: string): Error {
  return Object.assign(new Error(`${code === GrpcStatus.ABORTED ? "ABORTED" : "UNAVAILABLE"}: ${INJECTED_FAULT} in ${what}`), { code });
}

/** Whether `error`, thrown or as the engine records one (`{code, message}`), is a fault injected here or carries its message. */
export function isInjectedFault(error: unknown): boolean {
  const message = (error as { message?: unknown } | null)?.message;
  return typeof message === "string" && message.includes(INJECTED_FAULT);
}

/**
 * What a fault test's loops caught that no fault explains. The loops stand for the platform: a drain
 * or a watchdog run that threw on an injected fault is run again (a Cloud Tasks delivery retried, the
 * next scheduled run), so that is expected; anything else thrown (but what `expected` allows), and any
 * item or step a watchdog on a client without faults failed (counted in its report, not thrown), is a defect.
 */
export function unexpectedErrors(): {
  errors: string[];
  unlessInjected: (where: string, expected?: (err: unknown) => boolean) => (err: unknown) => void;
  failedInReport: (where: string) => (report: WatchdogReport) => void;
} {
  const errors: string[] = [];
  return {
    errors,
    unlessInjected: (where, expected) => (err) => {
      if (!isInjectedFault(err) && !expected?.(err)) errors.push(`${where}: ${String(err)}`);
    },
    failedInReport: (where) => (report) => {
      if (report.errors > 0)
        errors.push(
          `${where}: ${report.errors} error(s) in run ${report.run_id} (logged), failed steps [${report.failed_steps.join(", ")}]`,
        );
    },
  };
}

/** `database` whose transactions and batch commits fail with probability `rate`, half of them after the write landed. */
export function faultyFirestore(database: Firestore, random: () => number, rate: number, injected: { count: number }): Firestore {
  const fault = (what: string): Error | null => {
    if (random() >= rate) return null;
    injected.count++;
    return grpcError(random() < 0.5 ? GrpcStatus.UNAVAILABLE : GrpcStatus.ABORTED, what);
  };
  const faultyBatch = (batch: WriteBatch): WriteBatch =>
    new Proxy(batch, {
      get(target, prop) {
        if (prop !== "commit") {
          const value = Reflect.get(target, prop) as unknown;
          if (typeof value !== "function") return value;
          // Chained calls (batch.set(...).update(...)) keep the proxy.
          return (...args: unknown[]) => {
            const result = (value as (...a: unknown[]) => unknown).apply(target, args);
            return result === target ? faultyBatch(target) : result;
          };
        }
        return async () => {
          const before = fault("batch commit");
          if (before) throw before;
          const result = await target.commit();
          const lost = fault("batch commit reply");
          if (lost) throw lost;
          return result;
        };
      },
    });
  return new Proxy(database, {
    get(target, prop) {
      if (prop === "batch") return () => faultyBatch(target.batch());
      if (prop === "runTransaction") {
        return async (...args: Parameters<Firestore["runTransaction"]>) => {
          const before = fault("transaction");
          if (before) throw before;
          const result = await target.runTransaction(...args);
          const lost = fault("transaction reply");
          if (lost) throw lost;
          return result;
        };
      }
      const value = Reflect.get(target, prop) as unknown;
      return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/**
 * `database` whose first batch that writes a document under `pathPart` fails with `code`, before
 * the write or after it landed (the reply lost); `failures` counts the faults injected.
 */
export function failingFirstBatchWriting(
  database: Firestore,
  pathPart: string,
  when: "before" | "after",
  code: number = GrpcStatus.UNAVAILABLE,
): { db: Firestore; failures: { count: number } } {
  const failures = { count: 0 };
  const watched = (batch: WriteBatch): WriteBatch => {
    let touches = false;
    const proxy: WriteBatch = new Proxy(batch, {
      get(target, prop) {
        const value = Reflect.get(target, prop) as unknown;
        if (typeof value !== "function") return value;
        if (prop === "commit")
          return async () => {
            const fails = touches && failures.count === 0;
            if (fails) failures.count++;
            if (fails && when === "before") throw grpcError(code, "batch commit");
            const result = await target.commit();
            if (fails) throw grpcError(code, "batch commit reply");
            return result;
          };
        return (...args: unknown[]) => {
          const ref = args[0] as { path?: unknown } | undefined;
          if (typeof ref?.path === "string" && ref.path.includes(pathPart)) touches = true;
          const result = (value as (...a: unknown[]) => unknown).apply(target, args);
          return result === target ? proxy : result;
        };
      },
    });
    return proxy;
  };
  return {
    db: new Proxy(database, {
      get(target, prop) {
        if (prop === "batch") return () => watched(target.batch());
        const value = Reflect.get(target, prop) as unknown;
        return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    }),
    failures,
  };
}

/** The next query any client sends fails, as an outage would (UNAVAILABLE); later ones run. Undone by `jest.restoreAllMocks()`. */
export function failNextQuery(): void {
  const { get } = Query.prototype as { get: (this: Query) => ReturnType<Query["get"]> };
  let failed = false;
  jest.spyOn(Query.prototype, "get").mockImplementation(function (this: Query) {
    if (failed) return get.call(this);
    failed = true;
    return Promise.reject(grpcError(GrpcStatus.UNAVAILABLE, "a query"));
  });
}
