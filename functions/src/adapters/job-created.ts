/** onDocumentCreated("catalog_jobs/{jobId}"): validate, normalise, enqueue a wake-up. */
import type { DocumentSnapshot } from "firebase-admin/firestore";
import type { AuthType } from "firebase-functions/v2/firestore";
import type { Engine } from "../create-engine";
import type { IntakeResult } from "../jobs/intake";
import { UNKNOWN_CREATOR } from "../jobs/job-document";
import * as logs from "../jobs/logs";

export interface JobCreatedEvent {
  params: { jobId: string };
  /** The created document as the trigger delivered it; intake reads it itself when absent. */
  data?: DocumentSnapshot;
  authType?: AuthType;
  authId?: string;
}

/** Who created the job: the client's uid, or `system:<principal>` for service and system writes. */
function creatorOf(event: Pick<JobCreatedEvent, "authType" | "authId">): string {
  if (event.authType === "service_account" || event.authType === "system") return `system:${event.authId ?? event.authType}`;
  return event.authId ?? event.authType ?? UNKNOWN_CREATOR;
}

export async function handleJobCreated(engine: Engine, event: JobCreatedEvent): Promise<IntakeResult> {
  const result = await engine.intake(event.data ?? event.params.jobId, creatorOf(event));
  logs.jobIntake(event.params.jobId, result.outcome);
  return result;
}
