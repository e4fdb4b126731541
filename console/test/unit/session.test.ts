/**
 * The session and the pages before the console's views (src/app.tsx, src/views/sign-in.tsx): a sign-in token read
 * again on Try again, where focus goes once a verification email is sent and after a failed sign-in. The components run
 * in one that renders nothing, so no DOM is needed: the test reads the elements they return, and stands in for the
 * page's focus.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Auth, IdTokenResult, User } from "firebase/auth";
import { type ComponentChildren, h, render, type RefObject } from "preact";
import { act } from "preact/test-utils";
import { NotCurator, useSession } from "../../src/app";
import { ActionButton } from "../../src/ui/parts";
import { SignIn } from "../../src/views/sign-in";
import { find } from "./vnodes";

/** Renders what `draw` returns, hooks and all; the test reads what it returned last. */
async function shown(draw: () => ComponentChildren) {
  let drawn: ComponentChildren = null;
  const View = () => {
    drawn = draw();
    return null;
  };
  await act(() => render(h(View, null), {} as globalThis.Element));
  return () => drawn;
}

/** Lets the promises started settle. */
const settle = () => act(() => new Promise<void>((resolve) => setImmediate(resolve)));

describe("the session", () => {
  it("whose sign-in token could not be read reads it again on Try again", async () => {
    let tokenReads = 0;
    const user = {
      uid: "u1",
      getIdTokenResult: () =>
        ++tokenReads === 1
          ? Promise.reject(new Error("network error"))
          : Promise.resolve({ claims: { catalog_admin: true, email_verified: true } } as unknown as IdTokenResult),
    } as unknown as User;
    let tokenChanged = (_: User | null) => {};
    const auth = {
      currentUser: user,
      onIdTokenChanged: (next: (user: User | null) => void) => ((tokenChanged = next), () => {}),
    } as unknown as Auth;
    const sessions: ReturnType<typeof useSession>[] = [];
    await shown(() => (sessions.push(useSession(auth)), null));
    const session = () => sessions[sessions.length - 1];
    await act(() => tokenChanged(user));
    await settle();
    const unread = session();
    assert.equal(unread.state, "token-error");
    assert.ok(unread.state === "token-error");
    unread.retry();
    await settle();
    assert.deepEqual(session(), { state: "signed-in", user, lacks: [] });
  });
});

describe("the verification email", () => {
  it("once sent, moves focus to the words saying so, in a region a screen reader hears", async () => {
    const user = { uid: "u1", email: "unverified@example.com" } as User;
    const drawn = await shown(() => NotCurator({ user, lacks: ["verified email"] }));
    const [send] = find(drawn(), (element) => element.type === ActionButton);
    const [sent] = find(drawn(), (element) => element.props["data-testid"] === "verification-sent");
    assert.ok(send && sent, "a Send button, and the region that says the link is sent");
    assert.equal(send.props.focusAfter, sent.ref);
    assert.equal(sent.props.role, "status");
    assert.equal(sent.props.tabIndex, -1);
  });
});

describe("a failed sign-in", () => {
  it("starts the form again at its Email field, the button that had the focus having dropped it", async () => {
    // The page's focus, fallen to its body as the button was disabled while the sign-in ran.
    const body = {};
    Object.assign(globalThis, { document: { body, activeElement: body } });
    // An Auth that cannot sign anyone in: its sign-in fails.
    const drawn = await shown(() => SignIn({ auth: {} as Auth, emulated: false }));
    const focused: string[] = [];
    const [email] = find(drawn(), (element) => element.props.name === "email");
    (email.ref as RefObject<{ focus: () => void }>).current = { focus: () => focused.push("email") };
    const [form] = find(drawn(), (element) => element.type === "form");
    await act(() => (form.props.onSubmit as (e: { preventDefault: () => void }) => void)({ preventDefault: () => {} }));
    await settle();
    assert.equal(find(drawn(), (element) => element.props.role === "alert").length, 1);
    assert.deepEqual(focused, ["email"]);
  });
});
