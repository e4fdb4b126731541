/**
 * `tsx functions/scripts/emulator-params.ts <project> [PARAM...]`, run by scripts/emulator-suite.sh before
 * it starts the Emulator Suite: gives the Functions emulator a value for every param, so that it neither
 * asks for one nor pins one.
 *
 * The emulator resolves a param that none of functions/.env, functions/.env.<project> and
 * functions/.env.local sets interactively, whatever the terminal (firebase-tools 15 hard-codes
 * `nonInteractive: false`): it asks in a terminal, takes the default without one, and then appends what it
 * got to functions/.env.local, which outranks the other two under the emulator, so later edits of those
 * would no longer reach the emulated functions.
 *
 * So functions/.env.local holds a generated block, rewritten on each run: the declared default (PARAMS,
 * src/config.ts) of each param that no other line of the three files sets. The project's files take effect
 * on every run; the lines outside the block are the developer's and stay as they are, overriding the
 * project's files under the emulator as .env.local is meant to. A file from before the block existed also
 * holds what the emulator wrote: its lines that set a param no project file sets to that param's default
 * are dropped (the block sets the same value, and follows a changed default). `npm start` and the CLI
 * leave the block out (src/local/env-files.ts, which holds its markers).
 *
 * Prints the value the emulated functions get for each PARAM named, one a line.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { loadUserEnvs, parse, parseStrict } from "firebase-tools/lib/functions/env";
import { PARAMS } from "../src/config";
import { BLOCK_END, BLOCK_START, LOCAL_ENV_FILE, splitAtGeneratedBlock } from "../src/local/env-files";

/** Each param of the config table with the default the emulator would offer for it. */
export function paramDefaults(): Map<string, string> {
  return new Map(
    Object.values(PARAMS).map(({ param }): [string, string] => {
      const value: unknown = param.options.default;
      // An expression of other params has no value to write before they have one.
      if (typeof value !== "string" && typeof value !== "number" && typeof value !== "boolean")
        throw new Error(`param ${param.name} has no literal default`);
      return [param.name, String(value)];
    }),
  );
}

const ESCAPES: Record<string, string> = { "\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t", "\v": "\\v" };

/** `NAME=value`, read back by firebase-tools as `value`: plain when it can be, else double-quoted with escapes. */
export function dotenvLine(name: string, value: string): string {
  // Unquoted, firebase-tools trims the value and cuts it at a `#`.
  if (/^([\w.:/@*+,=-]+( [\w.:/@*+,=-]+)*)?$/.test(value)) return `${name}=${value}`;
  return `${name}="${value.replace(/[\\"\n\r\t\v]/g, (c) => ESCAPES[c])}"`;
}

export interface EmulatorParamsReport {
  /** The params the block sets, at their defaults. */
  generated: string[];
  /** The params whose lines the emulator had written, before the block existed, were dropped. */
  dropped: string[];
  /** The developer's values that differ from the project's files, which they override under the emulator. */
  overrides: Array<{ name: string; local: string; project: string }>;
}

/** Rewrites the generated block of `<functionsDir>/.env.local` for `projectId`. */
export function writeEmulatorParams(functionsDir: string, projectId: string): EmulatorParamsReport {
  // .env and .env.<project>, read by the emulator's own reader, as it reads them.
  const project = loadUserEnvs({ functionsSource: functionsDir, projectDir: functionsDir, projectId, isEmulator: false });
  const path = join(functionsDir, LOCAL_ENV_FILE);
  const text = existsSync(path) ? readFileSync(path, "utf8") : "";
  const defaults = paramDefaults();
  const split = splitAtGeneratedBlock(text);
  if (!split)
    throw new Error(`the generated block's markers are broken: delete its lines (from "${BLOCK_START}" to "${BLOCK_END}") and run again`);
  const dropped: string[] = [];
  // Without the block, the file may hold what the emulator wrote: a default no project file sets.
  const own = split.hadBlock
    ? split.own
    : split.own.filter((line) => {
        const assigned = Object.entries(parse(line).envs);
        if (assigned.length !== 1) return true;
        const [name, value] = assigned[0];
        if (defaults.get(name) !== value || Object.hasOwn(project, name)) return true;
        dropped.push(name);
        return false;
      });
  const at = split.hadBlock ? split.at : own.length;

  let mine: Record<string, string>;
  try {
    mine = parseStrict(own.join("\n"));
  } catch (err) {
    // The emulator would refuse the file too; its error names the lines.
    throw new Error(`${LOCAL_ENV_FILE}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  const generated = [...defaults.keys()].filter((name) => !Object.hasOwn(project, name) && !Object.hasOwn(mine, name));
  const block = [BLOCK_START, ...generated.map((name) => dotenvLine(name, defaults.get(name) ?? "")), BLOCK_END];
  const updated = [...own.slice(0, at), ...block, ...own.slice(at)].join("\n") + "\n";
  if (updated !== text) writeFileSync(path, updated);

  const overrides = Object.entries(mine).flatMap(([name, local]) =>
    Object.hasOwn(project, name) && project[name] !== local ? [{ name, local, project: project[name] }] : [],
  );
  return { generated, dropped, overrides };
}

function main([projectId, ...names]: string[]): void {
  if (!projectId) throw new Error("usage: emulator-params.ts <project> [PARAM...]");
  const functionsDir = resolve(__dirname, "..");
  const file = `functions/${LOCAL_ENV_FILE}`;
  const { generated, dropped, overrides } = writeEmulatorParams(functionsDir, projectId);
  console.error(`${file}: ${generated.length} params at their defaults in the generated block (src/config.ts)`);
  if (dropped.length > 0)
    console.error(`${file}: dropped the lines the Functions emulator had written at the defaults: ${dropped.join(", ")}`);
  for (const { name, local, project } of overrides)
    console.error(`${file} overrides ${name} under the emulator: ${local} (functions/.env or .env.${projectId}: ${project})`);

  const emulated = loadUserEnvs({ functionsSource: functionsDir, projectDir: functionsDir, projectId, isEmulator: true });
  for (const name of names) {
    if (!Object.hasOwn(emulated, name)) throw new Error(`no value for ${name}`);
    console.log(emulated[name]);
  }
}

if (require.main === module) {
  try {
    main(process.argv.slice(2));
  } catch (err) {
    console.error(`emulator-params: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }
}
