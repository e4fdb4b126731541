/**
 * One rule for a document id, Firestore's: every schema that takes one (a payload's, a change plan's, a catalog
 * document's reference, the curators' tools') refuses what Firestore would refuse, so a bad id fails where it is
 * given instead of as FIRESTORE_INVALID_ARGUMENT later. Stricter limits are theirs: a payload's 500 characters,
 * a catalog reference's leading space.
 */
import { changePlanSchema } from "../../src/apply/plan";
import { catalogReferenceSchema, docIdSchema } from "../../src/catalog/inputs";
import { aliasDocSchema, exercisePathSchema } from "../../src/catalog/schemas";
import { documentId } from "../../src/util/document-id";

/** Each schema's verdict on `id`, by where it is used. */
function accepted(id: string) {
  const plan = (operation: Record<string, unknown>) =>
    changePlanSchema.safeParse({ job_id: "j", job_type: "TARGETED_FIX", operations: [{ rationale: "r", ...operation }] }).success;
  return {
    payload: docIdSchema.safeParse(id).success,
    reference: catalogReferenceSchema.safeParse(id).success,
    plan: plan({ op: "patch_fields", exercise_id: id }) && plan({ op: "deprecate_exercise", exercise_id: "e1", merged_into: id }),
    merged_into: exercisePathSchema("merged_into")!.safeParse(id).success,
    alias_target: aliasDocSchema.safeParse({ alias_slug: "bench", exercise_id: id }).success,
    operator: documentId.safeParse(id).success,
  };
}

const everywhere = (verdict: boolean) => ({
  payload: verdict,
  reference: verdict,
  plan: verdict,
  merged_into: verdict,
  alias_target: verdict,
  operator: verdict,
});

describe("a document id", () => {
  it.each([
    ["a path", "a/b"],
    ["empty", ""],
    ["'.'", "."],
    ["'..'", ".."],
    ["reserved by Firestore", "__x__"],
    ["reserved by Firestore, its own name", "__name__"],
    ["over 1,500 bytes", "\u20AC".repeat(501)],
  ])("%s is refused everywhere", (_what, id) => {
    expect(accepted(id)).toEqual(everywhere(false));
  });

  it.each(["squat__squat-barbell", "e1", "._.", "__x", "x__", "a.b", "\u00E9t\u00E9"])("%j is taken everywhere", (id) => {
    expect(accepted(id)).toEqual(everywhere(true));
  });

  it("with a leading space is no catalog reference (a catalog document's, or one a payload gives to store); it names a document", () => {
    expect(accepted(" e1")).toEqual({ ...everywhere(true), reference: false, merged_into: false, alias_target: false });
  });

  it("of more than 500 characters is too long for a payload only", () => {
    expect(accepted("e".repeat(501))).toEqual({ ...everywhere(true), payload: false, reference: false });
  });
});
