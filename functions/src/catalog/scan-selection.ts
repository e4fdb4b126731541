/**
 * Incremental quality scanning: the exercises a QUALITY_SCAN with a `selection` works on. Due are
 * the live exercises never scanned (no `review_metadata.last_scanned_at`) and those last scanned
 * longer ago than `stale_after_days`. Firestore cannot query for a missing field, and ordering by
 * `last_scanned_at` leaves out the documents without it, so there are two sources, each read on
 * from where the previous run in the same mode stopped (a cursor kept in `catalog_scan_cursors`):
 *
 * - never scanned: a sweep over the exercises in document id order;
 * - stale: `last_scanned_at` before the cutoff, oldest first.
 *
 * A run takes at most `limit`: never-scanned exercises first (they are the oldest), but no more
 * than half of the limit while stale ones wait; what one source leaves unused, the other may take.
 * Each source reads at most a few times `limit` documents per run, so no run reads the whole
 * catalog. A source that reaches its end starts again from its beginning on the next run, so every
 * due exercise is reached within one pass, in a dry run too (which writes no `last_scanned_at`).
 * The stale source's pass also ends once its cursor reaches an exercise scanned since the pass began:
 * apply runs move what they scan to the end, so with more due than the runs take it would never
 * reach its end, and one due behind its cursor (retired when it was passed, or whose write failed)
 * would wait for good. It keeps a cursor all the same: started from the beginning each run, it would
 * read the retired exercises at the front every time (a dry run, everything due) and take the same
 * failing ones over and over.
 */
import {
  type DocumentReference,
  FieldPath,
  type Firestore,
  type Query,
  type QueryDocumentSnapshot,
  Timestamp,
} from "firebase-admin/firestore";
import type { Mode } from "../jobs/model";
import { CATALOG_COLLECTIONS } from "./collections";
import { isLiveExercise } from "./family-registry";

const SCAN_CURSORS_COLLECTION = "catalog_scan_cursors";

const LAST_SCANNED_AT = "review_metadata.last_scanned_at";
/** Reads per source and run, as a multiple of `limit` (retired exercises and, in the sweep, scanned ones are read and passed over). */
const READS_PER_LIMIT = 5;
const MIN_PAGE_SIZE = 50;
const DAY_MS = 86_400_000;

interface StalePosition {
  last_scanned_at: Timestamp;
  id: string;
  /** The `now` of the run that last started the stale source from its beginning. */
  pass_started_at: Timestamp;
}

/** Where each source goes on next time; null: from its beginning. */
export interface SelectionCursor {
  never_scanned_after: string | null;
  stale_after: StalePosition | null;
}

/**
 * The cursor document of a job type's scans in `mode`. Dry runs keep their own: they move on too (they
 * write no `last_scanned_at`), but a preview must not move apply runs past exercises it did not write.
 * Apply runs keep the bare job type, the id their cursors had before dry runs got their own.
 */
export function selectionCursorRef(db: Firestore, jobType: string, mode: Mode): DocumentReference {
  return db.collection(SCAN_CURSORS_COLLECTION).doc(mode === "apply" ? jobType : `${jobType}:${mode}`);
}

/**
 * The stored cursor of `mode`'s runs; from the beginning when there is none (or it is not one). One
 * without its `mode` was written before dry runs had their own, possibly by a dry run: an apply run
 * taking it would pass over exercises it never scanned until the sweep came round, so it starts from
 * the beginning once instead (passing over what is not due costs reads, not coverage). So does a stale
 * position without the start of its pass, stored before passes had one: it may have passed due exercises.
 */
export async function readSelectionCursor(ref: DocumentReference, mode: Mode): Promise<SelectionCursor> {
  const stored = (await ref.get()).data();
  const data = stored?.mode === mode ? stored : undefined;
  const after: unknown = data?.never_scanned_after;
  const stale = data?.stale_after as { last_scanned_at?: unknown; id?: unknown; pass_started_at?: unknown } | null | undefined;
  return {
    never_scanned_after: typeof after === "string" ? after : null,
    stale_after:
      stale?.last_scanned_at instanceof Timestamp && typeof stale.id === "string" && stale.pass_started_at instanceof Timestamp
        ? { last_scanned_at: stale.last_scanned_at, id: stale.id, pass_started_at: stale.pass_started_at }
        : null,
  };
}

