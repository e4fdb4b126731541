/** A Firestore listener as component state: loading, then a value (and whether only the cache gave it) or an error. */
import { useEffect, useState } from "preact/hooks";
import type { Listener, Read, Unsubscribe } from "../data";
import { asError, couldNot, failureReason, listed } from "../format";

/**
 * An error's `retry` listens (or reads) again: Firestore ends a listener that fails (permission denied, an index
 * missing), and nothing else would start it again. A state not from a hook may have none.
 */
export type Live<T> =
  { state: "loading" } | { state: "ready"; value: T; fromCache: boolean } | { state: "error"; error: Error; retry?: () => void };

/** What a view shows while a listener or read that replaced another loads: the value it had, if any. */
export function whileResubscribing<T>(previous: Live<T>): Live<T> {
  return previous.state === "ready" ? previous : { state: "loading" };
}

/** Whether any of these shows what only the SDK's cache holds: the server was not reached (offline) or has not answered yet. */
export function cacheOnly(lives: readonly Live<unknown>[]): boolean {
  return lives.some((live) => live.state === "ready" && live.fromCache);
}

/**
 * How long data stays cache-only before the console says it is not connected. Online, a new listener whose documents
 * the cache already holds (a job the queue read) answers from the cache first and a moment later from the server:
 * that is not worth a banner, nor a screen reader's announcement.
 */
const NOT_CONNECTED_AFTER_MS = 2_000;

/** Whether these have shown cache-only data for a while: the console is not connected to Firestore. */
export function useNotConnected(lives: readonly Live<unknown>[]): boolean {
  const cached = cacheOnly(lives);
  const [held, setHeld] = useState(false);
  useEffect(() => {
    setHeld(false);
    if (!cached) return;
    const timer = setTimeout(() => setHeld(true), NOT_CONNECTED_AFTER_MS);
    return () => clearTimeout(timer);
  }, [cached]);
  return cached && held;
}

/**
 * A listener's latest value. When `deps` change, the value it had stays until the new listener's first
 * answer (the day view's days changed), so what is shown, and the state of its buttons (a busy
 * action, an action's error), is not swept away; a view of another subject is a component of its own
 * (keyed by that subject).
 */
export function useLive<T>(subscribe: (listener: Listener<T>) => Unsubscribe, deps: readonly unknown[]): Live<T> {
  const [live, setLive] = useState<Live<T>>({ state: "loading" });
  // Moved on by an error's retry, to subscribe again.
  const [round, setRound] = useState(0);
  useEffect(() => {
    setLive(whileResubscribing);
    return subscribe({
      next: (value, fromCache) => setLive({ state: "ready", value, fromCache }),
      error: (error) => setLive({ state: "error", error, retry: () => setRound((n) => n + 1) }),
    });
    // The caller names what the subscription depends on (lint checks the callers: eslint.config.js).
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, round]);
  return live;
}

/** A listener's value seen through `view` (its loading and error states as they are). */
export function mapLive<T, U>(live: Live<T>, view: (value: T) => U): Live<U> {
  return live.state === "ready" ? { ...live, value: view(live.value) } : live;
}

/**
 * How long a one-off read that only the SDK's cache answered waits before it is read again. Offline the cache answers
 * it at once, from memory; the first read the server answers is the last.
 */
export const READ_AGAIN_MS = 5_000;

/**
 * A one-off read as component state, read again when `deps` change: loading until the new read answers, or, with
 * `keepPrevious`, the value it had (History's next page), so the controls that asked for it keep the focus. Only a
 * caller whose value says what it was read for can keep it: another would show the old value as the new deps' (the
 * days' runs against a longer range, its days without runs). An answer only the cache gave (offline) is read again
 * every READ_AGAIN_MS, shown meanwhile, until the server answers: the view catches up once the console reconnects, as a
 * listener's does, where nothing else would read it again.
 */
export function useRead<T>(read: () => Promise<Read<T>>, deps: readonly unknown[], { keepPrevious = false } = {}): Live<T> {
  const [live, setLive] = useState<Live<T>>({ state: "loading" });
  // As in useLive.
  const [round, setRound] = useState(0);
  useEffect(() => {
    let current = true;
    let readAgain: ReturnType<typeof setTimeout> | undefined;
    setLive(keepPrevious ? whileResubscribing : { state: "loading" });
    const readNow = (): void =>
      void read().then(
        ({ value, fromCache }) => {
          if (!current) return;
          setLive({ state: "ready", value, fromCache });
          if (fromCache) readAgain = setTimeout(readNow, READ_AGAIN_MS);
        },
        (error: unknown) => current && setLive({ state: "error", error: asError(error), retry: () => setRound((n) => n + 1) }),
      );
    readNow();
    return () => {
      current = false;
      clearTimeout(readAgain);
    };
    // As in useLive.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, round]);
  return live;
}

/** A read of a view, and what it reads, as a failure names it: "running jobs". */
export interface NamedRead {
  what: string;
  live: Live<unknown>;
}

/**
 * What a view's failed reads say, each reason once with all it failed to load ("Could not load running jobs and
 * waiting jobs: …"), and how to try them all again; null while none has failed.
 */
export function failedReads(reads: readonly NamedRead[]): { sentences: string[]; retry: () => void } | null {
  const failed = reads.flatMap(({ what, live }) => (live.state === "error" ? [{ what, error: live.error, retry: live.retry }] : []));
  if (failed.length === 0) return null;
  const byReason = new Map<string, { whats: string[]; error: Error }>();
  for (const { what, error } of failed) {
    const reason = failureReason(error);
    const same = byReason.get(reason);
    if (same) same.whats.push(what);
    else byReason.set(reason, { whats: [what], error });
  }
  return {
    sentences: [...byReason.values()].map(({ whats, error }) => couldNot(`load ${listed(whats)}`, error)),
    retry: () => failed.forEach(({ retry }) => retry?.()),
  };
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
