/**
 * firestore.rules against the run's Firestore emulator, case by case from the table in cases.ts,
 * under a project id of its own (the per-test clearing of the other tests' project leaves it alone).
 * Firebase Admin clients in the other tests bypass rules, so loading them here changes nothing there.
 */
import { readFileSync } from "node:fs";
import { disableNetwork, setLogLevel } from "firebase/firestore";
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

  test("a read by a client that went offline is tried again with a new client", async () => {
    const lane = 7; // a lane of its own: the table's cases keep their clients
    const reads = RULES_CASES.filter((rc) => rc.op === "get" || rc.op === "list");
    for (const c of [reads.find((rc) => rc.expect === "allow"), reads.find((rc) => rc.expect === "deny")]) {
      if (!c) throw new Error("the table has no allowed or no denied read");
      const offline = project.client(c.actor, lane);
      await disableNetwork(offline);
      expect(await project.run(c, lane)).toEqual({ ok: true });
      expect(project.client(c.actor, lane)).not.toBe(offline);
    }
  });

  test.each(RULES_CASES.map((c) => [`${c.expect}: ${c.name}`, c] as const))("%s", async (_name, c) => {
    expect(await project.run(c)).toEqual({ ok: true });
  });
});
