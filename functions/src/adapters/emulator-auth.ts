/**
 * The Firestore emulator does not know who wrote a document: its triggers report the placeholder
 * principal below instead of the client's uid, so intake would record a creator who is nobody and
 * the real creator could no longer read the job. Under the Functions emulator only, the creator is
 * then the document's `created_by`, which the rules checked against the writer's uid. Deployed
 * triggers carry the real auth context and are passed through unchanged.
 */
import type { JobCreatedEvent } from "../functions/job-created";

export const EMULATOR_PLACEHOLDER_AUTH_ID = "fake-auth-id@gmail.com";

export function withEmulatorCreator<E extends JobCreatedEvent>(
  event: E & { data?: { get(field: string): unknown } },
  inFunctionsEmulator = process.env.FUNCTIONS_EMULATOR === "true",
): E {
  const createdBy = event.data?.get("created_by");
  if (!inFunctionsEmulator || event.authId !== EMULATOR_PLACEHOLDER_AUTH_ID || typeof createdBy !== "string") return event;
  return { ...event, authType: "unknown", authId: createdBy };
}
