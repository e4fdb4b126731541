/**
 * Is a document valid after a change? Checks the written document against its collection's schema
 * and the size limit, and separates what the change introduced from what was already wrong: a plan
 * must not write a broken value, but it may touch a legacy document that is broken elsewhere
 * (a quality scan writing review_metadata to an exercise whose description is still too short).
 */
import type { z } from "zod";
import { aliasDocSchema, exerciseDocSchema, familyRegistrySchema } from "../catalog/schemas";
import { CATALOG_COLLECTIONS, type CatalogCollection } from "../catalog/collections";
import { approximateBytes, sameValue } from "../util/document-diff";
import type { DocumentChange } from "./effects";
import { getPath, type DocData } from "../util/object-paths";

/** Well under Firestore's 1 MiB, so a journal entry with a document's before and after still fits. */
const MAX_DOCUMENT_BYTES = 150_000;

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

function documentIssues(collection: CatalogCollection, doc: Readonly<DocData>): DocumentIssue[] {
  const issues: DocumentIssue[] = [];
  const parsed = SCHEMAS[collection].safeParse(doc);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      issues.push({ code: "SCHEMA_INVALID", path: issue.path.map(String).join("."), message: issue.message });
    }
  }
  const bytes = approximateBytes(doc);
  if (bytes > MAX_DOCUMENT_BYTES) {
    issues.push({ code: "DOCUMENT_TOO_LARGE", path: "", message: `about ${bytes} bytes; the limit is ${MAX_DOCUMENT_BYTES}` });
  }
  return issues;
}

/**
 * The issues of the document after `change`, split into those the change introduced and those it
 * left as they were (same issue before, and the value at its path untouched).
 */
export function changeIssues(change: DocumentChange): { introduced: DocumentIssue[]; preexisting: DocumentIssue[] } {
  if (change.after === null) return { introduced: [], preexisting: [] };
  const after = change.after;
  const before = change.before;
  const earlier = new Set(before ? documentIssues(change.collection, before).map(issueKey) : []);
  const introduced: DocumentIssue[] = [];
  const preexisting: DocumentIssue[] = [];
  for (const issue of documentIssues(change.collection, after)) {
    const untouched = before !== null && earlier.has(issueKey(issue)) && sameValue(getPath(before, issue.path), getPath(after, issue.path));
    (untouched ? preexisting : introduced).push(issue);
  }
  return { introduced, preexisting };
}

function issueKey(issue: DocumentIssue): string {
  return `${issue.code}|${issue.path}|${issue.message}`;
}
