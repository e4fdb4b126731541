/**
 * The console shell: who is signed in, whether they are a curator, and which view the address
 * (`#/queue`, `#/job/<id>`, `#/history`, `#/days`) asks for. Engine data and actions are for
 * curators only; anyone else sees a notice and nothing is read for them.
 */
import { type Auth, onIdTokenChanged, sendEmailVerification, signOut, type User } from "firebase/auth";
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from "preact/hooks";
import { operatorActions } from "./actions";
import { ConsoleData, type Read } from "./data";
import { CURATOR_CLAIM, type CuratorRequirement, curatorLacks } from "./model";
import type { FirebaseServices } from "./firebase";
import { DAYS_HEADING, pageTitle, parseRoute, type Route, routeName } from "./routes";
import { HeadingFocus, type HeadingFocusRequest, ViewHeading } from "./ui/focus";
import { useRead } from "./ui/live";
import { ActionButton, ErrorBox, LiveView, Loading } from "./ui/parts";
import type { DaysView } from "./views/days";
import { HistoryView } from "./views/history";
import { JobView } from "./views/job";
import { QueueView } from "./views/queue";
import { authFailure, SignIn } from "./views/sign-in";
import { asError } from "./format";

type Session =
  | { state: "loading" }
  | { state: "signed-out" }
  /** `lacks`: what the account lacks to be a curator (nothing for a curator). */
  | { state: "signed-in"; user: User; lacks: CuratorRequirement[] }
  /** Signed in, but the ID token (which carries the claim) could not be read: nothing is known of the claim. `retry` reads it again. */
  | { state: "token-error"; user: User; error: Error; retry: () => void };

/** The address's route; a change of it asks the next view heading shown to take the focus. */
function useRoute(headingFocus: HeadingFocusRequest): Route {
  const [hash, setHash] = useState(window.location.hash);
  useEffect(() => {
    const update = () => {
      // Before the new view renders, so that its heading finds the request when it mounts.
      headingFocus.pending = true;
      setHash(window.location.hash);
    };
    window.addEventListener("hashchange", update);
    return () => window.removeEventListener("hashchange", update);
  }, [headingFocus]);
  return parseRoute(hash);
}

/**
 * A change of session (signing in or out, a claim arriving) shows another view, the form or button that made it gone
 * with the view before: as an address's change does, it asks the new view's heading to take the focus. Not the
 * session first known as the page loads, which leaves no view behind.
 */
function useSessionFocus(shown: Session["state"] | "curator", headingFocus: HeadingFocusRequest): void {
  const before = useRef(shown);
  // A layout effect runs before the new view's own effects, so that its heading finds the request when it mounts.
  useLayoutEffect(() => {
    if (before.current !== "loading" && before.current !== shown) headingFocus.pending = true;
    before.current = shown;
  }, [shown, headingFocus]);
}

/** What the page shows, as its title names it; null while the session is not known yet. */
function shownName(session: Session, route: Route): string | null {
  switch (session.state) {
    case "loading":
      return null;
    case "signed-out":
      return "Sign in";
    case "token-error":
      return "Sign-in token unreadable";
    case "signed-in":
      return session.lacks.length === 0 ? routeName(route) : "Curators only";
  }
}

/** The Days view comes with Chart.js, a large library only it uses, in a chunk of its own: no page waits for charts it may not show. */
const loadDaysView = async (): Promise<Read<typeof DaysView>> => ({
  value: (await import("./views/days")).DaysView,
  // Code, not data: none of it is from Firestore's cache.
  fromCache: false,
});

/** The Days view once its chunk is loaded; a fetch that failed (offline, say) says why, with Try again. */
function DaysOnDemand({ data }: { data: ConsoleData }) {
  const view = useRead(loadDaysView, []);
  if (view.state === "ready") return <view.value data={data} />;
  // Its heading while there is no view to bring it: the page keeps its h1, and focus its target.
  return (
    <section>
      <ViewHeading>{DAYS_HEADING}</ViewHeading>
      <LiveView live={view} what="the Days view">
        {() => null}
      </LiveView>
    </section>
  );
}

export function useSession(auth: Auth): Session {
  const [session, setSession] = useState<Session>({ state: "loading" });
  useEffect(() => {
    const readToken = (user: User) => {
      // A token read that settles after a sign-out or another sign-in is about a session gone by.
      const current = () => auth.currentUser?.uid === user.uid;
      user.getIdTokenResult().then(
        (token) => current() && setSession({ state: "signed-in", user, lacks: curatorLacks(token.claims) }),
        (err: unknown) => current() && setSession({ state: "token-error", user, error: asError(err), retry: () => readToken(user) }),
      );
    };
    // The claim is read from the ID token, so a claim granted later shows after the token refreshes.
    return onIdTokenChanged(auth, (user) => (user ? readToken(user) : setSession({ state: "signed-out" })));
  }, [auth]);
  return session;
}

/**
 * A curator's account has the claim and a verified email: the notice names which of them the account lacks, how the
 * claim is given (the CLI's `curators grant`, which refuses an unverified email), and offers the verification link.
 */
