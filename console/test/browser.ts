/**
 * The operator console in a real browser: Chromium from the system's packages, driven by
 * playwright-core, against the Emulator Suite with the console served by the Hosting emulator
 * (run by `npm --prefix functions run test:emulators`). A curator signs in, sees a client's job
 * finish live, opens it, reverts its change, reverts all of a job's changes (refused while another job's change is in
 * the way), retries a failed job and cancels a waiting one, focus going to
 * each view's heading (after signing in or out too: the sign-in form's Email field) and each action's outcome, a
 * failed one's error included, and the title naming the view; a job intake rejected, or
 * cancelled before intake, offers no retry and says why, nor does a shard whose parent has ended (the parent is
 * retried), a job with many attempts and changes shows a bounded page of them and more on Show more (linking
 * History's list of its runs), Show more keeping the focus while it waits and once all are shown, History's Next
 * and Previous keeping it from page to page, an address that does not decode or whose job id Firestore reserves
 * shows the queue, a job whose read Firestore refuses is still named above the refusal, history
 * refuses a date range that ends before it starts and lists one job's runs at its address, the days' legend names
 * every job type in a colour of its own (the toggle of one without runs doing nothing, with the focus) and each
 * chart's data shows as a table, and the queue keeps a retry's error while its window moves on; each view has one h1,
 * a run's error reads whole on a laptop and on a phone, and a table's actions stay in sight on both, however long a
 * job's id or reason; offline, every view says it shows cached data and says nothing is absent (the queue's counts of
 * none read "?"), and a job's Show more and the days' range wait for the connection, keeping the focus, the days' range
 * acting again once connected, the durations read offline read again; the page loads without the Days view's chunk
 * (Chart.js with it), which a curator's console fetches ahead, and the view says why when it could not, with Try
 * again, which hands the focus to the view's heading; a non-curator sees no actions and no engine data, and a
 * verification email that cannot be sent says why in plain words, one sent says so, with the focus; a failed sign-in
 * starts the form again at its Email field. Screenshots of every view, at a laptop's and a
 * phone's size, go to test-results/. Exits non-zero on the first failure.
 */
import { mkdirSync, readFileSync } from "node:fs";
import { collection, doc, type Firestore, getDocFromServer, onSnapshot, serverTimestamp, setDoc } from "firebase/firestore";
import { type Browser, chromium, type ConsoleMessage, type Locator, type Page } from "playwright-core";
import { COLLECTIONS, JOB_TYPES } from "../src/model";
import { jobHistoryAddress } from "../src/routes";
import {
  ACCOUNTS,
  type AccountName,
  CONSOLE_URL,
  clientAs,
  deleteAsEngine,
  ensureAccounts,
  fromServer,
  origin,
  PROJECT,
  writeAsEngine,
} from "./emulators";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
// Headless on a machine with no network but loopback: nothing in the background may try to reach out.
// Playwright gives every launch a fresh --user-data-dir of its own.
const CHROMIUM_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
const RESULTS = new URL("../test-results/", import.meta.url).pathname;
const LAPTOP = { width: 1366, height: 900 };
/** A laptop narrower than LAPTOP, still too wide for a table to keep its actions in sight by itself (styles.css's 64rem). */
const SMALL_LAPTOP = { width: 1100, height: 800 };
const PHONE = { width: 390, height: 844 };
/** Jobs go through the trigger, the tasks emulator and a lane function: seconds, not milliseconds. */
const JOB_TIMEOUT = 90_000;

const PATCHED_EXERCISE = "bench_press__bench-press-barbell";
/** Patched with PATCHED_EXERCISE by the job that Revert all reverts whole. */
const SECOND_PATCHED_EXERCISE = "bench_press__bench-press-dumbbell";
const UNKNOWN_FAMILY = "kettlebell_swing";

let failures = 0;

async function step(name: string, run: () => Promise<void>): Promise<void> {
  try {
    await run();
    console.log(`ok: ${name}`);
  } catch (err) {
    failures++;
    console.log(`FAILED: ${name}\n  ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    throw err;
  }
}

async function shoot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: `${RESULTS}${name}.png`, fullPage: true });
}

/** A screenshot of the viewport from `at` down, for a page too long to take whole. */
async function shootFrom(page: Page, at: Locator, name: string): Promise<void> {
  await at.evaluate((element) => element.scrollIntoView({ block: "start" }));
  await page.screenshot({ path: `${RESULTS}${name}.png` });
}

async function signIn(page: Page, account: AccountName): Promise<void> {
  await page.goto(CONSOLE_URL);
  await page.getByLabel("Email").fill(ACCOUNTS[account].email);
  await page.getByLabel("Password").fill(ACCOUNTS[account].password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByTestId("signed-in-as").waitFor();
}

/** A job document as a client app writes it. */
async function submit(client: { db: Firestore; uid: string }, job: Record<string, unknown>): Promise<string> {
  const ref = doc(collection(client.db, "catalog_jobs"));
  await setDoc(ref, { ...job, status: "queued", created_at: serverTimestamp(), created_by: client.uid });
  return ref.id;
}

/** Every field of a job document as the engine stores it (functions/src/jobs/job-document.ts), then `fields`. */
function engineJob(now: Date, fields: Record<string, unknown>): Record<string, unknown> {
  return {
    queue: "priority",
    priority: 100,
    dedup_key: null,
    attempts: 0,
    max_attempts: 5,
    lease_owner: null,
    lease_expires_at: null,
    created_at: now,
    updated_at: now,
    started_at: null,
    finished_at: null,
    created_by: "system:browser-test",
    error: null,
    result_summary: null,
    progress: null,
    parent_job_id: null,
    shards: null,
    cancel_requested: false,
    plan_id: null,
    llm_usage: null,
    ...fields,
  };
}

/** Resolves once the job has ended, as its creator's listener sees it. */
function ended(client: { db: Firestore }, jobId: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const stop = onSnapshot(
      doc(client.db, "catalog_jobs", jobId),
      (snap) => {
        if (snap.get("finished_at")) {
          stop();
          resolve();
        }
      },
      reject,
    );
  });
}

const row = (page: Page, section: string, jobId: string) =>
  page.locator("section", { has: page.getByRole("heading", { name: section }) }).locator(`tr[data-job="${jobId}"]`);

/** Waits until the page's title is `title`. */
async function titled(page: Page, title: string): Promise<void> {
  await page
    .waitForFunction((want) => document.title === want, title, { timeout: 10_000 })
    .catch(async (err: unknown) => {
      throw new Error(`the page's title is not "${title}" but "${await page.title()}"`, { cause: err });
    });
}

/** The jobs whose row's action (a table's last column, "Action") lies past the edge of the table's scroller, out of sight. */
function actionsOutOfSight(page: Page): Promise<string[]> {
  return page.evaluate(() =>
    [...document.querySelectorAll("main table")]
      .filter((table) => table.querySelector("thead th:last-child")?.textContent === "Action")
      .flatMap((table) => {
        const edge = table.closest(".overflow-auto")!.getBoundingClientRect().right;
        return [...table.querySelectorAll("tbody tr")].filter((row) => row.lastElementChild!.getBoundingClientRect().right > edge + 1);
      })
      .map((row) => row.getAttribute("data-job") ?? "a row"),
  );
}

/** Firestore's rules replaced by `rules` while `run` runs, as a deploy of other rules would, then the project's again. */
async function underRules(rules: string, run: () => Promise<void>): Promise<void> {
  const deploy = async (content: string) => {
    const res = await fetch(`${origin("firestore")}/emulator/v1/projects/${PROJECT}:securityRules`, {
      method: "PUT",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ rules: { files: [{ name: "firestore.rules", content }] } }),
    });
    if (!res.ok) throw new Error(`the emulator refused the rules: ${res.status} ${await res.text()}`);
  };
  await deploy(rules);
  try {
    await run();
  } finally {
    await deploy(readFileSync(new URL("../../firestore.rules", import.meta.url), "utf8"));
  }
}

/** Waits until focus is on the element `selector` names (after a view change or an action that removed its own button). */
async function focusedOn(page: Page, selector: string, what: string): Promise<void> {
  await page
    .waitForFunction((want) => document.activeElement?.matches(want) ?? false, selector, { timeout: 10_000 })
    .catch(async (err: unknown) => {
      const focused = await page.evaluate(() => document.activeElement?.outerHTML.slice(0, 120) ?? "nothing");
      throw new Error(`focus is not on ${what}, but on ${focused}`, { cause: err });
    });
}

