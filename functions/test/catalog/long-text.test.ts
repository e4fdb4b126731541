import { canonicalFieldValue } from "../../src/catalog/canonical-values";
import { auditFamily } from "../../src/catalog/family-findings";
import { canonicalNameIn } from "../../src/catalog/family-naming";
import { exerciseNameProblem } from "../../src/catalog/naming-rules";
import { exerciseNameParts, splitEquipmentPrefix, splitExerciseName, titleCase } from "../../src/catalog/taxonomy";
import { asSentence, cleanContentItem } from "../../src/catalog/text-style";
import { exerciseFixture } from "../helpers/catalog";

/**
 * Text built to make a regex backtrack: a long run that a pattern tried from each of its characters (a
 * stray "*" that nothing closes, "!" or "," before the end, spaces before no "(") took quadratic time,
 * seconds at 60,000 characters and well past a minute at LONG, blocking the worker. Each case gives
 * what it gave on a short run, and finishes on a long one.
 */
const LONG = 200_000;

/** Jest's default timeout; the config's is a minute, for the emulator tests. These take milliseconds. */
const TIMEOUT_MS = 5_000;

/**
 * A test of `run` that fails past TIMEOUT_MS. Jest's timeout fires only once a test yields, so a run
 * that blocks past it would pass late: the test yields a turn of the event loop after it.
 */
function itFinishes(name: string, run: () => void): void {
  it(
    name,
    async () => {
      run();
      await new Promise((resolve) => setTimeout(resolve, 0));
    },
    TIMEOUT_MS,
  );
}

describe("emphasis markers that nothing closes", () => {
  itFinishes("leaves a text of stray '*' or '_' as it was", () => {
    expect(cleanContentItem("Stand" + " *x".repeat(3) + " *tall*")).toBe("Stand x *x *x *tall");
    expect(cleanContentItem(" *x".repeat(4))).toBe("x *x *x *x");
    expect(cleanContentItem(" _x".repeat(4))).toBe("_x _x _x _x");
    expect(cleanContentItem(" *x".repeat(LONG / 3))).toBe(`x${" *x".repeat(LONG / 3 - 1)}`);
    expect(cleanContentItem(" _x".repeat(LONG / 3))).toBe(`_x${" _x".repeat(LONG / 3 - 1)}`);
  });
});

describe("a run of marks before a use case's end", () => {
  it.each(["!", ",", " "])("keeps a run of '%s' inside the sentence", (mark) => {
    expect(asSentence(`a${mark.repeat(4)}b`)).toBe(`a${mark.repeat(4)}b.`);
  });
  itFinishes("finishes on a long run", () => {
    for (const mark of ["!", ",", " "]) expect(asSentence(`a${mark.repeat(LONG)}b`)).toBe(`a${mark.repeat(LONG)}b.`);
    expect(asSentence(`Go heavy${"!".repeat(LONG)}")`)).toBe('Go heavy.")');
    expect(asSentence(`Pair with squats${",; ".repeat(LONG / 3)}`)).toBe("Pair with squats.");
  });
});

describe("names and tags with long runs", () => {
  itFinishes("title-cases a word with a run of punctuation inside", () => {
    expect(titleCase("a!!!!b")).toBe("A!!!!b");
    expect(titleCase("single-leg (rdl)!!")).toBe("Single-Leg (RDL)!!");
    expect(titleCase(`a${"!".repeat(LONG)}b`)).toBe(`A${"!".repeat(LONG)}b`);
  });
  itFinishes("splits a name with a run of spaces before a '(' that does not end it", () => {
    expect(splitExerciseName("a     (b) x")).toEqual({ base: "a     (b) x", suffix: null });
    expect(splitExerciseName("Squat     (Barbell)  ")).toEqual({ base: "Squat", suffix: "Barbell" });
    const name = `a${" ".repeat(LONG)}(b) x`;
    expect(splitExerciseName(name)).toEqual({ base: name, suffix: null });
  });
  itFinishes("splits off an equipment prefix with a run of spaces inside", () => {
    expect(splitEquipmentPrefix("Smith     Machine Squat")).toEqual({ prefix: "Smith     Machine", rest: "Squat" });
    const spaces = " ".repeat(LONG);
    expect(splitEquipmentPrefix(`Smith${spaces}Machine Squat`)).toEqual({ prefix: `Smith${spaces}Machine`, rest: "Squat" });
  });
  it("judges a name of thousands of '(…)' groups, more than the stack has room for a call each", () => {
    expect(exerciseNameParts("Squat (Q) (Q) (Q)", null)).toEqual({
      prefix: null,
      rest: "Q Q Q Squat",
      suffix: null,
      qualified: true,
      extraSuffix: null,
    });
    expect(exerciseNameParts(`Squat${"(Q)".repeat(6_000)}`, null).rest).toBe(`${"Q ".repeat(6_000)}Squat`);
  });
});

describe("a legacy name of thousands of '(…)' groups", () => {
  /** About 60,000 characters: judged by writing the rest of the name out again for each group taken off, it took ~18 s. */
  const GROUPS = 15_000;
  /** The canonical name the scanner's name rules (the name check, the family's target names, its audit) give a dumbbell exercise. */
  const judged = (name: string): unknown[] => {
    const { id, ...data } = exerciseFixture(name, ["dumbbell"], { family_slug: "row" });
    const audit = auditFamily("row", [{ id, data }], null).find((finding) => finding.code === "non_canonical_name");
    return [exerciseNameProblem(name, "dumbbell", true)?.suggestion, canonicalNameIn(data, true), audit?.suggestion];
  };
  itFinishes("puts each qualifier in front", () => {
    expect(judged("Row (x) (x)")).toEqual(Array(3).fill("X X Row (Dumbbell)"));
    expect(judged(`Row${" (x)".repeat(GROUPS)}`)).toEqual(Array(3).fill(`${"X ".repeat(GROUPS)}Row (Dumbbell)`));
  });
  itFinishes("puts each qualifier before the suffix in front, and drops each repeat of the suffix", () => {
    expect(judged("Row (Close Grip) (Dumbbell) (Close Grip) (Dumbbell)")).toEqual(Array(3).fill("Close Grip Close Grip Row (Dumbbell)"));
    const name = `Row${" (Close Grip) (Dumbbell)".repeat(GROUPS / 2)}`;
    expect(judged(name)).toEqual(Array(3).fill(`${"Close Grip ".repeat(GROUPS / 2)}Row (Dumbbell)`));
  });
  itFinishes("drops each repeat of the suffix", () => {
    expect(judged("Row (Dumbbell) (Dumbbell)")).toEqual(Array(3).fill("Row (Dumbbell)"));
    expect(judged(`Row${" (Dumbbell)".repeat(GROUPS)}`)).toEqual(Array(3).fill("Row (Dumbbell)"));
  });
});

describe("a contribution share with a run of spaces", () => {
  itFinishes("is read as before", () => {
    expect(canonicalFieldValue("muscles.contribution", { quadriceps: " 40   %  ", glutes: "0.5   " })).toEqual({
      value: { quadriceps: 0.4, glutes: 0.5 },
    });
    for (const share of ["1     x", `1${" ".repeat(LONG)}x`]) {
      expect(canonicalFieldValue("muscles.contribution", { quadriceps: share })).toEqual({
        reason: `invalid share for "quadriceps": ${JSON.stringify(share)}`,
      });
    }
  });
});
