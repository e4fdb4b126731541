/**
 * The benchmark's context hands each measurement an empty project of its own and clears the one
 * before (bench/support/context.ts): checked on the test run's emulator.
 */
import { deleteApp, getApp } from "firebase-admin/app";
import type { Firestore } from "firebase-admin/firestore";
import { benchSettings } from "../../bench/settings";
import { benchContext } from "../../bench/support/context";
import { firestoreClient, forgetFirestoreClient } from "../../src/firestore";
import type { EmulatorTriggers } from "../../src/local/emulator-triggers";
import { TEST_PROJECT_ID } from "../setup/project";

const PREFIX = `${TEST_PROJECT_ID}-bench`;
const testClearUrl = process.env.CATALOG_TEST_CLEAR_URL!;
/** The emulator's clear URL of another project: the test project's, with that project's id. */
const emulator = { clearUrlOf: (projectId: string) => testClearUrl.replace(`/projects/${TEST_PROJECT_ID}/`, `/projects/${projectId}/`) };

const opened: string[] = [];
function clientOf(projectId: string): Firestore {
  const name = `bench-context-${projectId}`;
  if (!opened.includes(name)) opened.push(name);
  return firestoreClient({ projectId }, name);
}

async function jobIds(projectId: string): Promise<string[]> {
  return (await clientOf(projectId).collection("catalog_jobs").get()).docs.map((doc) => doc.id);
}

afterAll(async () => {
  for (const name of opened.splice(0)) {
    forgetFirestoreClient(name);
    await deleteApp(getApp(name));
  }
});

describe("benchContext", () => {
  it("hands out a new project per measurement, clearing the one before", async () => {
    const ctx = benchContext(emulator, PREFIX, benchSettings({}));
    const first = await ctx.project();
    expect(first.id).toBe(`${PREFIX}-1`);
    await clientOf(first.id).collection("catalog_jobs").doc("left-behind").set({ status: "succeeded" });
    expect(await jobIds(first.id)).toEqual(["left-behind"]);

    const second = await ctx.project();
    expect(second.id).toBe(`${PREFIX}-2`);
    expect(await jobIds(first.id)).toEqual([]);
    expect(await jobIds(second.id)).toEqual([]);

    await clientOf(second.id).collection("catalog_jobs").doc("measured").set({ status: "queued" });
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