async function curatorJourney(browser: Browser): Promise<void> {
  const context = await browser.newContext({ viewport: LAPTOP });
  const page = await context.newPage();
  page.setDefaultTimeout(JOB_TIMEOUT);
  const client = await clientAs("curator");
  const exerciseNow = async (id: string) => (await fromServer(client.db, () => getDocFromServer(doc(client.db, "exercises", id)))).data();
  const patchedExercise = () => exerciseNow(PATCHED_EXERCISE);
  let appliedJob = "";
  let failedJob = "";
  let waitingJob = "";
  let longJob = "";
  let longReasonJob = "";

  await step("the sign-in page shows, its heading the page's h1, and asks the server for nothing it lacks", async () => {
    const missing: string[] = [];
    // The browser's own requests (its icon's) show only as a console error.
    const notFound = (message: ConsoleMessage) => message.text().startsWith("Failed to load resource") && missing.push(message.text());
    page.on("console", notFound);
    await page.goto(CONSOLE_URL);
    await page.getByRole("heading", { level: 1, name: "Sign in" }).waitFor();
    // The page is its form: it starts at its first field.
    await focusedOn(page, 'input[name="email"]', "the sign-in form's Email field");
    // The browser asks for an icon once the page has loaded (/favicon.ico, unless the page names one).
    await page.waitForLoadState("networkidle");
    page.off("console", notFound);
    if (missing.length > 0) throw new Error(`the page asked for what the server lacks: ${missing.join(", ")}`);
    // The emulators' note names the command as code, not between backticks.
    await page.locator("code", { hasText: "npm --prefix functions run console" }).waitFor();
    if ((await page.locator("main").textContent())?.includes("`")) throw new Error("the sign-in page shows a backtick");
    await shoot(page, "sign-in-laptop");
  });

  await step("a wrong password is refused in plain words", async () => {
    await page.getByLabel("Email").fill(ACCOUNTS.curator.email);
    await page.getByLabel("Password").fill(`not ${ACCOUNTS.curator.password}`);
    await page.getByRole("button", { name: "Sign in" }).click();
    // Whether Auth says wrong-password or invalid-credential (email enumeration protection), it reads the same.
    await page.getByRole("alert").getByText("The email or the password is wrong: check both and try again.", { exact: true }).waitFor();
    // The button, disabled while the sign-in ran, dropped the focus: the form starts again at its first field.
    await focusedOn(page, 'input[name="email"]', "the sign-in form's Email field, after the refusal");
  });

  await step("a curator signs in and sees the queue, focus on its heading", async () => {
    await signIn(page, "curator");
    await page.getByRole("heading", { name: "Queue now" }).waitFor();
    // The form is gone with the sign-in: the new view's heading has the focus, as after a view change.
    await focusedOn(page, "main h1", "the queue's heading");
    await page.getByTestId("queue-counts").waitFor();
  });

  const before = await patchedExercise();
  await step("a job a client submits moves to succeeded on the open page, without a reload", async () => {
    appliedJob = await submit(client, {
      type: "TARGETED_FIX",
      payload: {
        mode: "apply",
        exercise_doc_ids: [PATCHED_EXERCISE],
        fix_type: "patch",
        fix_data: { patch: { description: "A flat bench press with a barbell, for chest, front delts and triceps; the demo patch." } },
        reason: "browser test",
      },
    });
    const finished = row(page, "Recently finished", appliedJob);
    await finished.getByText("succeeded", { exact: true }).waitFor();
    await shoot(page, "queue-laptop");
  });

  await step("the job page shows its payload, timeline, attempts and change journal", async () => {
    await row(page, "Recently finished", appliedJob).getByRole("link").click();
    const view = page.getByTestId("job-view");
    await view.and(page.locator('[data-status="succeeded"]')).waitFor();
    // The link followed is gone with the queue: focus moves to the new view's heading, and the title names the job.
    await titled(page, `Job ${appliedJob} · Catalog Jobs`);
    await focusedOn(page, '[data-testid="job-view"] h1', "the job page's heading");
    await view.getByRole("heading", { name: "Payload" }).waitFor();
    await view.getByText(/attempt 1 started on/).waitFor();
    // The latest attempt is open.
    await view.getByRole("heading", { name: /^Plan/ }).waitFor();
    await view.locator('[data-change][data-status="applied"]').waitFor();
    await view.locator("td.after", { hasText: "the demo patch" }).waitFor();
    await shoot(page, "job-laptop");
  });

  await step("an armed revert disarms on Escape, on leaving the button, and by itself", async () => {
    const change = page.locator('[data-change][data-status="applied"]').first();
    const changeId = await change.getAttribute("data-change");
    // Named with the change it reverts: each change of the journal has a button of its own.
    const revert = change.getByRole("button", { name: `Revert change ${changeId}`, exact: true });
    const confirm = change.getByRole("button", { name: `Confirm revert change ${changeId}`, exact: true });
    // Armed, it says so in a live region: a screen reader does not announce the focused button's new name.
    const hint = change.getByTestId("armed-hint");
    await revert.click();
    await confirm.waitFor();
    await hint.getByText(`Confirm revert change ${changeId}? Press the button again within 5 seconds; Escape withdraws.`).waitFor();
    if ((await hint.getAttribute("role")) !== "status") throw new Error("the armed revert's hint is not a live region");
    await page.keyboard.press("Escape");
    await revert.waitFor({ timeout: 2_000 });
    if ((await hint.textContent()) !== "") throw new Error(`the disarmed revert still says: ${await hint.textContent()}`);
    await revert.click();
    await confirm.waitFor();
    await page.getByRole("heading", { name: "Payload" }).click();
    await revert.waitFor({ timeout: 2_000 });
    await revert.click();
    await confirm.waitFor();
    await revert.waitFor({ timeout: 10_000 });
  });

  await step("a revert that fails says why, focus on its words", async () => {
    const change = page.locator('[data-change][data-status="applied"]').first();
    // The engine not reached: the callable's request never leaves the browser.
    await page.route("**/revertChange", (route) => route.abort());
    await change.getByRole("button", { name: "Revert" }).click();
    await change.getByRole("button", { name: "Confirm revert" }).click();
    await change
      .getByRole("alert")
      .getByText(/could not reach the engine/)
      .waitFor();
    await page.unroute("**/revertChange");
    // Its button, disabled while the call ran, lost the focus: it is on what tells the outcome, as after a revert done.
    await focusedOn(page, '[data-change] .error-text[role="alert"]', "the failed revert's error");
    await shoot(page, "job-revert-failed-laptop");
  });

  await step("reverting the change restores the catalog document", async () => {
    const change = page.locator('[data-change][data-status="applied"]').first();
    await change.getByRole("button", { name: "Revert" }).click();
    await change.getByRole("button", { name: "Confirm revert" }).click();
    await page.locator('[data-change][data-status="reverted"]').waitFor();
    // The button is gone, replaced by the change's new status: focus is there, not dropped to the page.
    await focusedOn(page, '[data-change][data-status="reverted"] [data-testid="change-status"]', "the reverted change's status");
    const after = await patchedExercise();
    if (after?.description !== before?.description) throw new Error(`description not restored: ${after?.description}`);
    await shoot(page, "job-reverted-laptop");
  });

  await step("a change whose job's record expired is still shown on the job's page, and reverted there", async () => {
    const expiredJob = await submit(client, {
      type: "TARGETED_FIX",
      payload: {
        mode: "apply",
        exercise_doc_ids: [PATCHED_EXERCISE],
        fix_type: "patch",
        fix_data: { patch: { description: "A flat bench press with a barbell, for chest, front delts and triceps; the expired patch." } },
        reason: "browser test",
      },
    });
    await page.goto(`${CONSOLE_URL}#/job/${expiredJob}`);
    await page.getByTestId("job-view").and(page.locator('[data-status="succeeded"]')).waitFor({ timeout: JOB_TIMEOUT });
    // As RETAIN_JOBS_DAYS after it ended: its changes stay in the journal (RETAIN_JOURNAL_DAYS). The open page follows.
    await deleteAsEngine(`catalog_jobs/${expiredJob}`);
    const gone = page.getByTestId("job-gone");
    await gone.getByText(/record was deleted/).waitFor();
    const change = gone.locator('[data-change][data-status="applied"]');
    await change.locator("td.after", { hasText: "the expired patch" }).waitFor();
    // The journal's entries of it prove it existed: only the deletion is said.
    const why = await gone.getByTestId("job-gone-why").textContent();
    if (!why?.startsWith("Its record was deleted when it had been finished for RETAIN_JOBS_DAYS") || why.includes("never existed"))
      throw new Error(`the expired job's page says: ${why}`);
    await shoot(page, "job-expired-laptop");
    await change.getByRole("button", { name: "Revert" }).click();
    await change.getByRole("button", { name: "Confirm revert" }).click();
    await gone.locator('[data-change][data-status="reverted"]').waitFor();
    const after = await patchedExercise();
    if (after?.description !== before?.description) throw new Error(`description not restored: ${after?.description}`);
  });

  await step("Revert all reverts none of a job's changes while another job's is in the way, then all of them", async () => {
    const secondBefore = await exerciseNow(SECOND_PATCHED_EXERCISE);
    /** A job patching the description of `exercises`, a change each, once it has succeeded. */
    const patchedBy = async (exercises: string[], text: string) => {
      const jobId = await submit(client, {
        type: "TARGETED_FIX",
        payload: {
          mode: "apply",
          exercise_doc_ids: exercises,
          fix_type: "patch",
          fix_data: { patch: { description: `A press on a flat bench, for chest, front delts and triceps; ${text}.` } },
          reason: "browser test",
        },
      });
      await page.goto(`${CONSOLE_URL}#/job/${jobId}`);
      await page.getByTestId("job-view").and(page.locator('[data-status="succeeded"]')).waitFor({ timeout: JOB_TIMEOUT });
      return jobId;
    };
    const wholeJob = await patchedBy([PATCHED_EXERCISE, SECOND_PATCHED_EXERCISE], "the patch reverted whole");
    // Another job patches one of its exercises since: reverting change by change, the other change would go, this one stay.
    const laterJob = await patchedBy([PATCHED_EXERCISE], "the later patch");
    const view = page.getByTestId("job-view");
    const revertAll = async (jobId: string) => {
      await page.goto(`${CONSOLE_URL}#/job/${jobId}`);
      await view.locator(`[data-change][data-status="applied"]`).first().waitFor();
      // Named with the job whose changes it reverts; it asks first, as Revert does.
      await view.getByRole("button", { name: `Revert all changes of job ${jobId}`, exact: true }).click();
      await view.getByRole("button", { name: `Confirm revert all changes of job ${jobId}`, exact: true }).click();
    };

    await revertAll(wholeJob);
    // Refused, with the engine's words naming the later job's change in the way; none of the job's changes reverted.
    await view
      .getByTestId("revert-all-failure")
      .getByRole("alert")
      .getByText(
        new RegExp(
          `^Revert all of job ${wholeJob}: job ${wholeJob} cannot be reverted, nothing was: .*\\(job ${laterJob}\\) is in effect on it: revert it first`,
        ),
      )
      .waitFor();
    await focusedOn(page, '[data-testid="revert-all-outcome"]', "the refused Revert all's error");
    if ((await view.locator('[data-change][data-status="applied"]').count()) !== 2)
      throw new Error("a refused Revert all reverted a change");
    await shoot(page, "job-revert-all-refused-laptop");

    // Last applied, first reverted: the later job's change, then the whole job's two. The later job's answer is lost
    // (the connection drops) once the engine has reverted its change, its button gone with the last change shown applied.
    await page.route("**/revertJob", async (route) => {
      await route.fetch();
      await view.getByRole("button", { name: /^Revert all/ }).waitFor({ state: "detached" });
      await route.abort();
    });
    await revertAll(laterJob);
    await view
      .getByTestId("revert-all-failure")
      .getByRole("alert")
      .getByText(/could not reach the engine/)
      .waitFor();
    await page.unroute("**/revertJob");
    await focusedOn(page, '[data-testid="revert-all-outcome"]', "the error of a Revert all whose button went meanwhile");
    await shoot(page, "job-revert-all-no-answer-laptop");
    await revertAll(wholeJob);
    await view
      .getByTestId("revert-all-notice")
      .getByText(`Reverted 2 changes of job ${wholeJob}, newest first.`, { exact: true })
      .waitFor();
    await view.locator('[data-change][data-status="reverted"]').nth(1).waitFor();
    // Its button is gone with the last change applied: focus is on the notice, not dropped to the page.
    await focusedOn(page, '[data-testid="revert-all-outcome"]', "Revert all's notice");
    if ((await view.getByRole("button", { name: /^Revert/ }).count()) > 0) throw new Error("a job with no change applied offers a revert");
    for (const [id, want] of [
      [PATCHED_EXERCISE, before],
      [SECOND_PATCHED_EXERCISE, secondBefore],
    ] as const)
      if ((await exerciseNow(id))?.description !== want?.description) throw new Error(`${id}'s description not restored`);
    await shoot(page, "job-reverted-all-laptop");
  });

  await step("a failed job is retried from the queue and then succeeds", async () => {
    await page.goto(`${CONSOLE_URL}#/queue`);
    failedJob = await submit(client, { type: "FAMILY_AUDIT", payload: { family_slug: UNKNOWN_FAMILY } });
    const failure = row(page, "Recent failures (24 h)", failedJob);
    await failure.getByText("FAMILY_NOT_FOUND").waitFor();
    // The operator fixes what the job needed, then retries it.
    await writeAsEngine(`exercise_families/${UNKNOWN_FAMILY}`, {
      family_slug: UNKNOWN_FAMILY,
      base_name: "Kettlebell Swing",
      primary_equipment: ["kettlebell"],
      allowed_equipment: ["kettlebell"],
      exercise_count: 0,
      status: "active",
    });
    await failure.getByRole("button", { name: `Retry job ${failedJob}`, exact: true }).click();
    // The engine's answer, shown once the job has left the failures (a parent's would count its children too), then
    // with how the run it queued ended (the lane may run the job before the answer is back: then from the start).
    await page
      .getByTestId("retry-notice")
      .getByText(`Job ${failedJob} is queued again. It has run since: succeeded_dry_run.`, { exact: true })
      .waitFor();
    // The job's id reads as code, as in the tables.
    await page.getByTestId("retry-notice").locator("code", { hasText: failedJob }).waitFor();
    await row(page, "Recently finished", failedJob).getByText("succeeded_dry_run", { exact: true }).waitFor();
    // Its row, and the button with it, went: focus is on what the retry did.
    await focusedOn(page, '[data-testid="retry-outcome"]', "what the retry did");
    // Each section is a listener of its own: the failures' may land a moment after the finished one's.
    await failure.waitFor({ state: "detached", timeout: 5_000 }).catch((err: unknown) => {
      throw new Error("the retried job is still listed as a failure", { cause: err });
    });
  });

  await step("a waiting job a client already asked to cancel is cancelled from the queue", async () => {
    waitingJob = `browser-deferred-${Date.now()}`;
    const now = new Date();
    // What the engine writes for a job waiting for a family lock, whose creator then asked to cancel it (the
    // engine would cancel it at its next lease; an operator's cancel does it at once).
    await writeAsEngine(
      `catalog_jobs/${waitingJob}`,
      engineJob(now, {
        type: "FAMILY_NORMALIZE",
        status: "deferred",
        payload: { mode: "dry_run", family_slug: "squat" },
        lease_epoch: 1,
        run_after: new Date(now.getTime() + 3_600_000),
        error: { code: "LOCK_HELD", message: "family squat is locked by another job", transient: true },
        cancel_requested: true,
      }),
    );
    const waiting = row(page, "Waiting", waitingJob);
    await waiting.locator('[data-testid="error-cell"]', { hasText: "LOCK_HELD family squat is locked by another job" }).waitFor();
    // The client's request shows in the row, as on the job's page.
    await waiting.getByTestId("cancel-requested").getByText("cancel requested (it is cancelled instead of run)").waitFor();
    await shoot(page, "queue-waiting-laptop");
    // One click only arms it: a cancel stops a run for good, so it asks first, as Revert does.
    await waiting.getByRole("button", { name: `Cancel job ${waitingJob}`, exact: true }).click();
    await waiting
      .getByTestId("armed-hint")
      .getByText(`Confirm cancel job ${waitingJob}? Press the button again within 5 seconds; Escape withdraws.`)
      .waitFor();
    const armedStatus: unknown = (await fromServer(client.db, () => getDocFromServer(doc(client.db, "catalog_jobs", waitingJob)))).data()
      ?.status;
    if (armedStatus !== "deferred") throw new Error(`one click on Cancel cancelled the job: ${String(armedStatus)}`);
    await shoot(page, "queue-cancel-armed-laptop");
    await waiting.getByRole("button", { name: `Confirm cancel job ${waitingJob}`, exact: true }).click();
    await row(page, "Recently finished", waitingJob).getByText("cancelled", { exact: true }).waitFor();
    await page.getByTestId("cancel-notice").getByText(`Job ${waitingJob} is cancelled.`, { exact: true }).waitFor();
    await page.getByTestId("cancel-notice").locator("code", { hasText: waitingJob }).waitFor();
    await focusedOn(page, '[data-testid="cancel-outcome"]', "what the cancel did");
    await waiting.waitFor({ state: "detached", timeout: 5_000 }).catch((err: unknown) => {
      throw new Error("the cancelled job is still waiting", { cause: err });
    });
  });

  await step("a long job id or waiting reason leaves the queue's actions in sight on a laptop", async () => {
    longJob = `browser-long-${Date.now()}-${"x".repeat(60)}-${"averyveryverylongsegmentwithoutanybreakopportunity".repeat(2)}`;
    longReasonJob = `browser-long-reason-${Date.now()}`;
    const now = new Date();
    const inAnHour = new Date(now.getTime() + 3_600_000);
    await writeAsEngine(
      `catalog_jobs/${longJob}`,
      engineJob(now, {
        type: "QUALITY_SCAN",
        status: "running",
        queue: "maintenance",
        payload: { mode: "dry_run" },
        attempts: 1,
        lease_epoch: 1,
        lease_owner: "worker-browser-test",
        lease_expires_at: inAnHour,
        started_at: now,
        run_after: now,
        progress: { done: 37, total: 120 },
      }),
    );
    // A reason as long as a path, with no space to wrap at for most of it.
    const pathLike = `${"path/to/some/deeply/nested/resource/".repeat(4)}that-could-not-be-found-after-retrying-many-times`;
    await writeAsEngine(
      `catalog_jobs/${longReasonJob}`,
      engineJob(now, {
        type: "FAMILY_NORMALIZE",
        status: "deferred",
        payload: { mode: "dry_run", family_slug: "squat" },
        lease_epoch: 1,
        run_after: inAnHour,
        error: { code: "LOCK_HELD", message: `family squat is locked by another job reading ${pathLike}`, transient: true },
      }),
    );
    await row(page, "Running", longJob).getByRole("button", { name: "Cancel" }).waitFor();
    await row(page, "Waiting", longReasonJob).getByRole("button", { name: "Cancel" }).waitFor();
    const outOfSight: string[] = [];
    for (const viewport of [LAPTOP, SMALL_LAPTOP]) {
      await page.setViewportSize(viewport);
      outOfSight.push(...(await actionsOutOfSight(page)).map((jobId) => `${jobId} at ${viewport.width} px`));
    }
    await page.setViewportSize(LAPTOP);
    if (outOfSight.length > 0) throw new Error(`actions out of sight: ${outOfSight.join(", ")}`);
    await shoot(page, "queue-long-laptop");
  });

  await step("a job intake rejected offers no retry, and its page says to write a new job", async () => {
    // FAMILY_AUDIT needs a family: intake fails the document INVALID_JOB, and the engine could not parse it to retry.
    const rejectedJob = await submit(client, { type: "FAMILY_AUDIT", payload: {} });
    const failure = row(page, "Recent failures (24 h)", rejectedJob);
    await failure.getByText("INVALID_JOB", { exact: true }).waitFor();
    // In the words of the engine's refusal of its retry.
    await failure.getByText("rejected at intake as INVALID_JOB: write a new job").waitFor();
    if ((await failure.getByRole("button").count()) > 0) throw new Error("a job intake rejected offers an action");
    await failure.getByRole("link").click();
    const view = page.getByTestId("job-view");
    await view.getByText(/^Intake rejected this job/).waitFor();
    if ((await view.getByText("No attempt has started yet.").count()) > 0) throw new Error("a rejected job waits for an attempt");
    if ((await view.getByRole("button", { name: "Retry" }).count()) > 0) throw new Error("a job intake rejected offers Retry");
    // Intake gave it no lane, priority or maximum of attempts, and it runs in no mode: none is made up.
    const facts = await view.locator(".facts dd").allTextContents();
    if (facts[0] !== "—" || facts[1] !== "—" || facts[2] !== "0 of —") throw new Error(`the rejected job's facts: ${facts.join(" | ")}`);
    // Every part of the page read (the attempts too), for the screenshot.
    await page.waitForFunction(() => document.querySelector('main [aria-busy="true"]') === null);
    await shoot(page, "job-rejected-laptop");
    await page.goto(`${CONSOLE_URL}#/queue`);
  });

  await step("a job cancelled before intake, its request invalid, says it never runs and why it offers no Retry", async () => {
    const cancelledJob = `browser-cancelled-before-intake-${Date.now()}`;
    const now = new Date();
    // What JobQueue.cancelJob leaves of a client's document intake had not taken in, whose request does not pass
    // validation (FAMILY_AUDIT needs a family): no run_after, and no error to say why it stays so.
    await writeAsEngine(`catalog_jobs/${cancelledJob}`, {
      type: "FAMILY_AUDIT",
      payload: {},
      status: "cancelled",
      cancel_requested: true,
      error: null,
      attempts: 0,
      lease_epoch: 0,
      created_by: client.uid,
      created_at: now,
      updated_at: now,
      finished_at: now,
    });
    await page.goto(`${CONSOLE_URL}#/job/${cancelledJob}`);
    const view = page.getByTestId("job-view").and(page.locator('[data-status="cancelled"]'));
    await view
      .getByTestId("never-runs")
      .getByText(/^This job was cancelled before intake took it in/)
      .waitFor();
    await view
      .getByTestId("never-runs")
      .getByText(/Retry is not offered/)
      .waitFor();
    await view.getByText("None: intake never took this job in (see above).").waitFor();
    await view.getByText("None: the job ended without a result.").waitFor();
    if ((await view.getByText("No attempt has started yet.").count()) > 0) throw new Error("a job that never runs waits for an attempt");
    if ((await view.getByRole("button", { name: "Retry" }).count()) > 0) throw new Error("a job never taken in offers Retry");
    await shoot(page, "job-cancelled-before-intake-laptop");
    await page.goto(`${CONSOLE_URL}#/queue`);
  });

  await step("a shard whose parent has ended offers no retry of its own: the parent's retry requeues it", async () => {
    const parentJob = `browser-parent-${Date.now()}`;
    const shardJob = `${parentJob}-shard-0`;
    const now = new Date();
    const failedAt = (fields: Record<string, unknown>) =>
      engineJob(now, {
        status: "failed",
        attempts: 1,
        lease_epoch: 2,
        run_after: now,
        finished_at: now,
        error: { code: "LLM_UNAVAILABLE", message: "the model did not answer", transient: false },
        ...fields,
      });
    await writeAsEngine(
      `catalog_jobs/${parentJob}`,
      failedAt({
        type: "CATALOG_ENRICH_FIELD",
        payload: { mode: "dry_run", field: "description" },
        shards: { total: 1, done: 1, succeeded: 0, failed: 1 },
      }),
    );
    await writeAsEngine(
      `catalog_jobs/${shardJob}`,
      failedAt({ type: "CATALOG_ENRICH_FIELD_SHARD", payload: { mode: "dry_run", field: "description" }, parent_job_id: parentJob }),
    );
    const failure = row(page, "Recent failures (24 h)", shardJob);
    await failure.getByTestId("retry-parent").locator(`a[href="#/job/${parentJob}"]`).waitFor();
    if ((await failure.getByRole("button").count()) > 0) throw new Error("a shard whose parent has ended offers an action in the queue");
    await row(page, "Recent failures (24 h)", parentJob)
      .getByRole("button", { name: `Retry job ${parentJob}`, exact: true })
      .waitFor();
    await page.goto(`${CONSOLE_URL}#/job/${shardJob}`);
    const view = page.getByTestId("job-view");
    await view.getByTestId("retry-parent").locator(`a[href="#/job/${parentJob}"]`).waitFor();
    if ((await view.getByRole("button", { name: "Retry" }).count()) > 0) throw new Error("a shard whose parent has ended offers Retry");
    // The parent's progress over its children, its bar named for a screen reader by the job it measures.
    await page.goto(`${CONSOLE_URL}#/job/${parentJob}`);
    await page.getByRole("progressbar", { name: `Progress of job ${parentJob}`, exact: true }).waitFor();
    await page.goto(`${CONSOLE_URL}#/queue`);
  });

  await step("an address whose job id does not decode, or is one Firestore reserves, shows the queue", async () => {
    for (const id of ["%E0", "__x__"]) {
      await page.goto(`${CONSOLE_URL}#/job/${id}`);
      await page.getByRole("heading", { name: "Queue now" }).waitFor({ timeout: 10_000 });
    }
  });

  await step("a job whose read Firestore refuses is still named above the refusal", async () => {
    const denyAll =
      "rules_version = '2';\nservice cloud.firestore { match /databases/{database}/documents { match /{document=**} { allow read, write: if false; } } }";
    await underRules(denyAll, async () => {
      await page.goto(`${CONSOLE_URL}#/job/${appliedJob}`);
      const refusal = page.getByRole("alert").getByText(`Could not load job ${appliedJob}: Firestore refused to let this account read it`);
      await refusal.waitFor();
      const heading = page.getByRole("heading", { level: 1, name: `Job ${appliedJob}` });
      await heading.waitFor({ timeout: 5_000 });
      if ((await heading.boundingBox())!.y > (await refusal.boundingBox())!.y) throw new Error("the job's heading is below the refusal");
      await shoot(page, "job-refused-laptop");
    });
    await page.goto(`${CONSOLE_URL}#/queue`);
  });

  await step("a job with more attempts and changes than the page shows says so, and reads what the engine shrank", async () => {
    const manyJob = `browser-many-${Date.now()}`;
    const now = new Date();
    const at = (epoch: number) => new Date(now.getTime() - (100 - epoch) * 60_000);
    const epochs = Array.from({ length: 51 }, (_, i) => i + 1);
    const llmCall = {
      task: "repair",
      model: "gemini-2.5-flash",
      input_tokens: 10,
      output_tokens: 5,
      estimated_cost_usd: 0.001,
      latency_ms: 200,
    };
    const writes = [
      ...epochs.map(
        (epoch) => () =>
          writeAsEngine(`catalog_jobs/${manyJob}/attempts/${epoch}`, {
            job_id: manyJob,
            attempt: 1,
            worker_id: "w1",
            lease_epoch: epoch,
            started_at: at(epoch),
            finished_at: at(epoch),
            status: "needs_review",
            // The latest attempt's log: as many events as the engine keeps, an apply result too large to store,
            // and LLM calls cut to fit the record (the engine keeps its first half and says how many there were).
            llm_calls: epoch === 51 ? Array.from({ length: 2 }, () => llmCall) : [],
            events: epoch === 51 ? Array.from({ length: 500 }, (_, i) => ({ at: at(epoch), event: `step_${i}` })) : [],
            // Its repair rounds cut too: the engine halves the largest list, whichever it is.
            repairs:
              epoch === 51
                ? [1, 2, 3].map((round) => ({
                    round,
                    errors: [{ code: "SLUG_COLLISION", message: "taken", operation_index: 0, path: "alias_slug" }],
                    operations_returned: 1,
                    errors_after: 1,
                  }))
                : [],
            ...(epoch === 51 ? { apply_result: { truncated: true, bytes: 250_000 }, lists_cut: { llm_calls: 4, repairs: 6 } } : {}),
            error: null,
          }),
      ),
      ...Array.from(
        { length: 101 },
        (_, i) => () =>
          writeAsEngine(`catalog_changes/${manyJob}-change-${i}`, {
            job_id: manyJob,
            job_type: "SCHEMA_CLEANUP",
            op: "remove_fields",
            rationale: "deprecated field",
            targets: [`exercises/e${i}`],
            documents: [],
            status: "applied",
            // Written last first: the page must order them by when they were applied.
            applied_at: at(100 - i),
          }),
      ),
    ];
    for (let i = 0; i < writes.length; i += 20) await Promise.all(writes.slice(i, i + 20).map((write) => write()));
    await writeAsEngine(
      `catalog_jobs/${manyJob}`,
      engineJob(now, {
        type: "SCHEMA_CLEANUP",
        status: "needs_review",
        payload: { mode: "apply", fields_to_remove: ["legacy_notes"] },
        attempts: 1,
        lease_epoch: 51,
        run_after: at(51),
        finished_at: now,
      }),
    );
    await page.goto(`${CONSOLE_URL}#/job/${manyJob}`);
    // The earlier attempts are left to History, which the note links to, filtered to the job's runs.
    const toHistory = page.getByTestId("attempts-more").getByRole("link");
    if ((await toHistory.getAttribute("href")) !== jobHistoryAddress(manyJob))
      throw new Error(`the earlier attempts' note links to ${await toHistory.getAttribute("href")}`);
    await page.getByTestId("changes-more").waitFor();
    const attempts = await page.locator("details.attempt").count();
    const changes = await page.locator("[data-change]").count();
    if (attempts !== 50 || changes !== 100) throw new Error(`shown: ${attempts} attempts, ${changes} changes`);
    // The latest 100, newest first (the order they are reverted in): the one applied first (written last) is left out.
    const changeIds = () => page.locator("[data-change]").evaluateAll((nodes) => nodes.map((node) => node.getAttribute("data-change")));
    const newestFirst = await changeIds();
    if (newestFirst[0] !== `${manyJob}-change-0` || newestFirst.includes(`${manyJob}-change-100`))
      throw new Error(`changes shown out of order: ${newestFirst.slice(0, 3).join(", ")} …`);
    // The journal's end: the last changes of the latest 100, saying the job wrote more, with Show more.
    await page.getByTestId("changes-more").evaluate((element) => element.scrollIntoView({ block: "end" }));
    await page.screenshot({ path: `${RESULTS}job-bounded-journal-laptop.png` });
    // Offline, Show more waits for the connection: a listener reading more could answer only from the cache, which
    // dropped the changes shown when their listener stopped. It keeps the focus meanwhile (a disabled button loses it).
    const showMore = page.getByTestId("changes-more").getByRole("button", { name: "Show more" });
    await showMore.focus();
    await context.setOffline(true);
    const waitsForConnection = page.getByTestId("changes-more").getByTestId("waits-for-connection");
    await waitsForConnection.getByText("Not connected: more can be shown once the console reconnects.", { exact: true }).waitFor();
    if (!(await showMore.isDisabled())) throw new Error("offline, Show more is offered");
    await focusedOn(page, '[data-testid="changes-more"] button', "Show more, waiting for the connection");
    await context.setOffline(false);
    await waitsForConnection.waitFor({ state: "detached" });
    await page.keyboard.press("Enter");
    await page.getByTestId("changes-more").getByText("All of the job's 101 changes are shown.", { exact: true }).waitFor();
    const all = await changeIds();
    if (all.length !== 101 || all[100] !== `${manyJob}-change-100`)
      throw new Error(`after Show more: ${all.length} changes, the last ${all.at(-1)}`);
    // Its button stays, doing nothing now, with the focus: gone with the last of them, it would drop it to the page.
    if (!(await showMore.isDisabled())) throw new Error("all shown, Show more is offered");
    await focusedOn(page, '[data-testid="changes-more"] button', "Show more, all shown");
    // The latest attempt is the one open, its apply result as its size and its events as cut at the engine's limit.
    const latest = page.locator("details.attempt[open]");
    await latest.getByText("epoch 51").waitFor();
    // Newest first, as the journal, each told apart by its epoch where attempts share a number.
    const labels = await page.locator("details.attempt").getByTestId("attempt-label").allTextContents();
    if (labels[0] !== "#1 (epoch 51)" || labels[1] !== "#1 (epoch 50)" || labels.at(-1) !== "#1 (epoch 2)")
      throw new Error(`attempts shown as ${labels.slice(0, 2).join(", ")} … ${labels.at(-1)}`);
    await latest.getByText("Too large to store (250 kB)").waitFor();
    await latest.getByTestId("list-limit").waitFor();
    await latest.getByTestId("list-cut").getByText("its first 2 of 4 LLM calls are kept").waitFor();
    await latest.getByTestId("list-cut").getByText("its first 3 of 6 repair rounds are kept").waitFor();
    if ((await latest.locator("pre.json", { hasText: "truncated" }).count()) > 0) throw new Error("the shrunk apply result shows as JSON");
    await shootFrom(page, page.getByRole("heading", { name: "Attempts", exact: true }), "job-bounded-attempts-laptop");
    await shootFrom(page, latest.getByRole("heading", { name: "Apply result" }), "job-attempt-cut-laptop");
    await page.goto(`${CONSOLE_URL}#/queue`);
  });

  await step("a job holding a frozen plan shows it, and a cancel only asks it to stop", async () => {
    const frozenJob = `browser-frozen-${Date.now()}`;
    const now = new Date();
    const minutesAgo = (minutes: number) => new Date(now.getTime() - minutes * 60_000);
    // What the engine leaves when an attempt froze its plan and then lost its lease: the next attempt finishes the plan.
    await writeAsEngine(`catalog_jobs/${frozenJob}/plans/p1`, {
      plan_id: "p1",
      lease_epoch: 1,
      saved_at: minutesAgo(1),
      plan: {
        job_type: "FAMILY_NORMALIZE",
        summary: "normalise the squat family",
        operations: [
          // As the engine rates them (apply/plan.ts operationRisk): a rename changes what clients find under a name.
          { op: "rename_exercise", exercise_id: "squat__squat-barbell", rationale: "the family's naming pattern", risk: "medium" },
          {
            op: "upsert_alias",
            alias_slug: "barbell-squat",
            exercise_id: "squat__squat-barbell",
            rationale: "keep the old slug",
            risk: "low",
          },
        ],
      },
      expectations: [{ target: "exercises/squat__squat-barbell" }],
      summary: { mode: "apply", operations: 1 },
    });
    const leaseExpired = { code: "LEASE_EXPIRED", message: "the worker stopped renewing its lease", transient: true };
    // The watchdog closed the lost attempt's log when it took the lease back.
    await writeAsEngine(`catalog_jobs/${frozenJob}/attempts/1`, {
      job_id: frozenJob,
      attempt: 1,
      worker_id: "worker-that-died",
      lease_epoch: 1,
      started_at: minutesAgo(2),
      finished_at: now,
      status: "lease_expired",
      llm_calls: [],
      events: [],
      error: leaseExpired,
    });
    await writeAsEngine(
      `catalog_jobs/${frozenJob}`,
      engineJob(now, {
        type: "FAMILY_NORMALIZE",
        status: "queued",
        created_at: minutesAgo(3),
        payload: { mode: "apply", family_slug: "squat" },
        attempts: 1,
        lease_epoch: 1,
        run_after: new Date(now.getTime() + 3_600_000),
        plan_id: "p1",
        error: leaseExpired,
      }),
    );
    // The plan's first operation was applied before the lease was lost: the job will finish the plan, so
    // its change cannot be reverted yet (the engine refuses JOB_STILL_OPEN; the console offers no button).
    await writeAsEngine(`catalog_changes/${frozenJob}-change-0`, {
      job_id: frozenJob,
      job_type: "FAMILY_NORMALIZE",
      op: "rename_exercise",
      rationale: "the family's naming pattern",
      targets: ["exercises/squat__squat-barbell"],
      documents: [],
      status: "applied",
      applied_at: minutesAgo(1),
    });
    await page.goto(`${CONSOLE_URL}#/job/${frozenJob}`);
    const frozen = page.getByTestId("frozen-plan");
    await frozen.getByText("rename_exercise").waitFor();
    await frozen.getByText("the family's naming pattern").waitFor();
    // Each operation names its own subject: the alias by its slug, with the exercise it points at.
    await frozen.getByText("barbell-squat → squat__squat-barbell", { exact: true }).waitFor();
    await page.getByTestId("revert-after-job").waitFor();
    if ((await page.locator("[data-change]").getByRole("button", { name: "Revert" }).count()) > 0)
      throw new Error("a change of a job still open offers a Revert button");
    await page.getByTestId("job-view").getByText("attempt 1 started on worker-that-died (epoch 1)").waitFor();
    await shoot(page, "job-frozen-plan-laptop");
    await page.getByTestId("job-view").getByRole("button", { name: "Cancel" }).click();
    await page.getByTestId("job-view").getByRole("button", { name: "Confirm cancel" }).click();
    await page.getByText("requested (the frozen plan is finished first)").waitFor();
    if ((await page.getByTestId("job-view").getByRole("button", { name: "Cancel" }).count()) > 0)
      throw new Error("a job asked to stop still offers Cancel");
    const status: unknown = (await fromServer(client.db, () => getDocFromServer(doc(client.db, "catalog_jobs", frozenJob)))).data()?.status;
    if (status !== "queued") throw new Error(`a job with a frozen plan was cancelled at once: ${String(status)}`);
  });

  await step("history lists the runs and filters by type", async () => {
    await page.getByRole("link", { name: "History", exact: true }).click();
    await titled(page, "Run history · Catalog Jobs");
    await focusedOn(page, "main h1", "the history's heading");
    const table = page.getByTestId("history-table");
    await table.locator("tbody tr").first().waitFor();
    const typeCellsSelector = '[data-testid="history-table"] tbody tr td:nth-child(3)';
    const typeCells = page.locator(typeCellsSelector);
    const unfiltered = await typeCells.allTextContents();
    if (unfiltered.every((t) => t === "FAMILY_AUDIT")) throw new Error(`no other type to filter out: ${unfiltered.join(", ")}`);
    await page.getByTestId("history-filters").getByLabel("Type").selectOption("FAMILY_AUDIT");
    await page.getByRole("button", { name: "Filter" }).click();
    // The failed audit is in the unfiltered table too: wait for the filtered page itself, which replaces
    // the table (shown until it comes), before reading its rows.
    await page
      .waitForFunction((selector) => {
        const cells = [...document.querySelectorAll(selector)];
        return cells.length > 0 && cells.every((cell) => cell.textContent === "FAMILY_AUDIT");
      }, typeCellsSelector)
      .catch(async (err: unknown) => {
        throw new Error(`filtered rows: ${(await typeCells.allTextContents()).join(", ")}`, { cause: err });
      });
    await table.locator(`a[href="#/job/${failedJob}"]`).first().waitFor();
    // The failed job ran twice, as attempt 1 each time (the retry started its count again): the epochs tell the runs apart
    // (the retry moved the epoch on, and the second lease again).
    const runs = await table
      .locator("tbody tr", { has: page.locator(`a[href="#/job/${failedJob}"]`) })
      .getByTestId("run-attempt")
      .allTextContents();
    if (runs.sort().join(" | ") !== "#1 | #1 (epoch 3)") throw new Error(`the retried job's runs: ${runs.join(" | ")}`);
    // A failed run's error reads whole, its message with its code, as in the queue.
    const error = table
      .locator('[data-testid="error-cell"]', { hasText: `FAMILY_NOT_FOUND family ${UNKNOWN_FAMILY} has no exercises` })
      .first();
    await error.waitFor();
    // Whole on a laptop's screen, with no column to scroll sideways to.
    const inSight = await error.evaluate((cell) => {
      const box = cell.getBoundingClientRect();
      const scroller = cell.closest(".overflow-auto")!;
      return box.left >= 0 && box.right <= scroller.getBoundingClientRect().right && scroller.scrollWidth <= scroller.clientWidth;
    });
    if (!inSight) throw new Error("a run's error lies beyond the history table's edge on a laptop");
    // On a phone the table scrolls sideways: the error keeps to the part of it in sight, wherever it is scrolled to.
    await page.setViewportSize(PHONE);
    const scrolledTo = (where: "start" | "end") =>
      error.evaluate((cell, to) => {
        const scroller = cell.closest(".overflow-auto")!;
        scroller.scrollLeft = to === "start" ? 0 : scroller.scrollWidth;
        return scroller.scrollWidth > scroller.clientWidth;
      }, where);
    const errorInSight = () =>
      error.evaluate((cell) => {
        const text = document.createRange();
        text.selectNodeContents(cell);
        const box = text.getBoundingClientRect();
        const sight = cell.closest(".overflow-auto")!.getBoundingClientRect();
        return box.left >= sight.left && box.right <= sight.right;
      });
    for (const where of ["start", "end"] as const) {
      if (!(await scrolledTo(where))) throw new Error("the history table fits a phone: nothing to scroll");
      if (!(await errorInSight()))
        throw new Error(`a run's error lies beyond the history table's edge on a phone, scrolled to its ${where}`);
    }
    await scrolledTo("start");
    await shoot(page, "history-error-phone");
    await page.setViewportSize(LAPTOP);
    await shoot(page, "history-laptop");
  });

  await step("history lists one job's runs at the job's address, and refuses a job with a type", async () => {
    await page.goto(`${CONSOLE_URL}${jobHistoryAddress(failedJob)}`);
    const filters = page.getByTestId("history-filters");
    if ((await filters.getByLabel("Job").inputValue()) !== failedJob) throw new Error("the job the address names is not the filter's");
    const jobLinks = '[data-testid="history-table"] tbody tr a[href^="#/job/"]';
    // Its two runs (failed, then retried), and no other job's.
    await page
      .waitForFunction(
        ({ selector, want }) => [...document.querySelectorAll(selector)].map((link) => link.getAttribute("href")).join(" ") === want,
        { selector: jobLinks, want: `#/job/${failedJob} #/job/${failedJob}` },
      )
      .catch(async (err: unknown) => {
        const shown = await page.locator(jobLinks).evaluateAll((links) => links.map((link) => link.getAttribute("href")));
        throw new Error(`runs of job ${failedJob}: ${shown.join(", ")}`, { cause: err });
      });
    await filters.getByLabel("Type").selectOption("FAMILY_AUDIT");
    await page.getByRole("button", { name: "Filter" }).click();
    await page
      .getByTestId("history-refused")
      .getByText(/^Job is not combined with Type, Status or Family/)
      .waitFor();
    await shoot(page, "history-job-laptop");
    await page.goto(`${CONSOLE_URL}#/history`);
  });

  await step("history reads again when Filter is pressed with the filters unchanged", async () => {
    const laterJob = await submit(client, { type: "FAMILY_AUDIT", payload: { family_slug: "squat" } });
    await ended(client, laterJob);
    const table = page.getByTestId("history-table");
    if ((await table.locator(`a[href="#/job/${laterJob}"]`).count()) > 0) throw new Error("the history read again by itself");
    await page.getByRole("button", { name: "Filter" }).click();
    await table.locator(`a[href="#/job/${laterJob}"]`).waitFor({ timeout: 10_000 });
  });

  await step("history refuses a date range that ends before it starts, rather than find no run", async () => {
    const filters = page.getByTestId("history-filters");
    const shown = await page.getByTestId("history-table").locator("tbody tr").count();
    await filters.getByLabel("From (UTC)").fill("2026-12-05");
    await filters.getByLabel("To (UTC)").fill("2026-12-01");
    await page.getByRole("button", { name: "Filter" }).click();
    await page.getByTestId("history-refused").getByText("To 2026-12-01 is before From 2026-12-05: the filters were not applied").waitFor();
    if ((await page.getByText("No run matches.").count()) > 0) throw new Error("the refused range was read");
    if ((await page.getByTestId("history-table").locator("tbody tr").count()) !== shown) throw new Error("the table changed");
    await shoot(page, "history-refused-laptop");
    await filters.getByLabel("From (UTC)").fill("");
    await filters.getByLabel("To (UTC)").fill("");
  });

  await step("history filters by family: every run whose job's payload names it, under any key", async () => {
    // A merge names its families in merge_config, not under family_slug.
    await page.goto(`${CONSOLE_URL}#/queue`);
    const mergeJob = await submit(client, {
      type: "FAMILY_MERGE",
      payload: { mode: "dry_run", merge_config: { source_family: UNKNOWN_FAMILY, target_family: "squat" } },
    });
    await row(page, "Recently finished", mergeJob).waitFor();
    await page.goto(`${CONSOLE_URL}#/history`);
    await page.getByTestId("history-table").locator("tbody tr").first().waitFor();
    await page.getByTestId("history-filters").getByRole("textbox", { name: "Family" }).fill(UNKNOWN_FAMILY);
    await page.getByRole("button", { name: "Filter" }).click();
    const expected = [failedJob, failedJob, mergeJob].sort().join(" ");
    const jobLinks = '[data-testid="history-table"] tbody tr a[href^="#/job/"]';
    await page
      .waitForFunction(
        ({ selector, want }) =>
          [...document.querySelectorAll(selector)]
            .map((link) => link.getAttribute("href")!.slice("#/job/".length))
            .sort()
            .join(" ") === want,
        { selector: jobLinks, want: expected },
      )
      .catch(async (err: unknown) => {
        const shown = await page.locator(jobLinks).evaluateAll((links) => links.map((link) => link.getAttribute("href")));
        throw new Error(`runs of ${UNKNOWN_FAMILY}: ${shown.join(", ")}; expected ${expected}`, { cause: err });
      });
  });

  await step("history's Next and Previous keep the focus, the page shown until the next one is read", async () => {
    const pagedJob = `browser-paged-${Date.now()}`;
    // One run more than a page holds, finished long before the days the other views show.
    const longAgo = Date.now() - 100 * 24 * 3_600_000;
    await Promise.all(
      Array.from({ length: 26 }, (_, i) =>
        writeAsEngine(`${COLLECTIONS.runSummaries}/${pagedJob}-${i}`, {
          job_id: pagedJob,
          attempt: 1,
          lease_epoch: i + 1,
          type: "FAMILY_AUDIT",
          attempt_status: "failed",
          job_status: "failed",
          mode: "dry_run",
          worker_id: "w1",
          started_at: new Date(longAgo + i * 60_000),
          finished_at: new Date(longAgo + i * 60_000 + 1_000),
          duration_ms: 1_000,
          changes_count: 0,
          changes_preview: [],
          error: null,
          llm: null,
        }),
      ),
    );
    await page.goto(`${CONSOLE_URL}${jobHistoryAddress(pagedJob)}`);
    const rows = page.getByTestId("history-table").locator("tbody tr");
    const pager = page.locator("nav.pager");
    const pageSaid = pager.locator("small");
    await pageSaid.getByText("Page 1", { exact: true }).waitFor();
    if ((await rows.count()) !== 25) throw new Error(`the first page: ${await rows.count()} runs`);
    // By the keyboard, as the focus is what it moves.
    await pager.getByRole("button", { name: "Next" }).focus();
    await page.keyboard.press("Enter");
    await pageSaid.getByText("Page 2", { exact: true }).waitFor();
    if ((await rows.count()) !== 1) throw new Error(`the second page: ${await rows.count()} runs`);
    // The last page's Next does nothing, and still has the focus.
    if (!(await pager.getByRole("button", { name: "Next" }).isDisabled())) throw new Error("the last page offers Next");
    await focusedOn(page, "nav.pager button:last-child", "Next");
    await page.keyboard.press("Shift+Tab");
    await page.keyboard.press("Enter");
    await pageSaid.getByText("Page 1", { exact: true }).waitFor();
    await focusedOn(page, "nav.pager button:first-child", "Previous");
    await shoot(page, "history-paged-laptop");
  });

  await step("days show today's totals and charts", async () => {
    await page.getByRole("link", { name: "Days", exact: true }).click();
    const today = new Date().toISOString().slice(0, 10);
    const todayRow = page.getByTestId("daily-totals").locator("tr", { hasText: today });
    await todayRow.waitFor();
    // The heading shown while the view's code loaded handed the focus on to the view's own.
    await focusedOn(page, "main h1", "the days' heading");
    const runs = Number(await todayRow.locator("td").nth(1).textContent());
    if (!(runs >= 4)) throw new Error(`today's runs: ${runs}`);
    await page.locator("canvas").nth(3).waitFor();
    if ((await page.locator("canvas").count()) !== 4) throw new Error("expected four charts");
    // Each chart's data as a table too: today's runs by status add up to its runs.
    const byStatus = page.locator("details.chart-data", { hasText: "Runs by status per day, as a table" });
    await byStatus.locator("summary").click();
    const todayByStatus = await byStatus
      .locator("tr", { has: page.locator("th", { hasText: today.slice(5) }) })
      .locator("td")
      .allTextContents();
    if (todayByStatus.reduce((sum, cell) => sum + Number(cell), 0) !== runs)
      throw new Error(`today's runs by status in the chart's table: ${todayByStatus.join(", ")}; ${runs} runs`);
    if ((await page.locator("details.chart-data").count()) !== 4) throw new Error("a chart without its data as a table");
    await shootFrom(page, byStatus, "days-chart-table-laptop");
    await byStatus.locator("summary").click();
    // Every job type in the legend, each in a colour of its own, and each a toggle of its series.
    const legend = page.getByTestId("legend-by_type");
    const swatches = await legend.locator(".swatch").evaluateAll((nodes) => nodes.map((node) => getComputedStyle(node).backgroundColor));
    if (swatches.length !== JOB_TYPES.length || new Set(swatches).size !== JOB_TYPES.length)
      throw new Error(`the types' legend: ${swatches.length} entries in ${new Set(swatches).size} colours`);
    const audits = legend.getByRole("button", { name: /^FAMILY_AUDIT / });
    await audits.click();
    if ((await audits.getAttribute("aria-pressed")) !== "false") throw new Error("the legend's FAMILY_AUDIT does not hide its series");
    await shoot(page, "days-laptop");
    await audits.click();
    // A type without runs has nothing to hide: its toggle does nothing, and keeps the focus (a disabled one loses it,
    // as a toggle pressed would when another range takes its runs away).
    const noRuns = legend.getByRole("button", { name: / 0$/ }).first();
    await noRuns.focus();
    await page.keyboard.press("Enter");
    if (!(await noRuns.isDisabled())) throw new Error("the legend offers to hide a type without runs");
    if ((await noRuns.getAttribute("aria-pressed")) !== "true") throw new Error("the legend hid a type without runs");
    await focusedOn(page, '[data-testid="legend-by_type"] button[aria-disabled="true"]', "the legend's toggle of a type without runs");
  });

  await step("every view fits a phone", async () => {
    await page.setViewportSize(PHONE);
    for (const [name, hash] of [
      ["queue", "#/queue"],
      ["job", `#/job/${appliedJob}`],
      ["job-long-id", `#/job/${encodeURIComponent(longJob)}`],
      ["history", "#/history"],
      ["days", "#/days"],
    ] as const) {
      await page.goto(`${CONSOLE_URL}${hash}`);
      await page.locator("main h1").first().waitFor();
      await page.waitForFunction(() => document.querySelector('main [aria-busy="true"]') === null);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      if (overflow > 1) throw new Error(`the ${name} view is ${overflow}px wider than the phone`);
      if ((await page.locator("h1").count()) !== 1) throw new Error(`the ${name} view has ${await page.locator("h1").count()} h1 headings`);
      // A table's actions are in sight without scrolling it sideways.
      const outOfSight = await actionsOutOfSight(page);
      if (outOfSight.length > 0) throw new Error(`the ${name} view's actions out of sight on a phone: ${outOfSight.join(", ")}`);
      await shoot(page, `${name}-phone`);
    }
    // The queue's lists hold nothing of the browser test's own any more: the offline journey needs them empty.
    await deleteAsEngine(`catalog_jobs/${longJob}`);
    await deleteAsEngine(`catalog_jobs/${longReasonJob}`);
  });

  await context.close();
}

