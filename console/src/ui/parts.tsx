/** Small pieces every view uses: state boxes, status badges, JSON, an action button. */
import type { ComponentChildren } from "preact";
import { useState } from "preact/hooks";
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

/** A button that runs an action, shows it is busy, and shows its error. */
export function ActionButton(props: { label: string; run: () => Promise<void>; confirm?: string; variant?: "secondary" | "contrast" }) {
  const [busy, setBusy] = useState(false);
  const [armed, setArmed] = useState(false);
  const [error, setError] = useState<string | null>(null);
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
  return (
    <span class="action">
      <button type="button" class={`small ${props.variant ?? ""}`} aria-busy={busy} disabled={busy} onClick={click}>
        {armed ? props.confirm : props.label}
      </button>
      {error && (
        <small class="error-text" role="alert">
          {error}
        </small>
      )}
    </span>
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
