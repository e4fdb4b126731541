/** What a batch and a transaction have in common: the writes that end an attempt go into either. */
import type { DocumentData, DocumentReference, SetOptions, UpdateData } from "firebase-admin/firestore";

export interface Writes {
  create(ref: DocumentReference, data: DocumentData): unknown;
  set(ref: DocumentReference, data: DocumentData, options: SetOptions): unknown;
  update(ref: DocumentReference, data: UpdateData<DocumentData>): unknown;
}
