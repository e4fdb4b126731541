/** Email and password sign-in (Firebase Auth; the Auth emulator locally). */
import { type Auth, signInWithEmailAndPassword } from "firebase/auth";
import { useState } from "preact/hooks";
import { CURATOR_CLAIM } from "../model";
import { asError } from "../format";

export function SignIn({ auth, emulated }: { auth: Auth; emulated: boolean }) {
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const submit = (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    signInWithEmailAndPassword(auth, email, password).catch((err: unknown) => {
      setBusy(false);
      setError(asError(err).message);
    });
  };
  return (
    <article class="sign-in">
      <h2>Sign in</h2>
      <p class="muted">The console shows the engine's queue, jobs and history to curators (accounts with the {CURATOR_CLAIM} claim).</p>
      <form onSubmit={submit}>
        <label>
          Email
          <input
            type="email"
            name="email"
            autocomplete="username"
            required
            value={email}
            onInput={(e) => setEmail(e.currentTarget.value)}
          />
        </label>
        <label>
          Password
          <input
            type="password"
            name="password"
            autocomplete="current-password"
            required
            value={password}
            onInput={(e) => setPassword(e.currentTarget.value)}
          />
        </label>
        {error && (
          <p class="error-text" role="alert">
            {error}
          </p>
        )}
        <button type="submit" aria-busy={busy} disabled={busy}>
          Sign in
        </button>
      </form>
      {emulated && (
        <p class="muted">
          <small>Local Emulator Suite: `npm --prefix functions run console` prints the demo accounts.</small>
        </p>
      )}
    </article>
  );
}
