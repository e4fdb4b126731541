/** The curators' directory over Firebase Auth (in memory here; `scripts/client-flow.ts` runs it on the Auth emulator). */
import { authCuratorDirectory } from "../../src/adapters/curators";
import { MemoryAuth } from "../fakes/auth";

let now: number;
let accounts: MemoryAuth;
const directory = () => authCuratorDirectory(accounts.auth);
const account = async () => accounts.auth.getUser("u-ana");

beforeEach(() => {
  now = Date.parse("2026-03-01T10:00:00Z");
  accounts = new MemoryAuth(() => now);
  accounts.add("u-ana", "ana@example.com", { catalog_admin: true, team: "catalog" });
});

describe("revoking the curator claim", () => {
  it("takes the claim, keeps the others and revokes the account's sign-ins, so the token it holds acts no more", async () => {
    expect(await directory().setCurator("ana@example.com", false)).toMatchObject({ uid: "u-ana", changed: true });
    expect(await account()).toMatchObject({ customClaims: { team: "catalog" }, tokensValidAfterTime: new Date(now).toUTCString() });
  });

  it("revokes the sign-ins of an account that no longer has the claim too: a revoke cut short is finished by running it again", async () => {
    await accounts.auth.setCustomUserClaims("u-ana", { team: "catalog" });
    expect(await directory().setCurator("ana@example.com", false)).toMatchObject({ changed: false });
    expect((await account()).tokensValidAfterTime).toBe(new Date(now).toUTCString());
  });

  it("a grant leaves the account's sign-ins alone", async () => {
    await accounts.auth.setCustomUserClaims("u-ana", { team: "catalog" });
    expect(await directory().setCurator("ana@example.com", true)).toMatchObject({ changed: true });
    const granted = await account();
    expect(granted.customClaims).toEqual({ team: "catalog", catalog_admin: true });
    expect(granted.tokensValidAfterTime).toBeUndefined();
  });
});
