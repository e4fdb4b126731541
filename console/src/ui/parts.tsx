/** Small pieces every view uses: state boxes, status badges, JSON, an action button. */
import type { ComponentChildren, RefObject } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { failedReads, type Live, type NamedRead, useNotConnected } from "./live";
import { actionFailure } from "../actions";
import { couldNot, dateTime, idPieces, type NoticeText, relative } from "../format";
import type { JobError } from "../model";

export function Loading({ what }: { what: string }) {
  return (
    <p aria-busy="true" class="muted">
      Loading {what}…
    </p>
  );
}

/** What failed, as what the console could not do: "load job j1", "sign out"; with Try again when it can be. */
export function ErrorBox({ error, failedTo, retry }: { error: Error; failedTo: string; retry?: () => void }) {
  return <FailureBox sentences={[couldNot(failedTo, error)]} retry={retry} />;
}

/**
 * The box goes as its reads start again (the view shows them loading): Try again hands the focus to the view's heading,
 * which hands it on if the view replaces it, rather than let it drop to the page with the button.
 */
function FailureBox({ sentences, retry }: { sentences: string[]; retry?: () => void }) {
  return (
    <div class="error-box" role="alert">
      {sentences.map((sentence) => (
        <p key={sentence}>{sentence}</p>
      ))}
      {retry && (
        <button
          type="button"
          class="secondary small"
          onClick={() => {
            focusViewHeading();
            retry();
          }}
        >
          Try again
        </button>
      )}
    </div>
  );
}

/** Focuses the view's heading: the page's one h1 (`ViewHeading`), a view's own component. */
function focusViewHeading(): void {
  document.querySelector<HTMLElement>("main h1")?.focus();
}

/**
 * A view's reads that failed, said once for all its sections (theirs say only that they are not loaded: `LiveView`'s
 * `failureShownAbove`), each reason once, with Try again for them all. Nothing while none has failed.
 */
export function FailedReads({ reads }: { reads: readonly NamedRead[] }) {
  const failed = failedReads(reads);
  return failed && <FailureBox sentences={failed.sentences} retry={failed.retry} />;
}

export function Empty({ children }: { children: ComponentChildren }) {
  return <p class="muted empty">{children}</p>;
}

/**
 * Renders `children(value)` once loaded; loading, error and empty states otherwise. `empty` says what is absent
 * (a string reads as a muted line); it is never said of what only the cache holds, which cannot tell: the server
 * may hold what the cache lacks. `failureShownAbove`: the view says why its read failed once (`FailedReads`).
 */
export function LiveView<T>(props: {
  live: Live<T>;
  what: string;
  isEmpty?: (value: T) => boolean;
  empty?: ComponentChildren;
  failureShownAbove?: boolean;
  children: (value: T) => ComponentChildren;
}) {
  const { live, what } = props;
  const notConnected = useNotConnected([live]);
  if (live.state === "loading") return <Loading what={what} />;
  if (live.state === "error")
    return props.failureShownAbove ? (
      <Empty>Not loaded: see above.</Empty>
    ) : (
      <ErrorBox error={live.error} failedTo={`load ${what}`} retry={live.retry} />
    );
  if (props.isEmpty?.(live.value)) {
    // Online, a cached first answer is confirmed by the server a moment later: wait for it before saying anything.
    if (live.fromCache)
      return notConnected ? (
        <Empty>
          Not connected: the cached data holds no {what}, and whether the server does cannot be told until the console reconnects.
        </Empty>
      ) : (
        <Loading what={what} />
      );
    const empty = props.empty ?? `No ${what}.`;
    return typeof empty === "string" ? <Empty>{empty}</Empty> : <>{empty}</>;
  }
  return <>{props.children(live.value)}</>;
}

/** Says when a view shows what only the SDK's cache holds: the console is not connected, and the data may be out of date. */
export function NotConnectedNote({ lives }: { lives: readonly Live<unknown>[] }) {
  const notConnected = useNotConnected(lives);
  // The region stays in the page (as Notice's), so a screen reader hears the connection drop.
  return (
    <p class="not-connected" role="status" data-testid="not-connected">
      {notConnected &&
        "Not connected: showing cached data, which may be out of date or incomplete; the view catches up once connected again."}
    </p>
  );
}

/**
 * Why a control that replaces a view's listener (reads more, or other days) is disabled while not connected: the SDK's
 * memory cache drops what the old listener held once it stops, so the new one could answer only that the cache holds
 * nothing, in place of what is shown.
 */
export function WaitsForConnection({ what }: { what: string }) {
  return (
    <small class="muted" data-testid="waits-for-connection">
      Not connected: {what} once the console reconnects.
    </small>
  );
}

export function StatusBadge({ status }: { status: string }) {
  return <span class={`badge status-${status}`}>{status}</span>;
}

/** A series' colours on a chart: its fill, and its edge. */
export interface SeriesColours {
  backgroundColor: string;
  borderColor: string;
}

/**
 * A table's cell with an error's code and message, wrapped within a bounded width; a muted dash for none. `colSpan`:
 * across that many columns, in a row of its own, the text a block that keeps to the part of the table in sight.
 */
