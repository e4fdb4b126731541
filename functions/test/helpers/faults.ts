/** Firestore faults for the fault-injection tests. */
import type { Firestore, WriteBatch } from "firebase-admin/firestore";
import { GrpcStatus } from "../../src/util/grpc-status";

function grpcError(code: number, what: string): Error {
  return Object.assign(new Error(`${code === GrpcStatus.ABORTED ? "ABORTED" : "UNAVAILABLE"}: injected fault in ${what}`), { code });
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
