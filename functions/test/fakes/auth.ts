/**
 * Firebase Auth in memory, the part the curators' directory (`authCuratorDirectory`) and the operator actions
 * (`requireCurator`) call, keeping time as Auth does: whole seconds, an account's tokensValidAfterTime (set as
 * Auth sets it when the account is created, moved on by a revocation) as a UTC date string beside a token's
 * `auth_time` in seconds. `signIn` hands out the request a callable would get for an ID token of that moment:
 * the account's claims as they were then.
 */
import type { Auth, UserRecord } from "firebase-admin/auth";
import type { ActionRequest } from "../../src/adapters/operator-actions";

interface Account {
  uid: string;
  email: string;
  emailVerified: boolean;
  disabled: boolean;
  customClaims?: Record<string, unknown>;
  tokensValidAfterTime: string;
}

export class MemoryAuth {
  private readonly accounts = new Map<string, Account>();

  /** `now` in milliseconds, as Date.now. */
  constructor(private readonly now: () => number = Date.now) {}

  /** An account with a verified email, created now: tokens issued before now are not valid for it. */
  add(uid: string, email: string, customClaims?: Record<string, unknown>): void {
    this.accounts.set(uid, { uid, email, emailVerified: true, disabled: false, customClaims, tokensValidAfterTime: this.utcNow() });
  }

  disable(uid: string): void {
    this.account(uid).disabled = true;
  }

  delete(uid: string): void {
    this.accounts.delete(uid);
  }

  /** The request of a callable whose caller signed in now. */
  signIn(uid: string, data: unknown): ActionRequest {
    const account = this.account(uid);
    const token = { ...account.customClaims, email: account.email, email_verified: account.emailVerified, auth_time: this.seconds() };
    return { data, auth: { uid, token: token as never, rawToken: "" } };
  }

  /** The Admin SDK's view of it. */
  get auth(): Auth {
    return {
      getUser: (uid: string) => Promise.resolve().then(() => ({ ...this.account(uid) }) as unknown as UserRecord),
      getUserByEmail: (email: string) =>
        Promise.resolve().then(() => {
          const found = [...this.accounts.values()].find((account) => account.email === email);
          if (!found) throw Object.assign(new Error("no user"), { code: "auth/user-not-found" });
          return { ...found } as unknown as UserRecord;
        }),
      setCustomUserClaims: (uid: string, claims: Record<string, unknown> | null) =>
        Promise.resolve().then(() => void (this.account(uid).customClaims = claims ?? undefined)),
      revokeRefreshTokens: (uid: string) => Promise.resolve().then(() => void (this.account(uid).tokensValidAfterTime = this.utcNow())),
    } as Partial<Auth> as Auth;
  }

  private seconds(): number {
    return Math.floor(this.now() / 1000);
  }

  /** Now as a UserRecord's times are: the whole second, as a UTC date string. */
  private utcNow(): string {
    return new Date(this.seconds() * 1000).toUTCString();
  }

  private account(uid: string): Account {
    const account = this.accounts.get(uid);
    if (!account) throw Object.assign(new Error(`no user ${uid}`), { code: "auth/user-not-found" });
    return account;
  }
}
