/** A Firestore listener as component state: loading, then a value or an error. */
import { useEffect, useState } from "preact/hooks";
import type { Listener, Unsubscribe } from "../data";
import { asError } from "../format";

export type Live<T> = { state: "loading" } | { state: "ready"; value: T } | { state: "error"; error: Error };

/** What a view shows while a listener that replaced another loads: the value it had, if any. */
export function whileResubscribing<T>(previous: Live<T>): Live<T> {
  return previous.state === "ready" ? previous : { state: "loading" };
}

/**
 * A listener's latest value. When `deps` change, the value it had stays until the new listener's first
 * answer (the day view's days changed), so what is shown, and the state of its buttons (a busy
 * action, an action's error), is not swept away; a view of another subject is a component of its own
 * (keyed by that subject).
 */
export function useLive<T>(subscribe: (listener: Listener<T>) => Unsubscribe, deps: readonly unknown[]): Live<T> {
  const [live, setLive] = useState<Live<T>>({ state: "loading" });
  useEffect(() => {
    setLive(whileResubscribing);
    return subscribe({ next: (value) => setLive({ state: "ready", value }), error: (error) => setLive({ state: "error", error }) });
    // The caller names what the subscription depends on (lint checks the callers: eslint.config.js).
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, deps);
  return live;
}

/** A listener's value seen through `view` (its loading and error states as they are). */
export function mapLive<T, U>(live: Live<T>, view: (value: T) => U): Live<U> {
  return live.state === "ready" ? { state: "ready", value: view(live.value) } : live;
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