export interface Selection {
  /** Never-scanned first (document id order), then stale ones (oldest first). */
  ids: string[];
  never_scanned: number;
  stale: number;
  cursor: SelectionCursor;
}

/**
 * A query read page by page from a position, keeping the documents that are due. What a page holds
 * beyond the count asked for is kept for the next `take`: read (and billed) once, used once.
 */
class CursorSource<C> {
  private reads = 0;
  private pageWasLast = false;
  private unread: QueryDocumentSnapshot[] = [];

  constructor(
    private readonly query: (after: C | null) => Query,
    private readonly positionOf: (doc: QueryDocumentSnapshot) => C,
    private readonly isDue: (doc: QueryDocumentSnapshot) => boolean,
    private position: C | null,
    private readonly readBudget: number,
    /** Whether the next run starts over from the beginning although this one did not reach the end. */
    private readonly passIsOver: (position: C) => boolean = () => false,
  ) {}

  /** Up to `count` more due documents' ids. */
  async take(count: number): Promise<string[]> {
    const found: string[] = [];
    while (found.length < count) {
      if (this.unread.length === 0) {
        if (this.pageWasLast || this.reads >= this.readBudget) break;
        const pageSize = Math.min(Math.max(count - found.length, MIN_PAGE_SIZE), this.readBudget - this.reads);
        const snap = await this.query(this.position).limit(pageSize).get();
        this.reads += snap.size;
        this.unread = [...snap.docs];
        this.pageWasLast = snap.size < pageSize;
        if (this.unread.length === 0) break;
      }
      const doc = this.unread.shift()!;
      this.position = this.positionOf(doc);
      if (this.isDue(doc)) found.push(doc.id);
    }
    return found;
  }

  /** Where the next run goes on: from the beginning once this run reached the end, or its pass is over. */
  next(): C | null {
    if (this.pageWasLast && this.unread.length === 0) return null;
    return this.position !== null && this.passIsOver(this.position) ? null : this.position;
  }
}

function isScanned(doc: QueryDocumentSnapshot): boolean {
  return doc.get(LAST_SCANNED_AT) instanceof Timestamp;
}

/** The due exercises of this run, and the cursor the next run starts from. */
export async function selectExercisesToScan(
  db: Firestore,
  options: { staleAfterDays: number; limit: number; now: Date; cursor: SelectionCursor },
): Promise<Selection> {
  const exercises = db.collection(CATALOG_COLLECTIONS.exercises).select("status", LAST_SCANNED_AT);
  const budget = options.limit * READS_PER_LIMIT;
  const cutoff = Timestamp.fromMillis(options.now.getTime() - options.staleAfterDays * DAY_MS);
  const neverScanned = new CursorSource<string>(
    (after) => {
      const query = exercises.orderBy(FieldPath.documentId());
      return after === null ? query : query.startAfter(after);
    },
    (doc) => doc.id,
    (doc) => isLiveExercise(doc.data()) && !isScanned(doc),
    options.cursor.never_scanned_after,
    budget,
  );
  const passStartedAt = options.cursor.stale_after?.pass_started_at ?? Timestamp.fromDate(options.now);
  const stale = new CursorSource<StalePosition>(
    (after) => {
      const query = exercises.where(LAST_SCANNED_AT, "<", cutoff).orderBy(LAST_SCANNED_AT).orderBy(FieldPath.documentId());
      return after === null ? query : query.startAfter(after.last_scanned_at, after.id);
    },
    (doc) => ({ last_scanned_at: doc.get(LAST_SCANNED_AT) as Timestamp, id: doc.id, pass_started_at: passStartedAt }),
    (doc) => isLiveExercise(doc.data()),
    options.cursor.stale_after,
    budget,
    // Past every exercise scanned before the pass began: what is left was scanned during it.
    (position) => position.last_scanned_at.toMillis() >= passStartedAt.toMillis(),
  );
  const firstNeverScanned = await neverScanned.take(Math.ceil(options.limit / 2));
  const staleIds = await stale.take(options.limit - firstNeverScanned.length);
  const moreNeverScanned = await neverScanned.take(options.limit - firstNeverScanned.length - staleIds.length);
  const neverScannedIds = [...firstNeverScanned, ...moreNeverScanned];
  return {
    ids: [...neverScannedIds, ...staleIds],
    never_scanned: neverScannedIds.length,
    stale: staleIds.length,
    cursor: { never_scanned_after: neverScanned.next(), stale_after: stale.next() },
  };
}
