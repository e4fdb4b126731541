import { CATALOG_COLLECTIONS } from "../../src/catalog/collections";
import { type Firestore } from "firebase-admin/firestore";
import { CliError, parseArgs, runCli } from "../../src/cli/commands";
import { type LocalRuntime } from "../../src/local/runtime";
import { describeWithFullEmulator, newFirestore } from "../helpers/firestore";
import { registryWith } from "../helpers/registry";
import { testRuntime } from "../helpers/runtime";

let db: Firestore;
let runtime: LocalRuntime;
let lines: string[];
const cli = (...argv: string[]) => runCli(argv, { db, engine: runtime.engine, out: (l) => lines.push(l) });

beforeAll(() => {
  db = newFirestore();
});
beforeEach(() => {
  lines = [];
  runtime = testRuntime(
    db,
    registryWith({ FAMILY_AUDIT: { run: async () => ({ kind: "completed", status: "succeeded_dry_run", summary: { findings: 2 } }) } }),
  );
});
afterEach(() => runtime.stop());

describe("operator CLI", () => {
  it("parses options and positionals", () => {
    expect(parseArgs(["submit", "X", "{}", "--priority", "5", "--broken"])).toEqual({
      positional: ["submit", "X", "{}"],
      options: { priority: "5", broken: true },
    });
  });

  it("submits, lists, shows, cancels and retries a job", async () => {
    await cli("submit", "FAMILY_AUDIT", '{"family_slug":"squat"}', "--priority", "300", "--dedup-key", "k1");
    const id = lines[0].replace("created ", "");
    await cli("submit", "FAMILY_AUDIT", '{"family_slug":"squat"}', "--dedup-key", "k1");
    expect(lines[1]).toBe(`not created: duplicate_dedup_key (open job ${id})`);
    await cli("list", "--status", "queued");
    expect(lines[2]).toMatch(new RegExp(`queued +FAMILY_AUDIT +priority +p300 a0/5 ${id}`));
    await cli("cancel", id);
    expect(lines[3]).toBe(`cancelled ${id}`);
    await cli("retry", id);
    expect(lines[4]).toBe(`requeued ${id}`);
    await cli("show", id);
    expect(JSON.parse(lines[5])).toMatchObject({
      id,
      status: "queued",
      created_by: "system:cli",
      payload: { family_slug: "squat", mode: "dry_run" },
    });
  });

  it("runs the watchdog and seeds the demo catalog", async () => {
    await cli("watchdog");
    expect(JSON.parse(lines.join("\n"))).toMatchObject({ complete: true });
    lines = [];
    await cli("seed");
    expect(lines[0]).toMatch(/^seeded \d+ exercises/);
    expect((await db.collection(CATALOG_COLLECTIONS.exercises).get()).size).toBeGreaterThan(20);
  });

  it.each([
    [["submit", "NOPE", "{}"], /unknown job type/],
    [["submit", "FAMILY_AUDIT", "{not json"], /not valid JSON/],
    [["submit", "FAMILY_AUDIT", "{}", "--lane", "fast"], /--lane/],
    [["retry"], /needs a job id/],
    [["show", "missing"], /does not exist/],
    [["daily", "yesterday"], /YYYY-MM-DD/],
    [["frobnicate"], /unknown command/],
  ])("reports bad input %j clearly", async (argv, message) => {
    const err = await cli(...argv).catch((e) => e);
    expect(err).toBeInstanceOf(CliError);
    expect((err as Error).message).toMatch(message);
  });
});

describeWithFullEmulator("operator CLI reports (field transforms of the daily counters)", () => {
  it("shows run history and the daily summary after a run", async () => {
    await cli("submit", "FAMILY_AUDIT", '{"family_slug":"squat"}');
    const reports = await runtime.engine.runLane("priority");
    expect(reports.map((r) => r.status)).toEqual(["succeeded_dry_run"]);
    lines = [];
    await cli("history");
    expect(lines[0]).toMatch(/FAMILY_AUDIT +succeeded_dry_run/);
    lines = [];
    await cli("daily");
    expect(JSON.parse(lines.join("\n"))).toMatchObject({
      runs: 1,
      by_type: { FAMILY_AUDIT: 1 },
      by_status: { succeeded_dry_run: 1 },
      by_mode: { dry_run: 1 },
    });
  });
});
