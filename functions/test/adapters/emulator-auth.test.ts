import { EMULATOR_PLACEHOLDER_AUTH_ID, withEmulatorCreator } from "../../src/adapters/emulator-auth";

const event = (authId: string | undefined, createdBy: unknown) => ({
  params: { jobId: "j1" },
  authType: "unknown" as const,
  authId,
  data: { get: (field: string) => (field === "created_by" ? createdBy : undefined) },
});

describe("the Firestore emulator's placeholder principal", () => {
  it("is replaced by the document's created_by under the Functions emulator", () => {
    expect(withEmulatorCreator(event(EMULATOR_PLACEHOLDER_AUTH_ID, "uid-1"), true)).toMatchObject({ authType: "unknown", authId: "uid-1" });
  });

  it("stays when the document names no creator", () => {
    expect(withEmulatorCreator(event(EMULATOR_PLACEHOLDER_AUTH_ID, undefined), true).authId).toBe(EMULATOR_PLACEHOLDER_AUTH_ID);
  });

  it("changes nothing outside the emulator, or for a real auth context", () => {
    expect(withEmulatorCreator(event(EMULATOR_PLACEHOLDER_AUTH_ID, "uid-1"), false).authId).toBe(EMULATOR_PLACEHOLDER_AUTH_ID);
    expect(withEmulatorCreator(event("uid-2", "uid-1"), true).authId).toBe("uid-2");
  });
});
