/**
 * firestore.rules against the run's Firestore emulator, case by case from the table in cases.ts,
 * under a project id of its own (the per-test clearing of the other tests' project leaves it alone).
 * Firebase Admin clients in the other tests bypass rules, so loading them here changes nothing there.
 */
import { readFileSync } from "node:fs";
import { setLogLevel } from "firebase/firestore";
import { RULES_CASES } from "./cases";
import { describeWithRules } from "./describe-with-rules";
import { RULES_PATH, RulesProject } from "./run-case";

describeWithRules("firestore.rules", () => {
  let project: RulesProject;

  beforeAll(async () => {
    // Denied writes are the point of most cases; the SDK would log each one as a warning.
    setLogLevel("error");
    project = await RulesProject.open("demo-catalog-rules", readFileSync(RULES_PATH, "utf8"));
  });

  afterAll(async () => {
    await project?.close();
  });

  test("the table has an allowed and a denied case for every kind of operation", () => {
    for (const op of ["add", "set", "update", "get", "list"]) {
      expect(RULES_CASES.filter((c) => c.op === op).map((c) => c.expect)).toEqual(expect.arrayContaining(["allow", "deny"]));
    }
  });

  test.each(RULES_CASES.map((c) => [`${c.expect}: ${c.name}`, c] as const))("%s", async (_name, c) => {
    expect(await project.run(c)).toEqual({ ok: true });
  });
});
