/**
 * What a curator action says when its callable fails (actions.ts), with the errors the Functions SDK itself raises:
 * its callables point at a local port, which refuses the connection (as offline) or answers as firebase-functions
 * does an engine's unhandled error.
 */
import assert from "node:assert/strict";
import { createServer as createHttpServer, type Server } from "node:http";
import { createServer } from "node:net";
import { after, describe, it } from "node:test";
import { deleteApp, type FirebaseApp, initializeApp } from "firebase/app";
import { connectFunctionsEmulator, getFunctions } from "firebase/functions";
import { actionFailure, cancelWorthRunningAgain, operatorActions } from "../../src/actions";
import { asError } from "../../src/format";

const apps: FirebaseApp[] = [];
const servers: Server[] = [];
after(async () => {
  await Promise.all(apps.map((app) => deleteApp(app)));
  for (const server of servers) server.close();
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

describe("a curator action whose callable fails", () => {
  it("says in plain words that the engine could not be reached, when the request got no answer; Cancel is offered again", async () => {
    // A port nothing listens on any more: the SDK's fetch fails, as when the browser is offline.
    const closed = createServer();
    const port = await listening(closed);
    await new Promise((resolve) => closed.close(resolve));
    const actions = actionsAt(port);
    for (const action of [() => actions.retryJob("j1"), () => actions.cancelJob("j1"), () => actions.revertChange("c1")]) {
      const error = await thrownBy(action());
      assert.equal(
        actionFailure(error),
        "the console could not reach the engine (offline, or the connection dropped), so this may or may not have taken effect: check the job before acting again",
      );
      assert.equal(cancelWorthRunningAgain(error), true);
    }
  });

  /** An engine served at a local port that answers every call with `status` and `body` (none: an empty answer). */
  async function engineAnswering(status: number, body?: unknown) {
    const engine = createHttpServer((_request, response) => {
      response.writeHead(status, body === undefined ? {} : { "content-type": "application/json" });
      response.end(body === undefined ? "" : JSON.stringify(body));
    });
    servers.push(engine);
    return actionsAt(await listening(engine));
  }

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
