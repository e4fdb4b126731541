/**
 * A family whose stored slug no slug rule fits ("bench-press", written before the rules): the family jobs take it
 * where they read a family, so the maintenance scan's follow-ups for it are jobs and a rename can repair it, while a
 * slug a job gives to a family keeps the rule.
 */
import { exerciseFixture, seedCatalog, snapshotCatalog } from "../helpers/catalog";
import { useFirestore } from "../helpers/firestore";
import { registry } from "../../src/handlers";
import { MODES, alias, depsFor, exercise, family, runJob } from "./support";

const db = useFirestore();

const LEGACY = "bench-press";
const barbell = exerciseFixture("Bench Press (Barbell)", ["barbell"], { family_slug: LEGACY, id: "legacy-bench-1" });
const dumbbell = exerciseFixture("Bench Press (Dumbbell)", ["dumbbell"], { family_slug: LEGACY, id: "legacy-bench-2" });
const seedLegacy = () => seedCatalog(db, { exercises: [barbell, dumbbell] });
const machine = exerciseFixture("Bench Press (Machine)", ["machine"]);

const issuesOf = (type: string, payload: Record<string, unknown>) => {
  const result = registry.parseRequest({ type, payload: { mode: "dry_run", ...payload } });
  return result.ok ? [] : result.issues.map((issue) => issue.path);
};

describe("a legacy family slug in a payload", () => {
  it("is taken where a job reads the family", () => {
    expect(issuesOf("FAMILY_AUDIT", { family_slug: LEGACY })).toEqual([]);
    expect(issuesOf("FAMILY_NORMALIZE", { family_slug: LEGACY })).toEqual([]);
    expect(issuesOf("FAMILY_MERGE", { merge_config: { source_family: LEGACY, target_family: "bench_press" } })).toEqual([]);
    expect(issuesOf("FAMILY_RENAME_SLUG", { rename_config: { old_family_slug: LEGACY, new_family_slug: "bench_press" } })).toEqual([]);
    expect(issuesOf("FAMILY_SPLIT", { family_slug: LEGACY, split_config: { target_family: "db_bench", equipment: ["dumbbell"] } })).toEqual(
      [],
    );
    expect(issuesOf("QUALITY_SCAN", { filter_criteria: { family_slug: LEGACY } })).toEqual([]);
    expect(
      issuesOf("CATALOG_ENRICH_FIELD", {
        enrichment_spec: { spec_id: "content", spec_version: 1 },
        filter_criteria: { family_slug: LEGACY },
      }),
    ).toEqual([]);
  });

  it("is refused where a job gives it to a family, its exercises taking it", () => {
    expect(issuesOf("FAMILY_MERGE", { merge_config: { source_family: "bench_press", target_family: LEGACY } })).toEqual([
      "payload.merge_config.target_family",
    ]);
    expect(issuesOf("FAMILY_RENAME_SLUG", { rename_config: { old_family_slug: "bench_press", new_family_slug: LEGACY } })).toEqual([
      "payload.rename_config.new_family_slug",
    ]);
    expect(
      issuesOf("FAMILY_SPLIT", { family_slug: "bench_press", split_config: { target_family: LEGACY, equipment: ["dumbbell"] } }),
    ).toEqual(["payload.split_config.target_family"]);
  });

  it.each([
    ["empty", ""],
    ["a path", "bench/press"],
    ["reserved", "__bench__"],
    ["a parent", ".."],
    ["too long", "b".repeat(201)],
  ])("is refused when no document could be named by it (%s)", (_case, slug) => {
    expect(issuesOf("FAMILY_AUDIT", { family_slug: slug })).toEqual(["payload.family_slug"]);
  });
});

