/**
 * Clearing the emulator between tests waits out what passes (a held transaction lock, a failed clear
 * right after a listener closed) and reports what does not.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { clearEmulator } from "../../src/local/emulator";

/** An endpoint that answers DELETEs with `statuses` in turn (the last one from then on). */
async function endpoint(statuses: number[]): Promise<{ url: string; calls: () => number; close: () => Promise<void> }> {
  let calls = 0;
  const server: Server = createServer((_req, res) => {
    const status = statuses[Math.min(calls++, statuses.length - 1)];
    res.writeHead(status, { "content-type": "application/json" }).end(status === 200 ? "{}" : `{"error":{"code":${status}}}`);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/emulator/v1/projects/p/databases/(default)/documents`,
    calls: () => calls,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

const FAST = { 409: 10, 500: 10 };

describe("clearEmulator", () => {
  it("tries again after a lock timeout (409) and a server error (500)", async () => {
    const server = await endpoint([409, 500, 200]);
    try {
      await clearEmulator(server.url, FAST);
      expect(server.calls()).toBe(3);
    } finally {
      await server.close();
    }
  });

  it("fails at once on an answer that will not pass, and after ten tries on one that keeps coming", async () => {
    const refused = await endpoint([403]);
    const busy = await endpoint([500]);
    try {
      await expect(clearEmulator(refused.url, FAST)).rejects.toThrow("clearing the emulator failed: 403");
      expect(refused.calls()).toBe(1);
      await expect(clearEmulator(busy.url, FAST)).rejects.toThrow("clearing the emulator failed: 500");
      expect(busy.calls()).toBe(10);
    } finally {
      await Promise.all([refused.close(), busy.close()]);
    }
  });
});
