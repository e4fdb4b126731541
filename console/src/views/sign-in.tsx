/** Email and password sign-in (Firebase Auth; the Auth emulator locally). */
import { FirebaseError } from "firebase/app";
import { type Auth, signInWithEmailAndPassword } from "firebase/auth";
import { useEffect, useRef, useState } from "preact/hooks";
import { CURATOR_CLAIM } from "../model";
import { asError } from "../format";
import { focusStayedWith } from "../ui/parts";

const WRONG_CREDENTIALS = "The email or the password is wrong: check both and try again.";

/**
 * Firebase Auth's failures in plain words, by code (its messages are the codes: "Firebase: Error
 * (auth/network-request-failed)."): those any of its calls may meet.
 */
const AUTH_FAILURES: Record<string, string> = {
  "auth/network-request-failed":
    "The console could not reach Firebase Auth (offline, or the connection dropped): check the connection and try again.",
};

/**
 * Those of signing in, with its refusals. Which of email and password is wrong is not said, as Auth with email
 * enumeration protection (invalid-credential) does not say it either.
 */
const SIGN_IN_REFUSALS: Record<string, string> = {
  ...AUTH_FAILURES,
  "auth/invalid-credential": WRONG_CREDENTIALS,
  "auth/wrong-password": WRONG_CREDENTIALS,
  "auth/user-not-found": WRONG_CREDENTIALS,
  "auth/invalid-email": "That is not an email address.",
  "auth/user-disabled": "This account is disabled: an operator can enable it again.",
  "auth/too-many-requests": "Too many failed attempts: Firebase Auth blocks sign-in to this account for a while. Try again later.",
};

/** Why a call of Firebase Auth failed (sending a verification email): in plain words when `known` has them, else as it reads. */
export function authFailure(thrown: unknown, known = AUTH_FAILURES): string {
  const error = asError(thrown);
  return (error instanceof FirebaseError && known[error.code]) || error.message;
}

/** Why a sign-in failed: a refusal in plain words, any other error as it reads. */
export function signInFailure(thrown: unknown): string {
  return authFailure(thrown, SIGN_IN_REFUSALS);
}

export function SignIn({ auth, emulated }: { auth: Auth; emulated: boolean }) {
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  // The page is the form: it starts at its first field (on a first visit, and after signing out), and starts there
  // again after a failed sign-in, whose error is announced: the button, disabled while busy, has dropped the focus.
  const emailField = useRef<HTMLInputElement>(null);
  const submitButton = useRef<HTMLButtonElement>(null);
  useEffect(() => emailField.current?.focus(), []);
  useEffect(() => {
    if (error !== null && focusStayedWith(submitButton.current)) emailField.current?.focus();
  }, [error]);
  const submit = (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    signInWithEmailAndPassword(auth, email, password).catch((err: unknown) => {
      setBusy(false);
      setError(signInFailure(err));
    });
  };
  return (
    <article class="sign-in">
      <h1>Sign in</h1>
      <p class="muted">The console shows the engine's queue, jobs and history to curators (accounts with the {CURATOR_CLAIM} claim).</p>
      <form onSubmit={submit}>
        <label>
          Email
          <input
            ref={emailField}
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
        <button ref={submitButton} type="submit" aria-busy={busy} disabled={busy}>
          Sign in
        </button>
      </form>
      {emulated && (
        <p class="muted">
          <small>
            Local Emulator Suite: <code>npm --prefix functions run console</code> prints the demo accounts.
          </small>
        </p>
      )}
    </article>
  );
}
