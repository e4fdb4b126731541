/** `singular`, which the duplicate scan and a slug rename's judgement of one movement read words by. */
import { singular } from "../../src/catalog/taxonomy";

describe("singular", () => {
  it.each([
    ["flyes", "fly"],
    ["flys", "fly"],
    ["flies", "fly"],
    ["abs", "ab"],
    ["ups", "up"],
  ])("singular(%s) = %s", (word, expected) => {
    expect(singular(word)).toBe(expected);
  });

  // Words that are no plural, or whose singular keeps its "e": two words apart must not come to one.
  it.each([
    ["bus", "bus"],
    ["gas", "gas"],
    ["yes", "yes"],
    ["press", "press"],
    ["cross", "cross"],
    ["eyes", "eye"],
    ["dyes", "dye"],
    ["pies", "pie"],
  ])("singular(%s) = %s", (word, expected) => {
    expect(singular(word)).toBe(expected);
  });
});
