/** The one way messages name the start of a long list and count the rest. */
import { shortList } from "../../src/util/short-list";

describe("shortList", () => {
  it.each([
    [[], ""],
    [["a"], "a"],
    [["a", "b", "c"], "a, b, c"],
    [["a", "b", "c", "d"], "a, b, c and 1 more"],
    [["a", "b", "c", "d", "e"], "a, b, c and 2 more"],
  ])("names the first three of %j, with commas", (items, expected) => {
    expect(shortList(items, 3)).toBe(expected);
  });

  it("joins items that hold commas with semicolons, their tail too, and names what the rest are", () => {
    expect(shortList(["x: a, b", "y", "z"], 2, { separator: "; " })).toBe("x: a, b; y; and 1 more");
    expect(shortList(["r1", "r2", "r3", "r4", "r5"], 3, { separator: "; ", others: "more of its changes" })).toBe(
      "r1; r2; r3; and 2 more of its changes",
    );
  });
});
