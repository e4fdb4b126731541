/**
 * The rules tests bite: every mutant of firestore.rules (a condition dropped or loosened, a name
 * dropped from a list or added to it, see mutants.ts) is loaded into an emulator project and run against the case table; some case must
 * fail for each. A surviving mutant is a condition no case depends on: add a case, or remove the
 * condition if another one already implies it.
 */
import { readFileSync } from "node:fs";
import { setLogLevel } from "firebase/firestore";
import { registry } from "../../src/handlers";
import { JOB_FIELDS, RULES_CASES, type RulesCase } from "./cases";
import { describeWithRules } from "./describe-with-rules";
import { rulesMutants, type RulesMutant } from "./mutants";
import { RULES_PATH, RulesProject } from "./run-case";

const rules = readFileSync(RULES_PATH, "utf8");
// The names the code knows that the rules' lists are drawn from: a list of the rules that is part of
// one is given each name it lacks (an engine-owned field among the client's, a job type a client may not create).
const mutants = rulesMutants(rules, [registry.types, JOB_FIELDS]);
/** Projects checked in parallel, and cases in flight per project: the emulator answers a few at once well. */
const PROJECTS = 3;
const CASES_IN_FLIGHT = 4;

interface FailedCase {
  case: RulesCase;
  reason: string;
}

/** A case that fails against the loaded rules, and why, or null when every case passes. */
async function aFailingCase(project: RulesProject, cases: readonly RulesCase[], inFlight = CASES_IN_FLIGHT): Promise<FailedCase | null> {
  let next = 0;
  let failed: FailedCase | null = null;
  const lane = async (laneIndex: number) => {
    while (failed === null && next < cases.length) {
      const c = cases[next++];
      const outcome = await project.run(c, laneIndex);
      if (!outcome.ok) failed ??= { case: c, reason: outcome.reason };
    }
  };
  await Promise.all(Array.from({ length: inFlight }, (_, i) => lane(i)));
  return failed;
}

/**
 * Cases nearest (in table order, either way) to the one that caught the latest mutant first:
 * mutants come in the order of the rules text and the table roughly follows it, so the next
 * mutant's catching case is usually near. The check stops at the first failure, so this keeps it short.
 */
class CaseOrder {
  private last = 0;
  get cases(): readonly RulesCase[] {
    const distance = (i: number) => Math.abs(i - this.last);
    return RULES_CASES.map((c, i) => ({ c, i }))
      .sort((a, b) => distance(a.i) - distance(b.i))
      .map(({ c }) => c);
  }
  caught(c: RulesCase): void {
    this.last = RULES_CASES.indexOf(c);
  }
}

describe("rules mutants", () => {
  test("are found for every kind of change", () => {
    const kinds = new Set(mutants.map((m) => m.description.split(":")[0]));
    expect([...kinds].sort()).toEqual([
      "add a list item",
      "allow always",
      "always hold",
      "drop a list item",
      "drop the alternative",
      "drop the condition",
      "loosen the bound",
    ]);
    expect(mutants.every((m) => m.rules !== rules)).toBe(true);
  });

  test("of a small rules file are exactly its conditions", () => {
    const small = "allow read: if a() && (b || c.size() <= 5);\nfunction f() { return x == 1; }";
    expect(rulesMutants(small).map((m) => m.description)).toEqual([
      "allow always: `a() && (b || c.size() <= 5)` → `true`",
      "drop the condition: `a()` → `true`",
      "drop the condition: `(b || c.size() <= 5)` → `true`",
      "drop the alternative: `b` → `false`",
      "drop the alternative: `c.size() <= 5` → `false`",
      "loosen the bound: `<= 5` → `<= 6`",
      "always hold: `x == 1` → `true`",
    ]);
  });

  test("of a small rules file's lists of names drop each item, and add each of the nearest wider list's", () => {
    const small = [
      "function wide() { return ['a', 'b', 'c']; }",
      "allow read: if x in ['a', 'b'] && y.hasOnly(['p']) && z[0] == 'q'; // ['not', 'a list']",
      "allow write: if w in [a, 'b'] && v.hasOnly([]);",
    ].join("\n");
    const mutants = rulesMutants(small, [
      ["p", "q"],
      ["p", "q", "r"],
    ]).filter((m) => m.description.includes("list item"));
    expect(mutants.map((m) => `${m.line} ${m.description}`)).toEqual([
      "1 drop a list item: `'a'`",
      "1 drop a list item: `'b'`",
      "1 drop a list item: `'c'`",
      "2 drop a list item: `'a'`",
      "2 drop a list item: `'b'`",
      "2 add a list item: `'c'`",
      "2 drop a list item: `'p'`",
      "2 add a list item: `'q'`",
    ]);
    expect(mutants.map((m) => m.rules.split("\n")[m.line - 1].split(";")[0])).toEqual([
      "function wide() { return ['b', 'c']",
      "function wide() { return ['a', 'c']",
      "function wide() { return ['a', 'b']",
      "allow read: if x in ['b'] && y.hasOnly(['p']) && z[0] == 'q'",
      "allow read: if x in ['a'] && y.hasOnly(['p']) && z[0] == 'q'",
      "allow read: if x in ['a', 'b', 'c'] && y.hasOnly(['p']) && z[0] == 'q'",
      "allow read: if x in ['a', 'b'] && y.hasOnly([]) && z[0] == 'q'",
      "allow read: if x in ['a', 'b'] && y.hasOnly(['p', 'q']) && z[0] == 'q'",
    ]);
  });
});

describeWithRules("firestore.rules mutants", () => {
  const projects: RulesProject[] = [];

  beforeAll(async () => {
    setLogLevel("error");
    for (let i = 0; i < PROJECTS; i++) projects.push(await RulesProject.open(`demo-rules-mutants-${i}`, rules));
  });

  afterAll(async () => {
    await Promise.all(projects.map((p) => p.close()));
  });

  // About a minute on two idle cores; the margin is for a machine shared with other runs.
  test(`each of the ${mutants.length} mutants is caught by some rules case`, async () => {
    // The unchanged rules pass every case here too, so a failing case below is the mutant's doing.
    expect(await aFailingCase(projects[0], RULES_CASES)).toBeNull();
    const survivors: RulesMutant[] = [];
    const order = new CaseOrder();
    let next = 0;
    const worker = async (project: RulesProject) => {
      while (next < mutants.length) {
        const mutant = mutants[next++];
        await project.loadRules(mutant.rules);
        await project.reset();
        let caught = await aFailingCase(project, order.cases);
        if (!caught) {
          // Cases in flight together share the project's documents, so under a mutant one can be
          // denied for another's doing (a document it creates already exists): a survivor is checked
          // again from a fresh seed, one case at a time, before it counts.
          await project.reset();
          caught = await aFailingCase(project, RULES_CASES, 1);
        }
        if (caught) order.caught(caught.case);
        else survivors.push(mutant);
      }
    };
    await Promise.all(projects.map(worker));
    const report = survivors.map((m) => `  line ${m.line}: ${m.description}`).join("\n");
    expect(survivors.length === 0 ? "no surviving mutant" : `surviving mutants (no rules case fails):\n${report}`).toBe(
      "no surviving mutant",
    );
  }, 600_000);
});
