/**
 * What Firestore takes as a document id, the one rule every schema that names a document builds on (a job's
 * payload, a change plan, a catalog document's references, the curators' tools), so an id Firestore would refuse
 * as an invalid argument, an error of the engine's, fails where it is given instead. A schema needing less adds
 * its own limit to this one (a payload's 500 characters).
 */
import { z } from "zod";

/** Firestore's longest document id, in UTF-8 bytes. */
export const MAX_DOCUMENT_ID_BYTES = 1500;

/**
 * One document's id, never a path (`<job>/attempts/1` would reach another document), nor one Firestore
 * reserves: "." and "..", and those between double underscores (`__name__`).
 */
export const documentId = z
  .string()
  .min(1, "a document id is not empty")
  .refine(
    (id) => Buffer.byteLength(id, "utf8") <= MAX_DOCUMENT_ID_BYTES,
    `a document id is at most ${MAX_DOCUMENT_ID_BYTES} bytes in UTF-8`,
  )
  .regex(/^[^/]*$/, "a document id has no '/'")
  .refine((id) => id !== "." && id !== "..", "a document id is not '.' or '..'")
  .refine((id) => !/^__.*__$/.test(id), "Firestore reserves the ids that start and end with '__'");
