/**
 * Run history a page at a time, filtered like the console's history view: by job type, the
 * attempt's status, a subject of the job (the catalog's: a family its payload names), and a range of finish times; or all
 * attempts of one job. Newest first; a page ends with an opaque token that continues after its
 * last row (cursor paging: pages stay stable while new runs are recorded). The composite indexes
 * these queries need are in firestore.indexes.json.
 */
import { FieldPath, type Firestore, type Query, Timestamp } from "firebase-admin/firestore";
import { z } from "zod";
import { JOB_COLLECTIONS } from "./collections";
import type { AttemptStatus } from "./lifecycle";

interface FinishedBetween {
  /** Finished at or after. */
  from?: Date;
  /** Finished before (exclusive). */
  until?: Date;
}

/** One job's attempts, or attempts of any job narrowed by type, status and subject. */
export type RunHistoryFilter = FinishedBetween & ({ jobId: string } | { type?: string; status?: AttemptStatus; subject?: string });

export interface RunHistoryPage {
  rows: Array<Record<string, unknown> & { id: string }>;
  /** Pass it back to get the next page; null on the last page. */
  nextPageToken: string | null;
}

/** A page token that this module did not make. */
export class PageTokenError extends Error {
  constructor(token: string) {
    super(`"${token}" is not a page token of this listing`);
    this.name = "PageTokenError";
  }
}

/** Where a page ends: the last row's finish time (to the nanosecond) and id. */
const tokenSchema = z.tuple([z.number().int(), z.number().int().min(0).max(999_999_999), z.string().min(1)]);

function encodeToken(finishedAt: Timestamp, id: string): string {
  return Buffer.from(JSON.stringify([finishedAt.seconds, finishedAt.nanoseconds, id])).toString("base64url");
}

function decodeToken(token: string): { finishedAt: Timestamp; id: string } {
  try {
    const [seconds, nanoseconds, id] = tokenSchema.parse(JSON.parse(Buffer.from(token, "base64url").toString("utf8")));
    return { finishedAt: new Timestamp(seconds, nanoseconds), id };
  } catch {
    throw new PageTokenError(token);
  }
}

function filtered(db: Firestore, filter: RunHistoryFilter): Query {
  let query: Query = db.collection(JOB_COLLECTIONS.runSummaries);
  if ("jobId" in filter) query = query.where("job_id", "==", filter.jobId);
  else {
    if (filter.type) query = query.where("type", "==", filter.type);
    if (filter.status) query = query.where("attempt_status", "==", filter.status);
    if (filter.subject) query = query.where("subjects", "array-contains", filter.subject);
  }
  if (filter.from) query = query.where("finished_at", ">=", Timestamp.fromDate(filter.from));
  if (filter.until) query = query.where("finished_at", "<", Timestamp.fromDate(filter.until));
  return query.orderBy("finished_at", "desc").orderBy(FieldPath.documentId(), "desc");
}

export async function runHistoryPage(
  db: Firestore,
  filter: RunHistoryFilter,
  page: { limit: number; pageToken?: string },
): Promise<RunHistoryPage> {
  let query = filtered(db, filter);
  if (page.pageToken) {
    const after = decodeToken(page.pageToken);
    query = query.startAfter(after.finishedAt, after.id);
  }
  // One row more than asked tells whether another page follows.
  const snap = await query.limit(page.limit + 1).get();
  const docs = snap.docs.slice(0, page.limit);
  const last = docs[docs.length - 1];
  return {
    rows: docs.map((doc) => ({ ...doc.data(), id: doc.id })),
    nextPageToken: snap.size > page.limit && last ? encodeToken(last.get("finished_at") as Timestamp, last.id) : null,
  };
}