/** Statements of absence the views make from what the server answered; never from the cache alone. */
const ABSENCES = [
  "Nothing is running.",
  "No job is waiting.",
  "No failures in the last 24 hours.",
  "No job finished in the last 24 hours.",
  "No run matches.",
  "There is no such job",
  "Its record was deleted",
  "No attempt has started yet.",
  "No attempt log is stored for this job.",
  "This job has written no change to the catalog.",
];

async function saysNothingAbsent(page: Page, where: string): Promise<void> {
  for (const absence of ABSENCES)
    if ((await page.getByText(absence).count()) > 0) throw new Error(`${where}, offline, says "${absence}" from the cache alone`);
}

/**
 * In a context of its own, which goes offline; in another time zone, whose offset every local time then says. A
 * job the queue does not read (it finished days ago) is one the cache never held.
 */
async function offlineJourney(browser: Browser): Promise<void> {
  const context = await browser.newContext({ viewport: LAPTOP, timezoneId: "Asia/Kolkata" });
  const page = await context.newPage();
  page.setDefaultTimeout(30_000);
  const oldJob = `browser-old-${Date.now()}`;
  const longAgo = new Date(Date.now() - 3 * 86_400_000);
  await writeAsEngine(
    `catalog_jobs/${oldJob}`,
    engineJob(longAgo, {
      type: "FAMILY_AUDIT",
      status: "succeeded",
      payload: { mode: "dry_run", family_slug: "squat" },
      attempts: 1,
      lease_epoch: 1,
      run_after: longAgo,
      started_at: longAgo,
      finished_at: longAgo,
    }),
  );
  const notConnected = page.getByTestId("not-connected").getByText(/^Not connected: showing cached data/);
  const go = (hash: string) => page.evaluate((to) => (window.location.hash = to), hash);

  await step("offline, the queue says it shows cached data, and says of nothing that it is absent", async () => {
    await signIn(page, "curator");
    await page.getByTestId("queue-counts").waitFor();
    await context.setOffline(true);
    await notConnected.waitFor();
    // The empty lists say it cannot be told; the others show what the cache holds.
    await page
      .getByText(/^Not connected: the cached data holds no /)
      .first()
      .waitFor();
    await saysNothingAbsent(page, "the queue");
    // Nor do its counts: a count of none the cache alone gave reads "?", and says why.
    const counts = page.getByTestId("queue-counts");
    if ((await counts.locator("td", { hasText: /^0$/ }).count()) > 0) throw new Error("the queue's counts, offline, say none of some");
    await counts.locator("td", { hasText: /^\?$/ }).first().waitFor();
    await page.getByTestId("counts-unknown").waitFor();
    await shoot(page, "queue-offline-laptop");
  });

  await step("offline, a job the cache does not hold is not said to be missing, nor history's runs, nor the days' ones", async () => {
    await go(`#/job/${oldJob}`);
    await titled(page, `Job ${oldJob} · Catalog Jobs`);
    await page.getByText(`Not connected: the cached data holds no job ${oldJob}, and whether the server does cannot be told`).waitFor();
    await notConnected.waitFor();
    // The page still names the job, and focus lands there as on any view.
    await page.getByRole("heading", { level: 1, name: `Job ${oldJob}` }).waitFor();
    await focusedOn(page, "h1.view-heading", "the offline job page's heading");
    await saysNothingAbsent(page, "the job page");
    await shoot(page, "job-offline-laptop");
    // History's one-off read answers from the cache.
    await go("#/history");
    await page.getByText("Not connected: the cached data holds no run history").waitFor();
    await notConnected.waitFor();
    await saysNothingAbsent(page, "the history");
    await go("#/days");
    await page.getByText("Not connected: the cached data holds no daily summaries").waitFor();
    await notConnected.waitFor();
    // Other days wait for the connection, as a job's Show more does.
    await page
      .getByTestId("waits-for-connection")
      .getByText("Not connected: other days can be shown once the console reconnects.", { exact: true })
      .waitFor();
    // The range's buttons do nothing, and keep the focus (a disabled one loses it, as one pressed would when the connection drops).
    const sevenDays = page.getByRole("button", { name: "7 days" });
    if (!(await sevenDays.isDisabled())) throw new Error("offline, the days' range can be changed");
    await sevenDays.focus();
    await page.keyboard.press("Enter");
    if ((await sevenDays.getAttribute("aria-pressed")) !== "false") throw new Error("offline, the days' range changed");
    await focusedOn(page, ".range button:first-child", "the 7 days button, waiting for the connection");
    if ((await page.getByText(/^No run in the last/).count()) > 0) throw new Error("the days, offline, say there was no run");
    await shoot(page, "days-offline-laptop");
  });

  await step("connected again, the job page shows the job without a reload, its times saying their offset from UTC", async () => {
    await go(`#/job/${oldJob}`);
    await context.setOffline(false);
    const view = page.getByTestId("job-view").and(page.locator('[data-status="succeeded"]'));
    await view.waitFor();
    await page
      .getByTestId("not-connected")
      .getByText(/Not connected/)
      .waitFor({ state: "detached" });
    // The browser's zone is India's: local times say so, where Days and the History filters are UTC.
    const finished = view.locator(".facts div", { hasText: "Finished" }).locator("dd");
    const shown = await finished.textContent();
    if (!shown?.endsWith(" UTC+5:30")) throw new Error(`a local time without its offset: ${shown}`);
    // It ran, and no attempt log of it is stored: none is said to be still to come.
    await view.getByText("No attempt log is stored for this job.").waitFor();
    await shoot(page, "job-reconnected-laptop");
  });

  await step("connected again, the Days view opened offline lets its range change, and reads its durations again", async () => {
    await context.setOffline(true);
    await go("#/days");
    const waits = page
      .getByTestId("waits-for-connection")
      .getByText("Not connected: other days can be shown once the console reconnects.", { exact: true });
    await waits.waitFor();
    await notConnected.waitFor();
    await context.setOffline(false);
    // The range waits for its totals' listeners alone, which the server answers again.
    await waits.waitFor({ state: "detached" });
    // The durations the cache alone gave are read again, and the server answers: nothing shown is the cache's alone.
    await page
      .getByTestId("not-connected")
      .getByText(/Not connected/)
      .waitFor({ state: "detached" });
    const sevenDays = page.getByRole("button", { name: "7 days" });
    await sevenDays.click();
    if ((await sevenDays.getAttribute("aria-pressed")) !== "true") throw new Error("connected again, the days' range does not change");
    await page.getByTestId("daily-totals").waitFor();
    await shoot(page, "days-reconnected-laptop");
  });
  await context.close();
}

