/**
 * What one operation does to the catalog, as pure data: given the documents it reads, the documents
 * it writes (before → after). The validator simulates a plan with it, the preview shows it, and the
 * ApplyEngine computes exactly the same thing inside each operation's transaction.
 */
import { Timestamp } from "firebase-admin/firestore";
import { toNameSlug } from "../catalog/taxonomy";
import { CATALOG_COLLECTIONS, type CatalogCollection, documentPath } from "../catalog/collections";
import { changedPaths, sameValue } from "../util/document-diff";
import { type Operation, operationExerciseIds } from "./plan";
import { deletePath, getPath, setPath, type DocData } from "../util/object-paths";
import { computeFamilyRegistry } from "../catalog/family-registry";
import { SELF_MERGE } from "./operation-rules";

/** The catalog documents an operation may read, answered from a transaction or a simulation. */
export interface CatalogReader {
  exercise(id: string): DocData | null;
  alias(slug: string): DocData | null;
  family(slug: string): DocData | null;
  /** Every exercise (any status) whose family_slug is `slug`. */
  familyMembers(slug: string): DocData[];
}

export interface DocumentChange {
  collection: CatalogCollection;
  id: string;
  /** null: the document does not exist yet. */
  before: DocData | null;
  /** null: the document is deleted. */
  after: DocData | null;
}

export type ConflictCode =
  "EXERCISE_EXISTS" | "EXERCISE_NOT_FOUND" | "STALE_PLAN" | "MERGE_CONFLICT" | "INVALID_PATH" | "SCHEMA_INVALID" | "DOCUMENT_TOO_LARGE";

/** The operation cannot apply to the catalog as it is (a target missing or changed since the plan was built). */
export class OperationConflict extends Error {
  constructor(
    readonly code: ConflictCode,
    message: string,
    /** The operation field concerned. */
    readonly path: string,
  ) {
    super(message);
    this.name = "OperationConflict";
  }
}

/** What an operation reads: documents by id, and for `families` the registry entry plus every member. */
export interface ReadSet {
  exercises: string[];
  aliases: string[];
  families: string[];
}

export function operationReadSet(op: Operation): ReadSet {
  return {
    exercises: operationExerciseIds(op),
    aliases: op.op === "upsert_alias" || op.op === "delete_alias" ? [op.alias_slug] : [],
    families: op.op === "update_family_registry" ? [op.family_slug] : [],
  };
}

/** `exercises/bench_press__bench-press-barbell`, … — the documents an operation addresses. */
export function operationTargets(op: Operation): string[] {
  const reads = operationReadSet(op);
  return [
    ...reads.exercises.map((id) => documentPath(CATALOG_COLLECTIONS.exercises, id)),
    ...reads.aliases.map((slug) => documentPath(CATALOG_COLLECTIONS.aliases, slug)),
    ...reads.families.map((slug) => documentPath(CATALOG_COLLECTIONS.families, slug)),
  ];
}

/**
 * The documents `op` changes, each with its state before and after. Writes that would change
 * nothing but `updated_at` are left out, so an operation already in effect yields no change.
 */
export function operationEffects(op: Operation, catalog: CatalogReader, now: Date): DocumentChange[] {
  return rawEffects(op, catalog, Timestamp.fromDate(now)).filter(
    (change) =>
      (change.before === null) !== (change.after === null) || changedPaths(change.before, change.after, ["updated_at"]).length > 0,
  );
}

