import { exerciseFixture, seedCatalog } from "../helpers/catalog";
import { computeFamilyRegistry } from "../../src/catalog/family-registry";
import { useFirestore } from "../helpers/firestore";
import { MODES, alias, depsFor, exercise, family, runJob, seedDemo } from "./support";

const db = useFirestore();

// The demo's pull_up has "Pull-Up" and "Neutral-Grip Pull-Up", both on a pull-up bar. pullups spells the
// bodyweight classic as its own family, on bodyweight: in pull_up it is "Pull-Up", the twin of the one there.
const pullups = exerciseFixture("Pullups", ["bodyweight"]);
const merge = (mode: string) => ({ mode, merge_config: { source_family: "pullups", target_family: "pull_up" } });
// A plan as a run's summary tells it, a dry run's (what it would apply) or an apply run's (what it applied).
const planOf = ({ operations, moved, renamed, merged_exercises, would_apply, applied }: Record<string, unknown>) => ({
  operations,
  moved,
  renamed,
  merged_exercises,
  changes: would_apply ?? applied,
});

describe.each(MODES)("FAMILY_MERGE of an exercise on other equipment into its twin (%s)", (mode) => {
  it("merges pullups' bodyweight pull-up into pull_up's: pull_up stays single-equipment, no conflict between its own two", async () => {
    await seedDemo(db, { exercises: [pullups], families: [computeFamilyRegistry("pullups", [pullups])] });
    const run = await runJob(depsFor(db, mode), "FAMILY_MERGE", merge(mode));

    expect(run.error).toBeNull();
    expect(run.status).toBe(mode === "apply" ? "succeeded" : "succeeded_dry_run");
    expect(run.summary).toMatchObject({ moved: 0, renamed: 0, merged_exercises: 1 });
    if (mode === "dry_run") return;
    expect(await exercise(db, "pullups__pullups")).toMatchObject({ status: "merged", merged_into: "pull_up__pull-up" });
    expect(await exercise(db, "pull_up__pull-up")).toMatchObject({ name: "Pull-Up", equipment: ["pull-up-bar"], status: "approved" });
    expect(await exercise(db, "pull_up__neutral-grip-pull-up")).toMatchObject({ name: "Neutral-Grip Pull-Up", status: "approved" });
    expect(await family(db, "pull_up")).toMatchObject({ status: "active", primary_equipment: ["pull-up-bar"], exercise_count: 2 });
    expect(await family(db, "pullups")).toMatchObject({ status: "merged", merged_into: "pull_up" });
    expect(await alias(db, "pullups")).toMatchObject({ family_slug: "pull_up", is_family_alias: true });
  });

  it("renames no member of the target for a naming rule the merge does not bring: its twin merged away, it stays single-equipment", async () => {
    // Not the demo's pull_up: its one exercise on equipment is on a machine, and its "Pull-Up" a draft without equipment yet,
    // the twin of pullups' pull-up on a pull-up bar. Were that one to join, "Assisted Pull-Up" would need "(Machine)".
    const target = [
      exerciseFixture("Assisted Pull-Up", ["machine"], { family_slug: "pull_up" }),
      exerciseFixture("Pull-Up", [], { status: "draft" }),
    ];
    const onBar = exerciseFixture("Pullups", ["pull-up-bar"]);
    await seedCatalog(db, {
      exercises: [...target, onBar],
      families: [computeFamilyRegistry("pull_up", target), computeFamilyRegistry("pullups", [onBar])],
    });
    const run = await runJob(depsFor(db, mode), "FAMILY_MERGE", merge(mode));

    expect(run.error).toBeNull();
    expect(run.summary).toMatchObject({ moved: 0, renamed: 0, merged_exercises: 1 });
    if (mode === "dry_run") return;
    expect(await exercise(db, "pull_up__assisted-pull-up")).toMatchObject({ name: "Assisted Pull-Up", name_slug: "assisted-pull-up" });
    expect(await alias(db, "assisted-pull-up-machine")).toBeNull();
    expect(await exercise(db, "pullups__pullups")).toMatchObject({ status: "merged", merged_into: "pull_up__pull-up" });
  });
});

it("previews the plan it applies: a dry run of the merge into the twin plans what the apply run then carries out", async () => {
  await seedDemo(db, { exercises: [pullups], families: [computeFamilyRegistry("pullups", [pullups])] });
  const dryRun = await runJob(depsFor(db, "dry_run"), "FAMILY_MERGE", merge("dry_run"));
  const applied = await runJob(depsFor(db, "apply"), "FAMILY_MERGE", merge("apply"));

  expect(dryRun.status).toBe("succeeded_dry_run");
  expect(applied.status).toBe("succeeded");
  expect(planOf(dryRun.summary)).toEqual(planOf(applied.summary));
});
