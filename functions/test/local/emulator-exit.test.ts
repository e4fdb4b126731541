/**
 * The official emulator `npm start` (and the tests) start runs in a process group of its own, so it
 * must not outlive the process that started it when that one exits without stopping it.
 */
import { spawn } from "node:child_process";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { officialJar } from "../../src/local/emulator";

const FUNCTIONS_DIR = join(__dirname, "..", "..");
const jar = officialJar();
const describeWithJar = existsSync(jar) ? describe : describe.skip;
if (!existsSync(jar)) process.stderr.write(`SKIPPED emulator exit: the official emulator jar is not at ${jar}\n`);

// Starts the emulator, prints its port, and exits at once without stopping it.
const STARTER = `
const { startOfficialEmulator } = require("./src/local/emulator");
void startOfficialEmulator({ projectId: "demo-exit" }).then((emulator) => {
  process.stdout.write(emulator.host.split(":")[1]);
  process.exit(0);
});
`;

/** Whether a process of the emulator started on `port` still runs (its command line names the port). */
function emulatorRunning(port: string): boolean {
  return readdirSync("/proc")
    .filter((entry) => /^\d+$/.test(entry))
    .some((pid) => {
      try {
        const command = readFileSync(`/proc/${pid}/cmdline`, "utf8");
        return command.includes("CloudFirestore") && command.includes(`--port=${port}`);
      } catch {
        return false; // gone meanwhile
      }
    });
}

describeWithJar("the official emulator's process", () => {
  it("goes with the process that started it, when that one exits without stopping it", async () => {
    const port = await new Promise<string>((resolve, reject) => {
      const child = spawn(process.execPath, ["--import", "tsx", "-e", STARTER], {
        cwd: FUNCTIONS_DIR,
        env: { ...process.env, NODE_OPTIONS: "" },
        timeout: 90_000,
      });
      let out = "";
      let err = "";
      child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
      child.stderr.on("data", (chunk: Buffer) => (err += chunk.toString()));
      child.on("error", reject);
      child.on("close", () => (/^\d+$/.test(out) ? resolve(out) : reject(new Error(`no emulator port: ${out} ${err}`))));
    });
    const deadline = Date.now() + 10_000;
    while (emulatorRunning(port) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(emulatorRunning(port)).toBe(false);
  }, 120_000);
});