export function NotCurator({ user, lacks }: { user: User; lacks: CuratorRequirement[] }) {
  const [sent, setSent] = useState(false);
  // Where focus goes once the link is sent, its button gone.
  const sentNote = useRef<HTMLSpanElement>(null);
  const lacksClaim = lacks.includes("claim");
  const lacksVerified = lacks.includes("verified email");
  return (
    <article data-testid="not-curator">
      <ViewHeading>Curators only</ViewHeading>
      <p>
        You are signed in as {user.email ?? user.uid}. The queue, job details, history and actions are shown to curators only: accounts with
        the <code>{CURATOR_CLAIM}</code> claim and a verified email.
      </p>
      {lacksClaim && (
        <p data-testid="lacks-claim">
          Your account has no <code>{CURATOR_CLAIM}</code> claim. An operator gives it with the CLI
          {lacksVerified ? " once your email is verified (it refuses an unverified one)" : ""}, and it takes effect at your next sign-in:{" "}
          <code>catalog-jobs curators grant {user.email ?? "<EMAIL>"}</code>
        </p>
      )}
      {lacksVerified && (
        <p data-testid="lacks-verified-email">
          {user.email ? (
            <>
              Your email is not verified, and the claim counts only on a verified one.{" "}
              {/* The region stays in the page (as Notice's), so a screen reader hears the link sent. */}
              <span ref={sentNote} tabIndex={-1} role="status" data-testid="verification-sent">
                {sent && `The link is on its way to ${user.email}: follow it, then sign out and in again.`}
              </span>
              {!sent && (
                <ActionButton
                  label="Send a verification email"
                  subject={user.email}
                  variant="secondary"
                  run={async () => {
                    await sendEmailVerification(user);
                    setSent(true);
                  }}
                  focusAfter={sentNote}
                  failure={authFailure}
                />
              )}
            </>
          ) : (
            "Your account has no email, and the claim counts only on a verified one: sign in with an account that has one."
          )}
        </p>
      )}
    </article>
  );
}

export function App({ firebase }: { firebase: FirebaseServices }) {
  const session = useSession(firebase.auth);
  const [headingFocus] = useState<HeadingFocusRequest>(() => ({ pending: false }));
  const route = useRoute(headingFocus);
  const title = pageTitle(shownName(session, route));
  useEffect(() => {
    document.title = title;
  }, [title]);
  const data = useMemo(() => new ConsoleData(firebase.db), [firebase]);
  const actions = useMemo(() => operatorActions(firebase.functions), [firebase]);
  const curator = session.state === "signed-in" && session.lacks.length === 0;
  useSessionFocus(curator ? "curator" : session.state, headingFocus);
  // A curator's console fetches the Days view while connected, so it opens offline later too; a fetch that fails here
  // is the view's to show, as it fetches again when opened.
  useEffect(() => {
    if (curator) loadDaysView().catch(() => undefined);
  }, [curator]);
  const [signOutError, setSignOutError] = useState<Error | null>(null);
  const leave = () => {
    setSignOutError(null);
    signOut(firebase.auth).catch((err: unknown) => setSignOutError(asError(err)));
  };
  return (
    <>
      <header class="container topbar">
        <nav>
          <ul>
            <li>
              <strong>Catalog Jobs</strong>
              {firebase.emulated && <small class="badge emulated">emulators</small>}
            </li>
          </ul>
          {curator && (
            <ul class="views">
              <li>
                <a href="#/queue" aria-current={route.view === "queue" ? "page" : undefined}>
                  Queue
                </a>
              </li>
              <li>
                <a href="#/history" aria-current={route.view === "history" ? "page" : undefined}>
                  History
                </a>
              </li>
              <li>
                <a href="#/days" aria-current={route.view === "days" ? "page" : undefined}>
                  Days
                </a>
              </li>
            </ul>
          )}
          {(session.state === "signed-in" || session.state === "token-error") && (
            <ul>
              <li>
                <small data-testid="signed-in-as">
                  {session.user.email ?? session.user.uid}
                  {curator ? " · curator" : ""}
                </small>
              </li>
              <li>
                <button type="button" class="secondary small" onClick={leave}>
                  Sign out
                </button>
              </li>
            </ul>
          )}
        </nav>
      </header>
      <main class="container">
        <HeadingFocus.Provider value={headingFocus}>
          {signOutError && <ErrorBox failedTo="sign out" error={signOutError} />}
          {session.state === "loading" && <Loading what="your session" />}
          {session.state === "signed-out" && <SignIn auth={firebase.auth} emulated={firebase.emulated} />}
          {session.state === "token-error" && (
            <ErrorBox failedTo="load your sign-in token (it says whether you are a curator)" error={session.error} retry={session.retry} />
          )}
          {session.state === "signed-in" && !curator && <NotCurator user={session.user} lacks={session.lacks} />}
          {curator && route.view === "queue" && <QueueView data={data} actions={actions} />}
          {curator && route.view === "job" && <JobView key={route.jobId} jobId={route.jobId} data={data} actions={actions} />}
          {curator && route.view === "history" && <HistoryView data={data} jobId={route.jobId} />}
          {curator && route.view === "days" && <DaysOnDemand data={data} />}
        </HeadingFocus.Provider>
      </main>
    </>
  );
}