function rawEffects(op: Operation, catalog: CatalogReader, stamp: Timestamp): DocumentChange[] {
  switch (op.op) {
    case "create_exercise": {
      if (catalog.exercise(op.exercise_id)) {
        throw new OperationConflict("EXERCISE_EXISTS", `exercise ${op.exercise_id} already exists`, "exercise_id");
      }
      return [exerciseChange(op.exercise_id, null, { ...op.data, updated_at: stamp })];
    }
    case "patch_fields": {
      const before = existingExercise(catalog, op.exercise_id);
      // The values the handler saw: if the exercise changed since, the patch was built on stale data.
      for (const [path, seen] of Object.entries(op.before ?? {})) {
        if (!sameValue(getPath(before, path), seen)) {
          throw new OperationConflict(
            "STALE_PLAN",
            `exercise ${op.exercise_id} changed at "${path}" since the plan was built`,
            `before.${path}`,
          );
        }
      }
      return [exerciseChange(op.exercise_id, before, { ...patched(before, op.set, op.unset, "set"), updated_at: stamp })];
    }
    case "rename_exercise": {
      const before = existingExercise(catalog, op.exercise_id);
      if (before.name !== op.old_name) {
        throw new OperationConflict(
          "STALE_PLAN",
          `exercise ${op.exercise_id} is named "${String(before.name)}", not "${op.old_name}"`,
          "old_name",
        );
      }
      return [
        exerciseChange(op.exercise_id, before, { ...before, name: op.new_name, name_slug: toNameSlug(op.new_name), updated_at: stamp }),
      ];
    }
    case "deprecate_exercise": {
      const before = existingExercise(catalog, op.exercise_id);
      const retired =
        op.status === "merged" ? { status: "merged", merged_into: op.merged_into } : { status: "deprecated", deprecated_at: stamp };
      // Re-deprecating keeps the original deprecated_at.
      if (before.status === op.status && (op.status === "deprecated" || before.merged_into === op.merged_into)) return [];
      return [exerciseChange(op.exercise_id, before, { ...before, ...retired, updated_at: stamp })];
    }
    case "reassign_family": {
      const before = existingExercise(catalog, op.exercise_id);
      if (before.family_slug !== op.from_family) {
        throw new OperationConflict(
          "STALE_PLAN",
          `exercise ${op.exercise_id} is in family "${String(before.family_slug)}", not "${op.from_family}"`,
          "from_family",
        );
      }
      const rename = op.new_name ? { name: op.new_name, name_slug: toNameSlug(op.new_name) } : {};
      return [exerciseChange(op.exercise_id, before, { ...before, family_slug: op.to_family, ...rename, updated_at: stamp })];
    }
    case "upsert_alias": {
      const after: DocData = {
        alias_slug: op.alias_slug,
        ...(op.exercise_id ? { exercise_id: op.exercise_id } : {}),
        ...(op.family_slug ? { family_slug: op.family_slug } : {}),
        // Derived from the target, so a family alias is always flagged as one.
        is_family_alias: Boolean(op.family_slug),
        updated_at: stamp,
      };
      return [{ collection: CATALOG_COLLECTIONS.aliases, id: op.alias_slug, before: catalog.alias(op.alias_slug), after }];
    }
    case "delete_alias":
      return [{ collection: CATALOG_COLLECTIONS.aliases, id: op.alias_slug, before: catalog.alias(op.alias_slug), after: null }];
    case "update_family_registry": {
      const before = catalog.family(op.family_slug);
      const registry = computeFamilyRegistry(op.family_slug, catalog.familyMembers(op.family_slug), {
        status: op.status,
        merged_into: op.merged_into,
        previous: before,
      });
      return [{ collection: CATALOG_COLLECTIONS.families, id: op.family_slug, before, after: { ...registry, updated_at: stamp } }];
    }
    case "merge_exercises": {
      if (op.source_id === op.target_id) throw new OperationConflict("MERGE_CONFLICT", SELF_MERGE, "target_id");
      const source = existingExercise(catalog, op.source_id, "source_id");
      const target = existingExercise(catalog, op.target_id, "target_id");
      return [
        exerciseChange(op.source_id, source, { ...source, status: "merged", merged_into: op.target_id, updated_at: stamp }),
        exerciseChange(op.target_id, target, { ...patched(target, op.target_patch, [], "target_patch"), updated_at: stamp }),
      ];
    }
    case "no_change":
      return [];
  }
}

function exerciseChange(id: string, before: DocData | null, after: DocData): DocumentChange {
  return { collection: CATALOG_COLLECTIONS.exercises, id, before, after };
}

function existingExercise(catalog: CatalogReader, id: string, path = "exercise_id"): DocData {
  const exercise = catalog.exercise(id);
  if (!exercise) throw new OperationConflict("EXERCISE_NOT_FOUND", `exercise ${id} does not exist`, path);
  return exercise;
}

function patched(doc: DocData, set: Readonly<DocData>, unset: readonly string[], setField: string): DocData {
  const guarded = (path: string, write: () => DocData): DocData => {
    try {
      return write();
    } catch (err) {
      throw new OperationConflict("INVALID_PATH", (err as Error).message, path);
    }
  };
  let result = doc;
  for (const [path, value] of Object.entries(set)) result = guarded(`${setField}.${path}`, () => setPath(result, path, value));
  for (const path of unset) result = guarded(`unset.${path}`, () => deletePath(result, path));
  return result;
}
