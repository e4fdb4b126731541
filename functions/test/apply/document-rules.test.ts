import { changeIssues } from "../../src/apply/document-rules";
import type { DocumentChange } from "../../src/apply/effects";
import { CATALOG_COLLECTIONS } from "../../src/catalog/collections";
import { type DocData } from "../../src/util/object-paths";
import { exerciseFixture } from "../helpers/catalog";

// Pure: the rules judge a change's before and after.
const { id, ...squat } = exerciseFixture("Squat (Barbell)", ["barbell"]);
/** The exercise with a legacy field of about `bytes` characters, which puts it near that size. */
const sized = (bytes: number): DocData => ({ ...squat, legacy_notes: "x".repeat(bytes) });
const change = (before: DocData | null, after: DocData): DocumentChange => ({
  collection: CATALOG_COLLECTIONS.exercises,
  id,
  before,
  after,
});
const tooLarge = expect.objectContaining({ code: "DOCUMENT_TOO_LARGE", path: "" });

describe("changeIssues: schema issues", () => {
  const withPrimary = (primary: string[]): DocData => ({ ...squat, muscles: { primary, category: ["legs"] } });
  const withEquipment = (equipment: string[]): DocData => ({ ...squat, equipment });
  const invalidAt = (path: string) => expect.objectContaining({ code: "SCHEMA_INVALID", path });

  it("counts a new bad value in an array that already held one as introduced: the array is written whole", () => {
    expect(changeIssues(change(withPrimary(["Lats"]), withPrimary(["Rhomboids_Major", "latissimus dorsi"])))).toEqual({
      introduced: [invalidAt("muscles.primary.0")],
      preexisting: [],
    });
    expect(changeIssues(change(withEquipment(["Barbell"]), withEquipment(["Smith_Machine"])))).toEqual({
      introduced: [invalidAt("equipment.0")],
      preexisting: [],
    });
  });

  it("refuses writing what the quality scan hard-fails: numbered or too few execution notes, aliased muscles", () => {
    const complete = { ...squat, common_mistakes: ["Rounding the lower back.", "Letting the knees cave in."] };
    const notes = ["Set the bar on your upper back.", "Sit down between your heels."];
    const issuesOf = (after: DocData) => changeIssues(change({ ...complete, execution_notes: notes }, after)).introduced;
    expect(issuesOf({ ...complete, execution_notes: ["1. Set up as usual.", "2. Do the rep."] })).toEqual([
      invalidAt("execution_notes.0"),
      invalidAt("execution_notes.1"),
    ]);
    expect(issuesOf({ ...complete, execution_notes: notes.slice(0, 1) })).toEqual([invalidAt("execution_notes")]);
    expect(issuesOf({ ...complete, execution_notes: notes, common_mistakes: ["- Rounding the lower back."] })).toEqual([
      invalidAt("common_mistakes.0"),
    ]);
    expect(issuesOf({ ...complete, execution_notes: notes, muscles: { primary: ["quads", "glutes"], category: ["legs"] } })).toEqual([
      invalidAt("muscles.primary.0"),
    ]);
    expect(issuesOf({ ...complete, execution_notes: notes.concat("Drive up through your whole foot.") })).toEqual([]);
  });

  it("leaves a bad array the change does not write as it was: preexisting", () => {
    const legacy = withPrimary(["Lats"]);
    expect(changeIssues(change(legacy, { ...legacy, category: "isolation" }))).toEqual({
      introduced: [],
      preexisting: [invalidAt("muscles.primary.0")],
    });
  });
});

describe("changeIssues: document size", () => {
  it("refuses a write that makes a document too large", () => {
    expect(changeIssues(change(squat, sized(160_000)))).toEqual({ introduced: [tooLarge], preexisting: [] });
    expect(changeIssues(change(null, sized(160_000))).introduced).toEqual([tooLarge]);
  });

  it("lets a legacy document that already was too large be patched: its size is a preexisting issue, whatever it becomes", () => {
    const legacy = sized(200_000);
    // A quality scan's review_metadata makes it a little larger.
    const scanned = { ...legacy, review_metadata: { quality_score: 0.4, flags: ["description_short"] } };
    expect(changeIssues(change(legacy, scanned))).toEqual({ introduced: [], preexisting: [tooLarge] });
    // A cleanup that shrinks it, still above the limit.
    expect(changeIssues(change(legacy, sized(170_000)))).toEqual({ introduced: [], preexisting: [tooLarge] });
    // A cleanup that brings it under the limit leaves no issue.
    expect(changeIssues(change(legacy, sized(1_000)))).toEqual({ introduced: [], preexisting: [] });
  });

  it("lets a legacy document grow only so far that its journal entry still fits under Firestore's 1 MiB", () => {
    const legacy = sized(200_000);
    expect(changeIssues(change(legacy, sized(390_000))).introduced).toEqual([]);
    const grown = changeIssues(change(legacy, sized(410_000)));
    expect(grown).toEqual({ introduced: [tooLarge], preexisting: [] });
    expect(grown.introduced[0].message).toMatch(
      /^41\d{4} bytes as Firestore counts them; the limit is 150000 \(400000 for a document already above it\)$/,
    );
  });

  it("counts bytes as Firestore does, not characters: 60,000 en dashes are 180,000 bytes", () => {
    const dashes = { ...squat, legacy_notes: "–".repeat(60_000) };
    expect(changeIssues(change(squat, dashes))).toEqual({ introduced: [tooLarge], preexisting: [] });
  });
});
