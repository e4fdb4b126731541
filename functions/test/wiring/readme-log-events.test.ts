/**
 * The README's "Logs" table, held to every log call in src: every message the engine logs, each with every
 * severity it is logged at, and no other message. The named events of `jobs/logs.ts` are all but one: config.ts
 * sits below that module's layer and logs its own.
 */
import { readFileSync, readdirSync } from "node:fs";
import { join, relative } from "node:path";
import { readme } from "../helpers/readme";

const SRC = join(__dirname, "../../src");

const SEVERITIES = ["debug", "info", "warn", "error"] as const;

/**
 * A log call: `log.<severity>(` of the engine's logger (`util/log.ts`), or `logger.<severity>(` of a logger an
 * event is handed (the LLM client's sink), in a module that imports util/log; the logger itself makes none. Any
 * other reference to a severity (a sink passed on) would hide its messages from the table.
 */
const LOG_REFERENCE = /\b(?:log|logger)\.(?:debug|info|warn|error)\b/g;
const LITERAL_LOG_CALL = /\b(?:log|logger)\.(debug|info|warn|error)\(\s*("(?:[^"\\]|\\.)*"|`(?:[^`\\]|\\.)*`)/g;
const IMPORTS_LOGGER = /from "(?:\.\.?\/)+util\/log"/;

/** The modules of src that log, by path from src. */
function loggingModules(): Map<string, string> {
  const modules = new Map<string, string>();
  for (const entry of readdirSync(SRC, { recursive: true, withFileTypes: true })) {
    const path = join(entry.parentPath, entry.name);
    if (!entry.isFile() || !entry.name.endsWith(".ts") || path === join(SRC, "util/log.ts")) continue;
    const source = readFileSync(path, "utf8");
    if (IMPORTS_LOGGER.test(source) && source.match(LOG_REFERENCE)) modules.set(relative(SRC, path), source);
  }
  return modules;
}

/** A message as its literal writes it (a template's `${…}` included), with the severities it is logged at. */
function loggedEvents(modules: Map<string, string>): Map<string, Set<string>> {
  const events = new Map<string, Set<string>>();
  for (const source of modules.values())
    for (const [, severity, literal] of source.matchAll(LITERAL_LOG_CALL)) {
      const message = literal.startsWith("`") ? literal.slice(1, -1) : (JSON.parse(literal) as string);
      events.set(message, (events.get(message) ?? new Set()).add(severity));
    }
  return events;
}

/** Whether a README message is this logged one: a template's `${…}` stands for the text it puts there. */
function describes(message: string, rowMessage: string): boolean {
  const parts = message.split(/\$\{[^}]*\}/).map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
  return new RegExp(`^${parts.join(".+")}$`).test(rowMessage);
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
  const modules = loggingModules();
  const events = loggedEvents(modules);
  const rows = tableRows();

  it("are read from every log call in src: each names its message as a literal", () => {
    for (const [path, source] of modules) {
      const references = source.match(LOG_REFERENCE) ?? [];
      expect({ path, literalCalls: [...source.matchAll(LITERAL_LOG_CALL)].length }).toEqual({ path, literalCalls: references.length });
    }
    expect(events.size).toBeGreaterThan(0);
  });

  it("are logged by jobs/logs.ts, the engine's named events, or by config.ts below its layer", () => {
    expect([...modules.keys()].sort()).toEqual(["config.ts", "jobs/logs.ts"]);
  });

  it("are the engine's messages, each once", () => {
    const logged = [...events.keys()];
    expect(rows.filter((row) => !logged.some((message) => describes(message, row.message))).map((row) => row.message)).toEqual([]);
    expect(logged.filter((message) => rows.filter((row) => describes(message, row.message)).length !== 1)).toEqual([]);
  });

  it.each([...events.entries()])("%s: at the severities it is logged at", (message, severities) => {
    expect(rows.find((row) => describes(message, row.message))?.severities).toEqual(SEVERITIES.filter((level) => severities.has(level)));
  });
});