describe.each(MODES)("a family with a legacy slug (%s)", (mode) => {
  const done = mode === "apply" ? "succeeded" : "succeeded_dry_run";

  it("gets the maintenance scan's follow-ups as jobs, and its audit", async () => {
    await seedLegacy();
    const scan = await runJob(depsFor(db, mode), "MAINTENANCE_SCAN", { mode });

    expect(scan.summary).toMatchObject({ jobs_invalid: 0 });
    expect(
      (scan.summary.follow_ups as { dedup_key: string; outcome: string }[]).map(({ dedup_key, outcome }) => [dedup_key, outcome]),
      // Nothing FAMILY_NORMALIZE can do: its registry entry needs a slug the rule takes, a person's rename.
    ).toEqual([[`FAMILY_AUDIT:${LEGACY}`, mode === "apply" ? "created" : "would_create"]]);
    const audit = await runJob(depsFor(db, "dry_run"), "FAMILY_AUDIT", { mode: "dry_run", family_slug: LEGACY });
    expect(audit).toMatchObject({ status: "succeeded_dry_run", summary: { family_slug: LEGACY, family_status: null, live_exercises: 2 } });
  });

  it("is normalised without a registry entry, which its slug cannot hold: the finding is left to a person, a slug rename", async () => {
    await seedLegacy();
    const run = await runJob(depsFor(db, mode), "FAMILY_NORMALIZE", { mode, family_slug: LEGACY });

    expect(run).toMatchObject({ status: done, error: null });
    expect((run.summary.unresolved as { findings: unknown[] }).findings).toContainEqual(
      expect.objectContaining({ code: "registry_missing", fix: "review", suggestion: "rename the family's slug with FAMILY_RENAME_SLUG" }),
    );
    expect(await family(db, LEGACY)).toBeNull();
  });

  it("is renamed to a slug the rules take: its slug leads on as an alias, and no registry entry is written under it", async () => {
    await seedLegacy();
    const before = await snapshotCatalog(db);
    const run = await runJob(depsFor(db, mode), "FAMILY_RENAME_SLUG", {
      mode,
      rename_config: { old_family_slug: LEGACY, new_family_slug: "bench_press" },
    });

    expect(run).toMatchObject({ status: done, error: null, summary: { moved: 2, renamed: 0 } });
    expect(run.summary).not.toHaveProperty("old_slug_not_aliased");
    if (mode === "dry_run") {
      expect(await snapshotCatalog(db)).toBe(before);
      return;
    }
    for (const { id } of [barbell, dumbbell]) expect(await exercise(db, id)).toMatchObject({ family_slug: "bench_press" });
    expect(await alias(db, LEGACY)).toMatchObject({ family_slug: "bench_press", is_family_alias: true });
    expect(await family(db, LEGACY)).toBeNull();
    expect(await family(db, "bench_press")).toMatchObject({ status: "active", exercise_count: 2 });
  });

  const rename = { rename_config: { old_family_slug: LEGACY, new_family_slug: "bench_press" } };
  const merge = { merge_config: { source_family: LEGACY, target_family: "bench_press" } };

  // No registry entry says the family went on elsewhere: the family alias its slug became does, as a registry entry would.
  it.each([
    ["renamed", "the rename again", [], "FAMILY_RENAME_SLUG", rename, "FAMILY_RENAME_SLUG", rename],
    ["renamed", "a merge into the family it became", [], "FAMILY_RENAME_SLUG", rename, "FAMILY_MERGE", merge],
    ["merged", "the merge again", [machine], "FAMILY_MERGE", merge, "FAMILY_MERGE", merge],
  ])("once %s, takes %s as done already, writing nothing", async (_done, _case, extra, firstType, first, againType, again) => {
    await seedCatalog(db, { exercises: [barbell, dumbbell, ...extra] });
    expect(await runJob(depsFor(db, "apply"), firstType, { mode: "apply", ...first })).toMatchObject({ status: "succeeded" });
    const before = await snapshotCatalog(db);
    const run = await runJob(depsFor(db, mode), againType, { mode, ...again });

    expect(run).toMatchObject({ status: done, error: null, summary: { moved: 0, renamed: 0 } });
    expect(await snapshotCatalog(db)).toBe(before);
  });

  it("is merged into a family whose slug the rules take", async () => {
    await seedCatalog(db, { exercises: [barbell, dumbbell, machine] });
    const run = await runJob(depsFor(db, mode), "FAMILY_MERGE", {
      mode,
      merge_config: { source_family: LEGACY, target_family: "bench_press" },
    });

    expect(run).toMatchObject({ status: done, error: null, summary: { moved: 2 } });
    if (mode === "dry_run") return;
    expect(await exercise(db, barbell.id)).toMatchObject({ family_slug: "bench_press" });
    expect(await alias(db, LEGACY)).toMatchObject({ family_slug: "bench_press", is_family_alias: true });
    expect(await family(db, LEGACY)).toBeNull();
  });

  it("has exercises split off into a family whose slug the rules take, writing no registry entry under its own", async () => {
    await seedLegacy();
    const run = await runJob(depsFor(db, mode), "FAMILY_SPLIT", {
      mode,
      family_slug: LEGACY,
      split_config: { target_family: "bench_press", equipment: ["dumbbell"] },
    });

    expect(run).toMatchObject({ status: done, error: null, summary: { moved: 1 } });
    if (mode === "dry_run") return;
    expect(await exercise(db, dumbbell.id)).toMatchObject({ family_slug: "bench_press" });
    expect(await exercise(db, barbell.id)).toMatchObject({ family_slug: LEGACY });
    expect(await family(db, LEGACY)).toBeNull();
  });
});