/** In a context of its own: the page's clock is moved on, which the other journeys must not see. */
async function queueWindowJourney(browser: Browser): Promise<void> {
  const context = await browser.newContext({ viewport: LAPTOP });
  const page = await context.newPage();
  page.setDefaultTimeout(30_000);
  await step("the queue keeps its failures, and a retry's error, while its 24-hour window moves on", async () => {
    const unreadableJob = `browser-unreadable-${Date.now()}`;
    const now = new Date();
    // A failed job whose payload no longer parses (its type's schema changed since): the engine refuses to retry it.
    await writeAsEngine(
      `catalog_jobs/${unreadableJob}`,
      engineJob(now, {
        type: "FAMILY_AUDIT",
        status: "failed",
        payload: { mode: "dry_run" },
        attempts: 1,
        lease_epoch: 1,
        run_after: now,
        finished_at: now,
        error: { code: "FAMILY_NOT_FOUND", message: "family gone does not exist", transient: false },
      }),
    );
    await signIn(page, "curator");
    const failure = row(page, "Recent failures (24 h)", unreadableJob);
    await failure.getByRole("button", { name: "Retry" }).click();
    // Kept by the view, outside the row, which may leave the list while a retry runs.
    const refusal = page.getByTestId("retry-failure").getByRole("alert");
    await refusal.waitFor();
    // In the engine's words, without the HTTP status the SDK appends to them.
    const refused = await refusal.textContent();
    const expected =
      `Retry of job ${unreadableJob}: cannot retry job ${unreadableJob}: it is failed (the job document no longer parses ` +
      "(payload.family_slug: Invalid input: expected string, received undefined): " +
      "retry with the CLI once a deploy accepts its payload again, or write a new job)";
    if (refused !== expected) throw new Error(`the retry's refusal reads: ${refused}`);
    // The window moves on every 5 minutes: a listener of its own replaces the one before.
    const movedOn = Date.now() + 5 * 60_000;
    await page.clock.setFixedTime(movedOn);
    await page.waitForTimeout(3_000);
    if ((await page.evaluate(() => Date.now())) < movedOn) throw new Error("the page's clock did not move on");
    if (!(await refusal.isVisible())) throw new Error("the retry's error went when the window moved on");
    await shoot(page, "queue-window-laptop");
  });
  await context.close();
}

