/**
 * The Firestore emulator does not know who wrote a document: its triggers report the placeholder
 * principal below instead of the client's uid, so intake would record a creator who is nobody and
 * the real creator could no longer read the job. Under the Functions emulator only, the creator is
 * then the document's `created_by`, which the rules checked against the writer's uid. Deployed
 * triggers carry the real auth context and are passed through unchanged.
 */
import type { DocumentSnapshot } from "firebase-admin/firestore";
import type { JobCreatedEvent } from "./job-created";

/** What the substitution reads of a trigger event: its principal and the created document. */
type CreatedEvent = Pick<JobCreatedEvent, "authType" | "authId"> & { data?: Pick<DocumentSnapshot, "get"> };

export const EMULATOR_PLACEHOLDER_AUTH_ID = "fake-auth-id@gmail.com";

/** `inFunctionsEmulator`: whether the trigger runs there, as `functions-engine.ts` decides it. */
export function withEmulatorCreator<E extends CreatedEvent>(event: E, inFunctionsEmulator: boolean): E {
  const createdBy: unknown = event.data?.get("created_by");
  if (!inFunctionsEmulator || event.authId !== EMULATOR_PLACEHOLDER_AUTH_ID || typeof createdBy !== "string") return event;
  return { ...event, authType: "unknown", authId: createdBy };
}