export function ErrorCell({ error, colSpan }: { error: JobError | null; colSpan?: number }) {
  return (
    <td class="error-cell" colSpan={colSpan} data-testid="error-cell">
      {error ? (
        <div>
          <code>{error.code}</code> {error.message}
        </div>
      ) : (
        <span class="muted">—</span>
      )}
    </td>
  );
}

export function Json({ value }: { value: unknown }) {
  return <pre class="json">{JSON.stringify(value, null, 2)}</pre>;
}

export function JobLink({ id }: { id: string }) {
  return (
    <a href={`#/job/${encodeURIComponent(id)}`} class="mono id">
      {id}
    </a>
  );
}

/** How long an action asking for confirmation stays armed: a second click much later is not a confirmation. */
const ARMED_MS = 5_000;

/**
 * Whether focus is still where an action left it: on its button, or fallen to the page with it (a button disabled
 * while busy loses it), rather than somewhere the user went on to meanwhile.
 */
export function focusStayedWith(button: HTMLElement | null): boolean {
  const focused = document.activeElement;
  return focused === null || focused === document.body || focused === button;
}

/**
 * A button that runs an action, shows it is busy, and shows its error. Its accessible name says what it
 * acts on ("Retry job j1"), as a table's rows each have one. An action with `confirm` asks first, saying so
 * in a live region, and is disarmed by Escape, by leaving the button, or after a few seconds.
 */
export function ActionButton(props: {
  label: string;
  /** What the action acts on, as read after its label: "job j1". */
  subject: string;
  run: () => Promise<void>;
  confirm?: string;
  /** What else a confirmed action does, said in its confirmation: "Its open children are cancelled too." */
  scope?: string;
  variant?: "secondary" | "contrast";
  /**
   * Where focus goes once the action is done: what tells its outcome. The button itself may be gone by then, with
   * the row of the job it retried or as the change it reverted shows its new status, which would drop focus to the page.
   */
  focusAfter?: RefObject<HTMLElement | null>;
  /** Why the action failed, in words: a callable's refusal (`actionFailure`) unless it calls something else. */
  failure?: (thrown: unknown) => string;
}) {
  const [busy, setBusy] = useState(false);
  const [armed, setArmed] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const button = useRef<HTMLButtonElement>(null);
  const errorText = useRef<HTMLElement>(null);
  useEffect(() => {
    if (!armed) return;
    const timer = setTimeout(() => setArmed(false), ARMED_MS);
    return () => clearTimeout(timer);
  }, [armed]);
  // A failure's words tell the outcome, as `focusAfter` does a success's: focus goes to them once they are shown.
  useEffect(() => {
    if (error !== null && focusStayedWith(button.current)) errorText.current?.focus();
  }, [error]);
  const click = () => {
    if (props.confirm && !armed) {
      setArmed(true);
      return;
    }
    setArmed(false);
    setBusy(true);
    setError(null);
    props.run().then(
      () => {
        setBusy(false);
        if (focusStayedWith(button.current)) props.focusAfter?.current?.focus();
      },
      (err: unknown) => {
        setBusy(false);
        setError((props.failure ?? actionFailure)(err));
      },
    );
  };
  const label = armed && props.confirm ? props.confirm : props.label;
  return (
    <span class="action">
      <button
        ref={button}
        type="button"
        class={`small ${props.variant ?? ""}`}
        aria-label={`${label} ${props.subject}`}
        aria-busy={busy}
        disabled={busy}
        onClick={click}
        onBlur={() => setArmed(false)}
        onKeyDown={(e) => e.key === "Escape" && setArmed(false)}
      >
        {label}
      </button>
      {props.confirm && (
        // A changed name is not announced while the button has focus: this is.
        <small class="armed-hint" role="status" data-testid="armed-hint">
          {armed &&
            `${props.confirm} ${props.subject}? ${props.scope ? `${props.scope} ` : ""}Press the button again within ${ARMED_MS / 1000} seconds; Escape withdraws.`}
        </small>
      )}
      {error && (
        <small ref={errorText} tabIndex={-1} class="error-text" role="alert">
          {error}
        </small>
      )}
    </span>
  );
}

/** What an action did, announced politely, its ids as code; the region stays in the page, so a screen reader hears each new message. */
export function Notice({ message, testId }: { message: NoticeText | null; testId: string }) {
  return (
    <p class="notice" role="status" data-testid={testId}>
      {message && idPieces(message).map((piece, i) => (piece.id ? <code key={i}>{piece.text}</code> : piece.text))}
    </p>
  );
}

/**
 * A time to come or gone, as how long from `now`, with the time itself (and its offset from UTC) in small print below:
 * a title would reach no keyboard, touch or screen reader.
 */
export function FromNow({ at, now }: { at: Date | null; now: Date }) {
  if (!at) return <span class="muted">—</span>;
  return (
    <time class="from-now" dateTime={at.toISOString()}>
      {relative(at, now)} <small class="muted">{dateTime(at)}</small>
    </time>
  );
}

/** A progress bar named by what progresses ("job j1"), for a screen reader: its value alone says nothing of what. */
export function Progress({ done, total, of }: { done: number; total: number; of: string }) {
  return (
    <span class="progress">
      <progress value={done} max={Math.max(total, 1)} aria-label={`Progress of ${of}`} />
      <small>
        {done}/{total}
      </small>
    </span>
  );
}
