/** What the views say and where they link: history's job filter, failed reads, sign-in refusals, the job page's words. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { FirebaseError } from "firebase/app";
import { Timestamp } from "firebase/firestore";
import { type ComponentChildren, h, render, type VNode } from "preact";
import { act } from "preact/test-utils";
import { toJob } from "../../src/documents";
import { counted, listed, recentlyFinishedNote } from "../../src/format";
import { jobHistoryAddress, parseRoute } from "../../src/routes";
import { failedReads, type Live } from "../../src/ui/live";
import { historyFilterProblem, toFilter } from "../../src/views/history";
import { goneNote, RunningAttempt, runAfterFactName } from "../../src/views/job";
import { authFailure, signInFailure } from "../../src/views/sign-in";

describe("history's job filter", () => {
  it("is the address's: the job page links to its runs there, whatever its id holds", () => {
    assert.deepEqual(parseRoute("#/history?job=j1"), { view: "history", jobId: "j1" });
    for (const jobId of ["QUALITY_SCAN@2026-12-07-shard-1", "a b&c=d?#e", "café", "x+y%z"])
      assert.deepEqual(parseRoute(jobHistoryAddress(jobId)), { view: "history", jobId });
    // No job named: every run, as before.
    assert.deepEqual(parseRoute("#/history?job="), { view: "history" });
    assert.deepEqual(parseRoute("#/history?type=QUALITY_SCAN"), { view: "history" });
  });

  it("is refused with a type, status or family, as the CLI's history --job is; alone or with dates it is read", () => {
    const form = { job: "", type: "", status: "", family: "", from: "", to: "" };
    assert.equal(historyFilterProblem({ ...form, job: "j1", from: "2026-12-01", to: "2026-12-02" }), null);
    for (const narrowing of [{ type: "QUALITY_SCAN" }, { status: "failed" }, { family: "squat" }])
      assert.equal(historyFilterProblem({ ...form, job: "j1", ...narrowing })?.field, "job");
    // A blank job is no job; an id with spaces is read as it is.
    assert.deepEqual(toFilter({ ...form, job: " j 1 " }), { job: " j 1 " });
    assert.equal(historyFilterProblem({ ...form, job: " ", type: "QUALITY_SCAN" }), null);
    assert.deepEqual(historyFilterProblem({ ...form, from: "2026-12-05", to: "2026-12-01" }), {
      field: "to",
      why: "To 2026-12-01 is before From 2026-12-05",
    });
  });
});

describe("failed reads", () => {
  const denied = () => new FirebaseError("permission-denied", "Missing or insufficient permissions.");
  const failed = (error: Error, retried: string[], what: string): Live<unknown> => ({
    state: "error",
    error,
    retry: () => retried.push(what),
  });

  it("are said once for all that failed alike, in plain words when Firestore refused them, with one retry for all", () => {
    const retried: string[] = [];
    const said = failedReads(
      ["running jobs", "waiting jobs", "finished jobs"].map((what) => ({ what, live: failed(denied(), retried, what) })),
    );
    assert.ok(said);
    assert.equal(said.sentences.length, 1);
    assert.match(
      said.sentences[0],
      /^Could not load running jobs, waiting jobs and finished jobs: Firestore refused to let this account read it/,
    );
    assert.doesNotMatch(said.sentences[0], /Missing or insufficient permissions/);
    said.retry();
    assert.deepEqual(retried, ["running jobs", "waiting jobs", "finished jobs"]);
  });

  it("say each other reason apart, retry only the failed ones, and say nothing while none failed", () => {
    const retried: string[] = [];
    const missingIndex = new FirebaseError("failed-precondition", "The query requires an index.");
    const said = failedReads([
      { what: "running jobs", live: failed(denied(), retried, "running jobs") },
      { what: "waiting jobs", live: { state: "ready", value: [], fromCache: false } },
      { what: "finished jobs", live: failed(missingIndex, retried, "finished jobs") },
    ]);
    assert.equal(said?.sentences.length, 2);
    assert.equal(said?.sentences[1], "Could not load finished jobs: The query requires an index.");
    said?.retry();
    assert.deepEqual(retried, ["running jobs", "finished jobs"]);
    assert.equal(failedReads([{ what: "running jobs", live: { state: "loading" } }]), null);
  });
});

describe("sign-in refusals", () => {
  it("read as plain sentences, not Firebase's codes; any other error as it is", () => {
    const refusal = (code: string) => signInFailure(new FirebaseError(code, `Firebase: Error (${code}).`));
    for (const code of ["auth/invalid-credential", "auth/wrong-password", "auth/user-not-found"])
      assert.equal(refusal(code), "The email or the password is wrong: check both and try again.");
    assert.match(refusal("auth/too-many-requests"), /^Too many failed attempts/);
    assert.match(refusal("auth/network-request-failed"), /^The console could not reach Firebase Auth/);
    for (const code of ["auth/invalid-credential", "auth/too-many-requests", "auth/network-request-failed"])
      assert.doesNotMatch(refusal(code), /auth\//);
    assert.equal(refusal("auth/operation-not-allowed"), "Firebase: Error (auth/operation-not-allowed).");
    assert.equal(signInFailure("offline"), "offline");
  });
});

describe("Firebase Auth's other failures", () => {
  it("read as a sign-in's do when any call fails alike (sending a verification email), and only then", () => {
    const failure = (code: string) => new FirebaseError(code, `Firebase: Error (${code}).`);
    const unreached = failure("auth/network-request-failed");
    assert.match(authFailure(unreached), /^The console could not reach Firebase Auth/);
    assert.equal(authFailure(unreached), signInFailure(unreached));
    // A sign-in's refusal is not what another call's failure means.
    assert.equal(authFailure(failure("auth/too-many-requests")), "Firebase: Error (auth/too-many-requests).");
  });
});

describe("the views' words", () => {
  it("count in the singular for one", () => {
    assert.equal(counted(1, "error"), "1 error");
    assert.equal(counted(0, "error"), "0 errors");
    assert.equal(counted(1200, "error"), "1,200 errors");
  });

  it("list names in a sentence", () => {
    assert.equal(listed(["a"]), "a");
    assert.equal(listed(["a", "b"]), "a and b");
    assert.equal(listed(["a", "b", "c"]), "a, b and c");
  });

  it("say how many finished jobs the queue leaves out, and when its read may leave out more", () => {
    assert.equal(recentlyFinishedNote(25, 134, 300), "The latest 25 of the 134 jobs finished in the last 24 hours.");
    assert.equal(recentlyFinishedNote(25, 300, 300), "The latest 25 of the 300 or more jobs finished in the last 24 hours.");
  });

  it("say a job whose record is gone has changes to revert only when the journal holds some", () => {
    assert.match(goneNote(true), /^Its record was deleted .* those still applied can be reverted\.$/);
    assert.equal(
      goneNote(false),
      "There is no such job: it never existed, or its record was deleted when it had been finished for RETAIN_JOBS_DAYS.",
    );
  });

  it("say when the running attempt started, as how long ago", async () => {
    const job = toJob("j1", {
      status: "running",
      attempts: 1,
      lease_epoch: 1,
      lease_owner: "w1",
      started_at: Timestamp.fromMillis(Date.now() - 120_000),
    });
    const drawn: VNode<{ children: ComponentChildren }>[] = [];
    const View = () => {
      drawn.push(RunningAttempt({ job }));
      return null;
    };
    const root = {} as Element;
    await act(() => render(h(View, null), root));
    const words = (node: ComponentChildren): string =>
      Array.isArray(node) ? node.map(words).join("") : typeof node === "object" && node !== null ? "" : String(node ?? "");
    const said = words(drawn[drawn.length - 1].props.children);
    // Its words, its status badge aside.
    assert.match(said, /^Attempt #1 · +· w1 · started 2m 0\ds ago\. $/);
    await act(() => render(null, root));
  });

  it("say when an ended job was to run, not when it runs", () => {
    assert.equal(runAfterFactName("queued"), "Runs after");
    assert.equal(runAfterFactName("deferred"), "Runs after");
    assert.equal(runAfterFactName("cancelled"), "Was to run after");
    assert.equal(runAfterFactName("succeeded"), "Was to run after");
  });
});
