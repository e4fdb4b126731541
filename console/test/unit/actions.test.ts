/**
 * What a curator action says when its callable fails (actions.ts), with the errors the Functions SDK itself raises:
 * its callables point at a local port, which refuses the connection (as offline), never answers, drops the connection
 * part-way through an answer, or answers as firebase-functions does an engine's unhandled error; and what Revert all
 * asks of its callable and reads of its answer.
 */
import assert from "node:assert/strict";
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer } from "node:net";
import { after, describe, it } from "node:test";
import { deleteApp, type FirebaseApp, initializeApp } from "firebase/app";
import { connectFunctionsEmulator, getFunctions } from "firebase/functions";
import { actionFailure, cancelWorthRunningAgain, operatorActions } from "../../src/actions";
import { asError } from "../../src/format";
import { CURATOR_ACTION_TIMEOUT_SECONDS } from "../../src/model";

const apps: FirebaseApp[] = [];
const servers: Server[] = [];
after(async () => {
  await Promise.all(apps.map((app) => deleteApp(app)));
  // An engine that never answered still holds its connection.
  for (const server of servers) server.close().closeAllConnections();
});

const listening = (server: ReturnType<typeof createServer>) =>
  new Promise<number>((resolve) => server.listen(0, "127.0.0.1", () => resolve((server.address() as { port: number }).port)));

/** Curator actions whose callables are served at `port`. */
function actionsAt(port: number) {
  const app = initializeApp({ projectId: "demo-actions", apiKey: "unused" }, `actions-${apps.length}`);
  apps.push(app);
  const functions = getFunctions(app);
  connectFunctionsEmulator(functions, "127.0.0.1", port);
  return operatorActions(functions);
}

/** What the action threw. */
const thrownBy = (action: Promise<unknown>) =>
  action.then(
    () => assert.fail("the action succeeded"),
    (err: unknown) => asError(err),
  );

const NOT_REACHED =
  "the console could not reach the engine (offline, the connection dropped, or no answer came in time), so this may or may not have taken effect: check the job before acting again";

describe("a curator action whose callable fails", () => {
  it("says in plain words that the engine could not be reached, when the request got no answer; Cancel is offered again", async () => {
    // A port nothing listens on any more: the SDK's fetch fails, as when the browser is offline.
    const closed = createServer();
    const port = await listening(closed);
    await new Promise((resolve) => closed.close(resolve));
    const actions = actionsAt(port);
    for (const action of [
      () => actions.retryJob("j1"),
      () => actions.cancelJob("j1"),
      () => actions.revertChange("c1"),
      () => actions.revertJob("j1"),
    ]) {
      const error = await thrownBy(action());
      assert.equal(actionFailure(error), NOT_REACHED);
      assert.equal(cancelWorthRunningAgain(error), true);
    }
  });

  it("says so too when no answer came before the SDK's own deadline, past the callables' timeout", async (t) => {
    let requested: () => void = () => undefined;
    const requestArrived = new Promise<void>((resolve) => (requested = resolve));
    // An engine that takes the request and never answers: the SDK's timer rejects the call with its own error.
    const actions = await engineServing(() => requested());
    t.mock.timers.enable({ apis: ["setTimeout"] });
    let settled = false;
    const thrown = thrownBy(actions.retryJob("j1")).finally(() => (settled = true));
    await requestArrived;
    // The engine may still be at work until its own timeout: the console waits for it.
    t.mock.timers.tick(CURATOR_ACTION_TIMEOUT_SECONDS * 1000);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(settled, false);
    t.mock.timers.tick(60_000);
    const error = await thrown;
    assert.equal(actionFailure(error), NOT_REACHED);
    assert.equal(cancelWorthRunningAgain(error), true);
  });

  it("says so too when the connection dropped part-way through an answer", async () => {
    const actions = await engineServing((response) => {
      response.writeHead(200, { "content-type": "application/json", "content-length": "100" });
      // Once the status and part of the body are out: a connection dropped before them is an offline fetch's failure.
      response.write('{"result":', () => setTimeout(() => response.destroy(), 50));
    });
    const error = await thrownBy(actions.cancelJob("j1"));
    assert.equal(actionFailure(error), NOT_REACHED);
    assert.equal(cancelWorthRunningAgain(error), true);
  });

  it("says the engine gave no reason for an internal error, which may have taken effect, and offers no Cancel again", async () => {
    // As firebase-functions answers an engine error it does not turn into an HttpsError.
    const error = await thrownBy((await engineAnswering(500, { error: { status: "INTERNAL", message: "INTERNAL" } })).cancelJob("j1"));
    assert.equal(
      actionFailure(error),
      "the engine failed without saying why (HTTP 500, internal; its logs have the cause), so this may or may not have taken effect: check the job before acting again",
    );
    assert.equal(cancelWorthRunningAgain(error), false);
  });

  it("says so too of an answer without a body (the platform in front of the engine), not the SDK's bare error code", async () => {
    const unavailable = await thrownBy((await engineAnswering(503)).retryJob("j1"));
    assert.equal(
      actionFailure(unavailable),
      "the engine failed without saying why (HTTP 503, unavailable; its logs have the cause), so this may or may not have taken effect: check the job before acting again",
    );
    const internal = await thrownBy((await engineAnswering(500)).revertChange("c1"));
    assert.match(actionFailure(internal), /^the engine failed without saying why \(HTTP 500, internal;/);
  });

  it("keeps the engine's own words for a refusal", async () => {
    const refusal = "cannot retry job j1: it is queued";
    const error = await thrownBy(
      (await engineAnswering(400, { error: { status: "FAILED_PRECONDITION", message: refusal } })).retryJob("j1"),
    );
    assert.equal(actionFailure(error), refusal);
  });
});

describe("Revert all", () => {
  it("calls the revertJob callable with the job's id and gives how many changes it reverted", async () => {
    const asked: string[] = [];
    const answer = { job_id: "j1", reverted: 3, already_reverted: 1 };
    const actions = await engineServing((response, request) => {
      let body = "";
      request.on("data", (chunk: Buffer) => (body += chunk.toString()));
      request.on("end", () => {
        asked.push(`${request.url} ${body}`);
        response.writeHead(200, { "content-type": "application/json" });
        response.end(JSON.stringify({ result: answer }));
      });
    });
    assert.deepEqual(await actions.revertJob("j1"), answer);
    assert.deepEqual(asked, ['/demo-actions/us-central1/revertJob {"data":{"jobId":"j1"}}']);
  });

  it("keeps the engine's words naming the change in the way when it is refused", async () => {
    const refusal =
      "job j1 cannot be reverted, nothing was: change c1 cannot be reverted: exercises/e1 changed since (name), and later change c9 (job j2) is in effect on it: revert it first (last applied, first reverted)";
    const error = await thrownBy(
      (await engineAnswering(400, { error: { status: "FAILED_PRECONDITION", message: refusal } })).revertJob("j1"),
    );
    assert.equal(actionFailure(error), refusal);
  });
});

/** An engine served at a local port that answers every call as `answer` does. */
async function engineServing(answer: (response: ServerResponse, request: IncomingMessage) => void) {
  const engine = createHttpServer((request, response) => answer(response, request));
  servers.push(engine);
  return actionsAt(await listening(engine));
}

/** An engine that answers every call with `status` and `body` (none: an empty answer). */
const engineAnswering = (status: number, body?: unknown) =>
  engineServing((response) => {
    response.writeHead(status, body === undefined ? {} : { "content-type": "application/json" });
    response.end(body === undefined ? "" : JSON.stringify(body));
  });
