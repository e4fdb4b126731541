/**
 * The callables as index.ts invokes them: the caller is checked before the engine is set up, so an
 * engine that cannot be built (a param that does not parse) is never an `internal` error for someone
 * who may not act anyway.
 */
import type { CallableRequest } from "firebase-functions/v2/https";
import { HttpsError } from "firebase-functions/v2/https";
import { cancelJob, retryJob, revertChange, revertJob } from "../../src/adapters/invocations";

const INVALID_PARAM = "JOB_LEASE_SECONDS";
let saved: string | undefined;

beforeAll(() => {
  saved = process.env[INVALID_PARAM];
  // createEngine reads the lease length at once: with this value the engine cannot be built.
  process.env[INVALID_PARAM] = "soon";
});
afterAll(() => {
  if (saved === undefined) delete process.env[INVALID_PARAM];
  else process.env[INVALID_PARAM] = saved;
});

const request = (data: unknown, token?: Record<string, unknown>) =>
  ({ data, auth: token && { uid: "u1", token, rawToken: "" } }) as unknown as CallableRequest;

async function codeOf(call: Promise<unknown>): Promise<string> {
  const err = await call.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(HttpsError);
  return (err as HttpsError).code;
}

it.each([
  ["retryJob", retryJob, { jobId: "j1" }],
  ["cancelJob", cancelJob, { jobId: "j1" }],
  ["revertChange", revertChange, { changeId: "c1" }],
  ["revertJob", revertJob, { jobId: "j1" }],
] as const)("%s answers a caller who is not a curator, or bad input, before the engine is built", async (_name, call, data) => {
  expect(await codeOf(call(request(data)))).toBe("unauthenticated");
  expect(await codeOf(call(request(data, {})))).toBe("permission-denied");
  expect(await codeOf(call(request({ nonsense: 1 }, { catalog_admin: true, email_verified: true })))).toBe("invalid-argument");
});
