import { NO_SLUG_OWNERS, renameConflict, renameConflictCheck } from "../../src/catalog/rename-conflicts";

describe("renameConflict", () => {
  it("names every other holder of the slug when there are a few", () => {
    const finalNames = new Map([
      ["squat__a", "Squat (Barbell)"],
      ["squat__b", "Squat (Barbell)"],
    ]);
    const owners = { ...NO_SLUG_OWNERS, exercises: new Map([["squat-barbell", ["squat__c", "squat__a"]]]) };
    expect(renameConflict("squat__a", "Squat (Barbell)", finalNames, owners)).toBe(
      `the slug "squat-barbell" of "Squat (Barbell)" belongs to squat__b, squat__c too`,
    );
  });

  it("names the first three of many holders, and says how many more there are", () => {
    const holders = Array.from({ length: 300 }, (_, index) => `squat__${index}`);
    const check = renameConflictCheck(new Map(holders.map((id) => [id, "Squat (Barbell)"])), NO_SLUG_OWNERS);
    expect(check("squat__0", "Squat (Barbell)")).toBe(
      `the slug "squat-barbell" of "Squat (Barbell)" belongs to squat__1, squat__2, squat__3 and 296 more too`,
    );
    expect(check("squat__new", "Squat (Barbell)")).toBe(
      `the slug "squat-barbell" of "Squat (Barbell)" belongs to squat__0, squat__1, squat__2 and 297 more too`,
    );
  });
});
