/**
 * The README's "Logs" table, held to the engine's named log events (`jobs/logs.ts`): every message the
 * module logs, each with every severity it is logged at, and no other message.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";

const readme = readFileSync(join(__dirname, "../../../README.md"), "utf8");
const source = readFileSync(join(__dirname, "../../src/jobs/logs.ts"), "utf8");

const SEVERITIES = ["debug", "info", "warn", "error"] as const;

/** Each log call of the module, its message a literal as every event's is: severities by message. */
function loggedEvents(): Map<string, Set<string>> {
  const events = new Map<string, Set<string>>();
  for (const [, severity, literal] of source.matchAll(/\blog\.(debug|info|warn|error)\(\s*("(?:[^"\\]|\\.)*")/g)) {
    const message = JSON.parse(literal) as string;
    events.set(message, (events.get(message) ?? new Set()).add(severity));
  }
  return events;
}

/** The message and severity cells of the README's table whose header starts with `| message | severity |`. */
function tableRows(): Array<{ message: string; severities: string[] }> {
  const body = /^\| message \| severity \|.*\n\|[- |]+\|\n((?:\|.*\|\n)+)/m.exec(readme)?.[1] ?? "";
  return body
    .trim()
    .split("\n")
    .map((row) => row.split("|").map((cell) => cell.trim()))
    .map(([, message, severity]) => ({
      message: message.replace(/^`|`$/g, ""),
      severities: SEVERITIES.filter((level) => new RegExp(`\\b${level}\\b`).test(severity)),
    }));
}

describe("the README's log events", () => {
  const events = loggedEvents();
  const rows = tableRows();

  it("are read from every log call of jobs/logs.ts: each names its message as a literal", () => {
    const calls = source.match(/\blog\.(debug|info|warn|error)\(/g) ?? [];
    expect(calls.length).toBeGreaterThan(0);
    expect(source.match(/\blog\.(debug|info|warn|error)\(\s*"/g)).toHaveLength(calls.length);
  });

  it("are the module's messages, each once", () => {
    expect(rows.map(({ message }) => message).sort()).toEqual([...events.keys()].sort());
  });

  it.each([...events.entries()])("%s: at the severities it is logged at", (message, severities) => {
    expect(rows.find((row) => row.message === message)?.severities).toEqual(SEVERITIES.filter((level) => severities.has(level)));
  });
});
