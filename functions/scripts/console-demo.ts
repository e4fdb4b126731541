/**
 * `npm run console` runs this under the Emulator Suite: seeds the demo catalog, creates the demo
 * accounts, submits a few demo jobs as their curator would, prints where the console is and how
 * to sign in, and keeps the suite running until Ctrl-C.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { Timestamp } from "firebase-admin/firestore";
import { JOB_COLLECTIONS } from "../src/jobs/collections";
import { seedDemoCatalog } from "../src/local/seed";
import { CONSOLE_ACCOUNTS, createConsoleAccounts, initAdmin } from "./console-fixtures";

/** What a curator might submit: a dry run, a change to revert, LLM work, and a job that fails. */
const DEMO_JOBS: Record<string, unknown>[] = [
  { type: "FAMILY_AUDIT", payload: { family_slug: "bench_press" } },
  {
    type: "TARGETED_FIX",
    payload: {
      mode: "apply",
      exercise_doc_ids: ["bench_press__bench-press-barbell"],
      fix_type: "patch",
      fix_data: {
        patch: { description: "A flat bench press with a barbell, for chest, front delts and triceps; a demo patch to revert." },
      },
      reason: "console demo",
    },
  },
  { type: "ALIAS_INVARIANT_SCAN", payload: { mode: "apply" }, queue: "maintenance" },
  { type: "QUALITY_SCAN", payload: { mode: "apply", filter_criteria: { family_slug: "row" } }, queue: "maintenance" },
  {
    type: "CATALOG_ENRICH_FIELD",
    payload: { mode: "apply", enrichment_spec: { spec_id: "demo", spec_version: 1 }, filter_criteria: { family_slug: "lateral_raise" } },
    queue: "maintenance",
  },
  { type: "FAMILY_AUDIT", payload: { family_slug: "kettlebell_swing" } },
];

function hostingUrl(): string {
  const firebaseJson = JSON.parse(readFileSync(path.resolve(__dirname, "../../firebase.json"), "utf8")) as {
    emulators: { hosting: { host: string; port: number } };
  };
  return `http://${firebaseJson.emulators.hosting.host}:${firebaseJson.emulators.hosting.port}/`;
}

async function main(): Promise<void> {
  const { db, auth } = initAdmin();
  const seeded = await seedDemoCatalog(db, { includeBroken: true });
  const uids = await createConsoleAccounts(auth);
  for (const job of DEMO_JOBS) {
    await db.collection(JOB_COLLECTIONS.jobs).add({ ...job, status: "queued", created_at: Timestamp.now(), created_by: uids.curator });
  }
  console.log(`
  Operator console: ${hostingUrl()}
    curator  ${CONSOLE_ACCOUNTS.curator.email} / ${CONSOLE_ACCOUNTS.curator.password}  (catalog_admin: sees everything, may act)
    user     ${CONSOLE_ACCOUNTS.user.email} / ${CONSOLE_ACCOUNTS.user.password}  (no claim: sees no engine data)
    unverified  ${CONSOLE_ACCOUNTS.unverified.email} / ${CONSOLE_ACCOUNTS.unverified.password}  (the claim on an unverified email: no curator; may ask for the link)
  Demo catalog: ${seeded.exercises} exercises, ${seeded.aliases} aliases, ${seeded.families} families; ${DEMO_JOBS.length} demo jobs submitted.
  Ctrl-C stops the Emulator Suite.
`);
  // Keep emulators:exec (and so the emulators) running until Ctrl-C: a pending promise alone lets Node exit.
  setInterval(() => undefined, 60_000);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
