/**
 * Is a document valid after a change? Checks the written document against its collection's schema
 * and the size limit, and separates what the change introduced from what was already wrong: a plan
 * must not write a broken value, but it may touch a legacy document that is broken elsewhere
 * (a quality scan writing review_metadata to an exercise whose description is still too short).
 */
import type { z } from "zod";
import { aliasDocSchema, exerciseDocSchema, familyRegistrySchema } from "../catalog/schemas";
import { CATALOG_COLLECTIONS, type CatalogCollection } from "../catalog/collections";
import { sameValue } from "../util/document-diff";
import { documentBytes } from "../util/firestore-size";
import type { DocumentChange } from "./effects";
import { getPath, type DocData } from "../util/object-paths";

/** Well under Firestore's 1 MiB, so a journal entry with a document's before and after still fits. */
const MAX_DOCUMENT_BYTES = 150_000;
/**
 * A legacy document already above MAX_DOCUMENT_BYTES stays writable and may even grow (a quality
 * scan's review_metadata), up to this: its before and after, each at most this, and the operation
 * (at most 64 KB) still fit in one journal entry under Firestore's 1 MiB.
 */
const MAX_LEGACY_DOCUMENT_BYTES = 400_000;

const SCHEMAS: Record<CatalogCollection, z.ZodType> = {
  [CATALOG_COLLECTIONS.exercises]: exerciseDocSchema,
  [CATALOG_COLLECTIONS.aliases]: aliasDocSchema,
  [CATALOG_COLLECTIONS.families]: familyRegistrySchema,
};

export interface DocumentIssue {
  code: "SCHEMA_INVALID" | "DOCUMENT_TOO_LARGE";
  /** Dotted field path inside the document ("" for the whole document). */
  path: string;
  message: string;
}

/**
 * Each schema issue with the field that holds the offending value: its path up to the first array
 * index, as arrays are written whole ("muscles.primary" for "muscles.primary.0").
 */
function schemaIssues(collection: CatalogCollection, doc: Readonly<DocData>): { issue: DocumentIssue; field: string }[] {
  const parsed = SCHEMAS[collection].safeParse(doc);
  if (parsed.success) return [];
  return parsed.error.issues.map(({ path, message }) => {
    const arrayIndexAt = path.findIndex((segment) => typeof segment === "number");
    return {
      issue: { code: "SCHEMA_INVALID", path: path.map(String).join("."), message },
      field: (arrayIndexAt < 0 ? path : path.slice(0, arrayIndexAt)).map(String).join("."),
    };
  });
}

/**
 * The issues of the document after `change`, split into those the change introduced and those it
 * left as they were: a schema issue that was there before with the field holding it untouched (a
 * new value in an array that already had a bad one is introduced), or a document that was already
 * too large (whatever its size now, up to MAX_LEGACY_DOCUMENT_BYTES).
 */
export function changeIssues(change: DocumentChange): { introduced: DocumentIssue[]; preexisting: DocumentIssue[] } {
  if (change.after === null) return { introduced: [], preexisting: [] };
  const after = change.after;
  const before = change.before;
  const earlier = new Set(before ? schemaIssues(change.collection, before).map(({ issue }) => issueKey(issue)) : []);
  const introduced: DocumentIssue[] = [];
  const preexisting: DocumentIssue[] = [];
  for (const { issue, field } of schemaIssues(change.collection, after)) {
    const untouched = before !== null && earlier.has(issueKey(issue)) && sameValue(getPath(before, field), getPath(after, field));
    (untouched ? preexisting : introduced).push(issue);
  }
  const size = sizeIssue(before, after);
  if (size) (size.preexisting ? preexisting : introduced).push(size.issue);
  return { introduced, preexisting };
}

/** A document above MAX_DOCUMENT_BYTES; preexisting when it already was, up to MAX_LEGACY_DOCUMENT_BYTES. */
function sizeIssue(before: Readonly<DocData> | null, after: Readonly<DocData>): { issue: DocumentIssue; preexisting: boolean } | null {
  const bytes = documentBytes(after);
  if (bytes <= MAX_DOCUMENT_BYTES) return null;
  const legacy = before !== null && documentBytes(before) > MAX_DOCUMENT_BYTES;
  return {
    issue: {
      code: "DOCUMENT_TOO_LARGE",
      path: "",
      message: `${bytes} bytes as Firestore counts them; the limit is ${MAX_DOCUMENT_BYTES} (${MAX_LEGACY_DOCUMENT_BYTES} for a document already above it)`,
    },
    preexisting: legacy && bytes <= MAX_LEGACY_DOCUMENT_BYTES,
  };
}

function issueKey(issue: DocumentIssue): string {
  return `${issue.code}|${issue.path}|${issue.message}`;
}
