/** What the job page's Revert all says it did (views/job.tsx), in the words of the CLI's `revert --job`. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { revertedAllNotice } from "../../src/format";

describe("Revert all's notice", () => {
  it("counts the changes it reverted, newest first, and those reverted before", () => {
    assert.equal(revertedAllNotice("j1", { reverted: 3, already_reverted: 0 }), "Reverted 3 changes of job j1, newest first.");
    assert.equal(
      revertedAllNotice("j1", { reverted: 1, already_reverted: 2 }),
      "Reverted 1 change of job j1, newest first (2 reverted before).",
    );
  });

  it("says nothing changed when another curator reverted them first", () => {
    assert.equal(
      revertedAllNotice("j1", { reverted: 0, already_reverted: 2 }),
      "Job j1 has no applied change left to revert (2 reverted before); nothing changed.",
    );
  });
});