/**
 * In a context of its own, whose fetches of the Days view's chunk (Chart.js with it) fail until it lets them through:
 * the page loads without it, a curator's console fetches it ahead, and the view says why it could not load it, with
 * Try again, which shows the view loading and then the view.
 */
async function daysChunkJourney(browser: Browser): Promise<void> {
  const context = await browser.newContext({ viewport: LAPTOP });
  const page = await context.newPage();
  page.setDefaultTimeout(30_000);
  const daysChunk = /\/assets\/days-[^/]+\.js$/;
  let fetches = 0;
  await context.route(daysChunk, (route) => {
    fetches++;
    return route.abort();
  });
  await step(
    "the Days view's chunk is not the page's: fetched once a curator signs in, and one that failed says why, with Try again",
    async () => {
      await page.goto(CONSOLE_URL);
      await page.getByLabel("Email").waitFor();
      if (fetches !== 0) throw new Error("the sign-in page fetched the Days view's chunk");
      const fetchedAhead = page.waitForRequest(daysChunk);
      await signIn(page, "curator");
      await fetchedAhead;
      await page.evaluate(() => (window.location.hash = "#/days"));
      const failure = page.getByRole("alert").filter({ hasText: /^Could not load the Days view: / });
      await failure.waitFor();
      // The page keeps its heading while it has no view to bring it.
      await page.getByRole("heading", { level: 1, name: "Days (UTC)" }).waitFor();
      await shoot(page, "days-chunk-failed-laptop");
      // Let the chunk through once the view has shown it loading.
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      await context.unroute(daysChunk);
      await context.route(daysChunk, async (route) => {
        await released;
        await route.continue();
      });
      await failure.getByRole("button", { name: "Try again" }).click();
      await page.getByText("Loading the Days view…", { exact: true }).waitFor();
      release();
      await page.getByRole("heading", { level: 1, name: "Days (UTC)" }).waitFor();
      await page.getByTestId("daily-totals").waitFor();
      // Try again went with its box: the view's heading has the focus, handed on to the view's own.
      await focusedOn(page, "main h1", "the Days view's heading");
    },
  );
  await context.close();
}

