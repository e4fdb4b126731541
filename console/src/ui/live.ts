/** A Firestore listener as component state: loading, then a value or an error. */
import { useEffect, useState } from "preact/hooks";
import type { Listener, Unsubscribe } from "../data";
import { asError } from "../format";

export type Live<T> = { state: "loading" } | { state: "ready"; value: T } | { state: "error"; error: Error };

export function useLive<T>(subscribe: (listener: Listener<T>) => Unsubscribe, deps: readonly unknown[]): Live<T> {
  const [live, setLive] = useState<Live<T>>({ state: "loading" });
  useEffect(() => {
    setLive({ state: "loading" });
    return subscribe({ next: (value) => setLive({ state: "ready", value }), error: (error) => setLive({ state: "error", error }) });
    // The caller names what the subscription depends on (lint checks the callers: eslint.config.js).
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, deps);
  return live;
}

/** A one-off read as component state, read again when `deps` change. */
export function useRead<T>(read: () => Promise<T>, deps: readonly unknown[]): Live<T> {
  const [live, setLive] = useState<Live<T>>({ state: "loading" });
  useEffect(() => {
    let current = true;
    setLive({ state: "loading" });
    read().then(
      (value) => current && setLive({ state: "ready", value }),
      (error: unknown) => current && setLive({ state: "error", error: asError(error) }),
    );
    return () => {
      current = false;
    };
    // As in useLive.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, deps);
  return live;
}

/** The current time, ticking every `ms` (for lease countdowns). */
export function useNow(ms = 1000): Date {
  const [now, setNow] = useState(() => new Date());
  useEffect(() => {
    const timer = setInterval(() => setNow(new Date()), ms);
    return () => clearInterval(timer);
  }, [ms]);
  return now;
}
