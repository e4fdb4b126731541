/**
 * Who is a curator: the custom claim the console's callables (`operator-actions.ts`) and the
 * Firestore rules check, and the directory that grants and revokes it (`catalog-jobs curators`).
 */
import type { Auth, UserRecord } from "firebase-admin/auth";

/** The custom claim curators carry; `firestore.rules` checks the same name. */
export const CURATOR_CLAIM = "catalog_admin";

export interface CuratorAccount {
  uid: string;
  email: string | null;
  /** The rules and the callables ignore the claim of an account whose email is not verified: it cannot act until it is. */
  email_verified: boolean;
}

export interface CuratorDirectory {
  /**
   * Grants (`curator: true`) or revokes the claim of the account with `email`; whether that changed it.
   * A grant to an account whose email is not verified is refused (`CuratorEmailNotVerifiedError`).
   */
  setCurator(email: string, curator: boolean): Promise<CuratorAccount & { changed: boolean }>;
  /** Every account that carries the claim. */
  listCurators(): Promise<CuratorAccount[]>;
}

export class CuratorAccountNotFoundError extends Error {
  constructor(readonly email: string) {
    super(`no account with the email ${email}`);
    this.name = "CuratorAccountNotFoundError";
  }
}

/**
 * The account's email is not verified: with Email/Password sign-up open, anyone may have registered
 * the address first, so the claim would go to whoever did. The rules and the callables refuse such
 * an account's claim all the same (`email_verified` in its token).
 */
class CuratorEmailNotVerifiedError extends Error {
  constructor(readonly email: string) {
    super(
      `the account with the email ${email} has not verified it: the curator claim is granted only to a verified email ` +
        '(the person signs in to the console with it and presses "Send a verification email", then follows the link), then grant again',
    );
    this.name = "CuratorEmailNotVerifiedError";
  }
}

/** The claim alone, what the directory grants and lists; a curator who may act needs a verified email too (`operator-actions.ts`). */
const carriesCuratorClaim = (user: UserRecord) => user.customClaims?.[CURATOR_CLAIM] === true;
const accountOf = (user: UserRecord): CuratorAccount => ({ uid: user.uid, email: user.email ?? null, email_verified: user.emailVerified });

/** The directory over Firebase Auth (the Admin SDK; the Auth emulator when FIREBASE_AUTH_EMULATOR_HOST is set). */
export function authCuratorDirectory(auth: Auth): CuratorDirectory {
  return {
    async setCurator(email, curator) {
      const user = await auth.getUserByEmail(email).catch((err: unknown) => {
        if ((err as { code?: unknown }).code === "auth/user-not-found") throw new CuratorAccountNotFoundError(email);
        throw err;
      });
      if (curator && !user.emailVerified) throw new CuratorEmailNotVerifiedError(email);
      const changed = carriesCuratorClaim(user) !== curator;
      if (changed) {
        // The account's other claims stay as they are.
        const { [CURATOR_CLAIM]: _previous, ...others } = user.customClaims ?? {};
        await auth.setCustomUserClaims(user.uid, curator ? { ...others, [CURATOR_CLAIM]: true } : others);
      }
      return { ...accountOf(user), changed };
    },
    async listCurators() {
      const curators: CuratorAccount[] = [];
      let pageToken: string | undefined;
      do {
        const page = await auth.listUsers(1000, pageToken);
        curators.push(...page.users.filter(carriesCuratorClaim).map(accountOf));
        pageToken = page.pageToken;
      } while (pageToken);
      return curators;
    },
  };
}
