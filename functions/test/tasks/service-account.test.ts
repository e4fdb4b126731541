/**
 * The OIDC identity of wake-up tasks: TASKS_SERVICE_ACCOUNT, else the runtime service account as
 * Application Default Credentials find it on Cloud Functions — here a local fake metadata server,
 * reached by the real google-auth-library.
 */
import { CloudTasksQueue } from "../../src/tasks/cloud-tasks";
import { laneTaskInvoker, taskServiceAccount } from "../../src/tasks/service-account";
import { FakeCloudTasks, fakeClientOptions } from "../fakes/cloud-tasks-server";
import { FakeMetadataServer, useFakeMetadata } from "../fakes/metadata-server";
import { requireVmModules } from "../fakes/jest-runtime";

const EMAIL_PATH = "instance/service-accounts/default/email";
let metadata: FakeMetadataServer;
let metadataHost: string;
let restoreEnv: () => void;

beforeAll(async () => {
  requireVmModules();
  metadata = new FakeMetadataServer();
  metadataHost = await metadata.start();
});
beforeEach(() => {
  restoreEnv = useFakeMetadata(metadataHost);
  metadata.requests.length = 0;
  delete metadata.answers.emailStatus;
});
afterEach(() => restoreEnv());
afterAll(async () => {
  await metadata.close();
});

describe("task service account", () => {
  it("is TASKS_SERVICE_ACCOUNT when set, without asking the metadata server", async () => {
    const account = taskServiceAccount({ TASKS_SERVICE_ACCOUNT: " tasks@demo-project.iam.gserviceaccount.com " });
    await expect(account()).resolves.toBe("tasks@demo-project.iam.gserviceaccount.com");
    expect(metadata.requests).toEqual([]);
  });

  it("is otherwise the runtime service account from the metadata server, looked up once", async () => {
    const account = taskServiceAccount({});
    expect(metadata.requests).toEqual([]); // nothing at construction: cold starts stay fast
    await expect(account()).resolves.toBe(metadata.answers.email);
    await expect(account()).resolves.toBe(metadata.answers.email);
    expect(metadata.requests.filter((path) => path === EMAIL_PATH)).toHaveLength(1);
  });

  it("fails discovery with an error that names TASKS_SERVICE_ACCOUNT, and asks again next time", async () => {
    metadata.answers.emailStatus = 404;
    const account = taskServiceAccount({});
    await expect(account()).rejects.toThrow(/cannot determine the service account.*set TASKS_SERVICE_ACCOUNT/);
    delete metadata.answers.emailStatus;
    await expect(account()).resolves.toBe(metadata.answers.email);
  });

  it("fails the same way where there are no credentials at all", async () => {
    restoreEnv();
    restoreEnv = useFakeMetadata(null);
    await expect(taskServiceAccount({})()).rejects.toThrow(/default credentials.*set TASKS_SERVICE_ACCOUNT/);
  });

  it("is the OIDC identity of the tasks the adapter creates", async () => {
    const tasks = new FakeCloudTasks();
    try {
      const queue = new CloudTasksQueue({
        project: "demo-project",
        location: "us-central1",
        serviceAccount: taskServiceAccount({}),
        clientOptions: fakeClientOptions("rest", await tasks.startRest()),
      });
      await queue.enqueueWakeup({ lane: "priority", jobId: "j", attempt: 0, epoch: 0, runAfter: new Date() });
      expect(tasks.received[0].oidcToken?.serviceAccountEmail).toBe(metadata.answers.email);
    } finally {
      await tasks.close();
    }
  });
});

describe("lane task invoker", () => {
  it("names the tasks' service account when it is configured for deploy, and is left to Firebase's default otherwise", () => {
    expect(laneTaskInvoker({ TASKS_SERVICE_ACCOUNT: "tasks@p.iam.gserviceaccount.com" })).toEqual(["tasks@p.iam.gserviceaccount.com"]);
    expect(laneTaskInvoker({})).toBeUndefined();
  });
});
