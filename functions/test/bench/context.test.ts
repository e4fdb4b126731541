/**
 * The benchmark's context hands each measurement an empty project of its own and clears the one
 * before (bench/support/context.ts): checked on the test run's emulator.
 */
import type { Firestore } from "firebase-admin/firestore";
import { benchSettings } from "../../bench/settings";
import { BenchClients } from "../../bench/support/clients";
import { benchContext } from "../../bench/support/context";
import type { EmulatorTriggers } from "../../src/local/emulator-triggers";
import { TEST_PROJECT_ID } from "../setup/project";

const PREFIX = `${TEST_PROJECT_ID}-bench`;
const testClearUrl = process.env.CATALOG_TEST_CLEAR_URL!;
/** The emulator's clear URL of another project: the test project's, with that project's id. */
const emulator = { clearUrlOf: (projectId: string) => testClearUrl.replace(`/projects/${TEST_PROJECT_ID}/`, `/projects/${projectId}/`) };

/** One client per project, opened as the scenarios open theirs (`BenchClients`). */
const opened = new Map<string, { clients: BenchClients; db: Firestore }>();
function jobsOf(projectId: string) {
  if (!opened.has(projectId)) {
    const clients = new BenchClients(projectId);
    opened.set(projectId, { clients, db: clients.open("context") });
  }
  return opened.get(projectId)!.db.collection("catalog_jobs");
}

async function jobIds(projectId: string): Promise<string[]> {
  return (await jobsOf(projectId).get()).docs.map((doc) => doc.id);
}

afterAll(() => Promise.all([...opened.values()].map(({ clients }) => clients.closeAll())));

describe("benchContext", () => {
  it("hands out a new project per measurement, clearing the one before", async () => {
    const ctx = benchContext(emulator, PREFIX, benchSettings({}));
    const first = await ctx.project();
    expect(first.id).toBe(`${PREFIX}-1`);
    await jobsOf(first.id).doc("left-behind").set({ status: "succeeded" });
    expect(await jobIds(first.id)).toEqual(["left-behind"]);

    const second = await ctx.project();
    expect(second.id).toBe(`${PREFIX}-2`);
    expect(await jobIds(first.id)).toEqual([]);
    expect(await jobIds(second.id)).toEqual([]);

    await jobsOf(second.id).doc("measured").set({ status: "queued" });
    await second.clear();
    expect(await jobIds(second.id)).toEqual([]);
  });

  it("gives each project the trigger callback of its own id, and none without a trigger receiver", async () => {
    const forProject = jest.fn((projectId: string) => ({ projectId }));
    const triggers = { forProject } as unknown as EmulatorTriggers;
    const withTriggers = await benchContext(emulator, PREFIX, benchSettings({}), triggers).project();
    expect(withTriggers.triggers).toEqual({ projectId: `${PREFIX}-1` });
    expect(forProject).toHaveBeenCalledWith(`${PREFIX}-1`);
    expect((await benchContext(emulator, PREFIX, benchSettings({})).project()).triggers).toBeUndefined();
  });
});
