/** Small pieces every view uses: state boxes, status badges, JSON, an action button. */
import type { ComponentChildren } from "preact";
import { useEffect, useState } from "preact/hooks";
import type { Live } from "./live";
import { asError } from "../format";

export function Loading({ what }: { what: string }) {
  return (
    <p aria-busy="true" class="muted">
      Loading {what}…
    </p>
  );
}

export function ErrorBox({ error, what }: { error: Error; what: string }) {
  return (
    <p class="error-box" role="alert">
      Could not load {what}: {error.message}
    </p>
  );
}

export function Empty({ children }: { children: ComponentChildren }) {
  return <p class="muted empty">{children}</p>;
}

/** Renders `children(value)` once loaded; loading, error and empty states otherwise. */
export function LiveView<T>(props: {
  live: Live<T>;
  what: string;
  isEmpty?: (value: T) => boolean;
  empty?: ComponentChildren;
  children: (value: T) => ComponentChildren;
}) {
  const { live, what } = props;
  if (live.state === "loading") return <Loading what={what} />;
  if (live.state === "error") return <ErrorBox error={live.error} what={what} />;
  if (props.isEmpty?.(live.value)) return <Empty>{props.empty ?? `No ${what}.`}</Empty>;
  return <>{props.children(live.value)}</>;
}

export function StatusBadge({ status }: { status: string }) {
  return <span class={`badge status-${status}`}>{status}</span>;
}

export function Json({ value }: { value: unknown }) {
  return <pre class="json">{JSON.stringify(value, null, 2)}</pre>;
}

export function JobLink({ id }: { id: string }) {
  return (
    <a href={`#/job/${encodeURIComponent(id)}`} class="mono">
      {id}
    </a>
  );
}

/** How long an action asking for confirmation stays armed: a second click much later is not a confirmation. */
const ARMED_MS = 5_000;

/**
 * A button that runs an action, shows it is busy, and shows its error. Its accessible name says what it
 * acts on ("Retry job j1"), as a table's rows each have one. An action with `confirm` asks first and is
 * disarmed by Escape, by leaving the button, or after a few seconds.
 */
export function ActionButton(props: {
  label: string;
  /** What the action acts on, as read after its label: "job j1". */
  subject: string;
  run: () => Promise<void>;
  confirm?: string;
  variant?: "secondary" | "contrast";
}) {
  const [busy, setBusy] = useState(false);
  const [armed, setArmed] = useState(false);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (!armed) return;
    const timer = setTimeout(() => setArmed(false), ARMED_MS);
    return () => clearTimeout(timer);
  }, [armed]);
  const click = () => {
    if (props.confirm && !armed) {
      setArmed(true);
      return;
    }
    setArmed(false);
    setBusy(true);
    setError(null);
    props.run().then(
      () => setBusy(false),
      (err: unknown) => {
        setBusy(false);
        setError(asError(err).message);
      },
    );
  };
  const label = armed && props.confirm ? props.confirm : props.label;
  return (
    <span class="action">
      <button
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
      {error && (
        <small class="error-text" role="alert">
          {error}
        </small>
      )}
    </span>
  );
}

/** What an action did, announced politely; the region stays in the page, so a screen reader hears each new message. */
export function Notice({ message }: { message: string | null }) {
  return (
    <p class="notice" role="status" data-testid="action-notice">
      {message}
    </p>
  );
}

export function Progress({ done, total }: { done: number; total: number }) {
  return (
    <span class="progress">
      <progress value={done} max={Math.max(total, 1)} />
      <small>
        {done}/{total}
      </small>
    </span>
  );
}