describe.each(MODES)("a family with a legacy slug no alias slug fits (%s)", (mode) => {
  const done = mode === "apply" ? "succeeded" : "succeeded_dry_run";
  const UNALIASABLE = "Bench_Press";
  const members = [barbell, dumbbell].map((member) => ({ ...member, family_slug: UNALIASABLE }));

  // Nothing can keep the old slug (no alias document takes it), as nothing keeps an old name slug that is no slug.
  it("is renamed as its audit advises, its old slug leading nowhere", async () => {
    await seedCatalog(db, { exercises: members });
    const audit = await runJob(depsFor(db, "dry_run"), "FAMILY_AUDIT", { mode: "dry_run", family_slug: UNALIASABLE });
    expect(audit.summary.findings).toContainEqual(
      expect.objectContaining({ code: "registry_missing", suggestion: "rename the family's slug with FAMILY_RENAME_SLUG" }),
    );
    const run = await runJob(depsFor(db, mode), "FAMILY_RENAME_SLUG", {
      mode,
      rename_config: { old_family_slug: UNALIASABLE, new_family_slug: "bench_press" },
    });

    expect(run).toMatchObject({ status: done, error: null, summary: { moved: 2, old_slug_not_aliased: true } });
    if (mode === "dry_run") return;
    for (const { id } of members) expect(await exercise(db, id)).toMatchObject({ family_slug: "bench_press" });
    expect(await alias(db, UNALIASABLE)).toBeNull();
    expect(await family(db, UNALIASABLE)).toBeNull();
    expect(await family(db, "bench_press")).toMatchObject({ status: "active", exercise_count: 2 });
  });

  it("is merged into a family whose slug the rules take, its old slug leading nowhere", async () => {
    await seedCatalog(db, { exercises: [...members, machine] });
    const run = await runJob(depsFor(db, mode), "FAMILY_MERGE", {
      mode,
      merge_config: { source_family: UNALIASABLE, target_family: "bench_press" },
    });

    expect(run).toMatchObject({ status: done, error: null, summary: { moved: 2, old_slug_not_aliased: true } });
    if (mode === "dry_run") return;
    for (const { id } of members) expect(await exercise(db, id)).toMatchObject({ family_slug: "bench_press" });
    expect(await alias(db, UNALIASABLE)).toBeNull();
    expect(await family(db, UNALIASABLE)).toBeNull();
  });
});