async function nonCuratorJourney(browser: Browser): Promise<void> {
  const context = await browser.newContext({ viewport: PHONE });
  const page = await context.newPage();
  page.setDefaultTimeout(30_000);
  await step("a non-curator sees no actions and no engine data", async () => {
    await signIn(page, "user");
    await page.getByTestId("not-curator").waitFor();
    for (const hash of ["#/queue", "#/history", "#/days", "#/job/anything"]) {
      await page.goto(`${CONSOLE_URL}${hash}`);
      await page.getByTestId("not-curator").waitFor();
      const leaks = await page.locator("main table, main button, main canvas, [data-testid=job-view]").count();
      if (leaks !== 0) throw new Error(`${hash}: ${leaks} engine elements or actions shown`);
    }
    // It names what the account lacks (the claim: its email is verified) and how a curator gets it.
    await page.getByTestId("lacks-claim").getByText(`catalog-jobs curators grant ${ACCOUNTS.user.email}`).waitFor();
    if ((await page.getByTestId("lacks-verified-email").count()) !== 0) throw new Error("a verified email is said to be unverified");
    await shoot(page, "not-curator-phone");
  });
  await step("the claim on an unverified email makes no curator, and the console sends the verification link", async () => {
    await page.getByRole("button", { name: "Sign out" }).click();
    // Signed out for good before the next page load, which would otherwise restore the session.
    await page.getByLabel("Email").waitFor();
    // The button is gone with the view it was in: the sign-in form has the focus, at its first field.
    await focusedOn(page, 'input[name="email"]', "the sign-in form's Email field");
    await signIn(page, "unverified");
    await page.getByTestId("not-curator").waitFor();
    await focusedOn(page, '[data-testid="not-curator"] h1', "the notice's heading");
    if ((await page.locator("main table, main canvas, [data-testid=job-view]").count()) !== 0) throw new Error("engine data shown");
    // It has the claim: only the verified email is missing.
    if ((await page.getByTestId("lacks-claim").count()) !== 0) throw new Error("the claim is said to be missing");
    // Firebase Auth not reached: focus on what says so, in the words a sign-in's failure has.
    await page.route("**/accounts:sendOobCode*", (route) => route.abort());
    await page.getByRole("button", { name: "Send a verification email" }).click();
    const failure = page.getByTestId("lacks-verified-email").getByRole("alert");
    await failure.waitFor();
    await page.unroute("**/accounts:sendOobCode*");
    await focusedOn(page, '[data-testid="lacks-verified-email"] .error-text[role="alert"]', "the failed send's error");
    const said = await failure.textContent();
    if (!said?.startsWith("The console could not reach Firebase Auth (offline, or the connection dropped)"))
      throw new Error(`a verification email not sent says: ${said}`);
    await shoot(page, "unverified-send-failed-phone");
    await page.getByRole("button", { name: "Send a verification email" }).click();
    await page.getByTestId("verification-sent").getByText(`The link is on its way to ${ACCOUNTS.unverified.email}`).waitFor();
    // The button went with the sending: focus is on what says it is done.
    await focusedOn(page, '[data-testid="verification-sent"]', "the words saying the link is sent");
    await shoot(page, "unverified-phone");
  });
  await context.close();
}

async function main(): Promise<void> {
  mkdirSync(RESULTS, { recursive: true });
  await ensureAccounts();
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS });
  try {
    await curatorJourney(browser);
    await offlineJourney(browser);
    await queueWindowJourney(browser);
    await daysChunkJourney(browser);
    await nonCuratorJourney(browser);
  } finally {
    await browser.close();
  }
  console.log(`browser tests passed; screenshots in ${RESULTS}`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    if (failures === 0) console.error(err);
    process.exit(1);
  },
);
