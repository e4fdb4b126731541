/**
 * What firestore.rules must agree on with the engine, checked without the emulator: the full payloads
 * the rules cases create (cases.ts) are valid and use every payload key of their types, so a key the
 * rules do not admit fails the rules test; and a client's chosen job id is held to a length that leaves
 * room, within Firestore's limit, for every id the engine derives from it.
 */
import { readFileSync } from "node:fs";
import { z } from "zod";
import { MAX_CHOSEN_JOB_ID_LENGTH } from "../../src/adapters/operator-actions";
import { MAX_DOCUMENT_ID_BYTES, documentId } from "../../src/util/document-id";
import { registry } from "../../src/handlers";
import { childJobId } from "../../src/jobs/flows";
import { followUpJobId } from "../../src/jobs/handler";
import { runSummaryId } from "../../src/jobs/run-history";
import { CLIENT_JOB_TYPES, FULL_PAYLOADS, USER_INTENT_BOUNDS } from "./cases";
import { RULES_PATH } from "./run-case";

/** The top-level keys of `type`'s payload schema (a refined object schema keeps its shape). */
function payloadKeys(type: string): string[] {
  const schema = registry.handlerFor(type).payload;
  if (!(schema instanceof z.ZodObject)) throw new Error(`the payload schema of ${type} is not an object schema`);
  return Object.keys(schema.shape).sort();
}

describe("the rules cases' full payloads", () => {
  test("are given for every type a client may create", () => {
    expect(Object.keys(FULL_PAYLOADS).sort()).toEqual([...CLIENT_JOB_TYPES].sort());
  });

  const examples = Object.entries(FULL_PAYLOADS).flatMap(([type, payloads]) =>
    payloads.map((payload) => [type, Object.keys(payload).join(", "), payload] as const),
  );
  test.each(examples)("of %s are valid (%s)", (type, _keys, payload) => {
    const parsed = registry.parseRequest({ type, payload });
    expect(parsed.ok ? [] : parsed.issues).toEqual([]);
  });

  test.each(CLIENT_JOB_TYPES)("of %s use every key of its payload schema", (type) => {
    const used = new Set((FULL_PAYLOADS[type] ?? []).flatMap((payload) => Object.keys(payload)));
    expect([...used].sort()).toEqual(payloadKeys(type));
  });
});

describe("a user's intent as the rules bound it", () => {
  test.each(USER_INTENT_BOUNDS.map((bound) => [bound.name, bound.expect, bound.intent] as const))(
    "%s: what the rules %s, EXERCISE_ADD's schema takes or refuses alike",
    (_name, expected, intent) => {
      const parsed = registry.parseRequest({
        type: "EXERCISE_ADD",
        payload: { mode: "dry_run", intent: { category: "compound", ...intent } },
      });
      expect(parsed.ok).toBe(expected === "allow");
    },
  );
});

describe("a client's chosen job id", () => {
  test("is held by the rules to MAX_CHOSEN_JOB_ID_LENGTH", () => {
    const rules = readFileSync(RULES_PATH, "utf8");
    const createRule = /match \/catalog_jobs\/\{jobId\} \{[\s\S]*?allow create: if ([^;]*);/.exec(rules)?.[1];
    expect(createRule).toContain(`jobId.size() <= ${MAX_CHOSEN_JOB_ID_LENGTH}`);
  });

  // The rules count UTF-16 units: one of the BMP is up to 3 bytes, an emoji's two units 4.
  test.each([
    ["of the BMP", "\u20AC".repeat(MAX_CHOSEN_JOB_ID_LENGTH)],
    ["beyond the BMP", "\u{1F3CB}".repeat(MAX_CHOSEN_JOB_ID_LENGTH / 2)],
  ])("of the most UTF-8 bytes (characters %s) has every id derived from it fit in Firestore's", (_chars, chosen) => {
    expect(chosen.length).toBe(MAX_CHOSEN_JOB_ID_LENGTH);
    // An exercise id as long as Firestore allows, and a child index of as many digits as the engine can count to.
    const longestKey = `registry-${"\u20AC".repeat(MAX_DOCUMENT_ID_BYTES / 3)}`;
    const lastIndex = Number.MAX_SAFE_INTEGER;
    // The engine's longest chain: an EXERCISE_ADD's enrichment (a follow-up), its shard, that shard's registry refresh.
    const derived = followUpJobId(childJobId(followUpJobId(chosen, longestKey), lastIndex), longestKey);
    expect(Buffer.byteLength(derived, "utf8")).toBeLessThanOrEqual(MAX_DOCUMENT_ID_BYTES);
    // Its run summaries' ids too, and the curators' tools take it.
    const runSummary = runSummaryId(derived, new Date(8.64e15), Number.MAX_SAFE_INTEGER);
    expect(Buffer.byteLength(runSummary, "utf8")).toBeLessThanOrEqual(MAX_DOCUMENT_ID_BYTES);
    expect(documentId.safeParse(derived).success).toBe(true);
  });
});
