/**
 * What firestore.rules must agree on with the engine, checked without the emulator: the full payloads
 * the rules cases create (cases.ts) are valid and use every payload key of their types, so a key the
 * rules do not admit fails the rules test; and a client's chosen job id is held to the length the
 * curators' tools take.
 */
import { readFileSync } from "node:fs";
import { z } from "zod";
import { MAX_DOCUMENT_ID_LENGTH } from "../../src/adapters/operator-actions";
import { registry } from "../../src/handlers";
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

test("the rules hold a client's chosen job id to the length the curators' tools take", () => {
  const rules = readFileSync(RULES_PATH, "utf8");
  const createRule = /match \/catalog_jobs\/\{jobId\} \{[\s\S]*?allow create: if ([^;]*);/.exec(rules)?.[1];
  expect(createRule).toContain(`jobId.size() <= ${MAX_DOCUMENT_ID_LENGTH}`);
});
