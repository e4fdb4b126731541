/**
 * The params the functions get from `functions/.env` files, for the CLI and `npm start`: they read the
 * files the deploy reads (and, on an emulator, the one the Functions emulator adds), parsed as the
 * Firebase CLI parses them (firebase-tools' `functions/env.ts`), so the operator exports nothing and
 * each sees the values the functions see. test/local/env-files.test.ts holds both to firebase-tools' own reader.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";

/** The functions' source directory, where the deploy looks for its `.env` files (from src/local or lib/local). */
export const FUNCTIONS_DIR = join(__dirname, "..", "..");

/**
 * One assignment, as firebase-tools' LINE_RE matches it: an optional `export`, the key, `=` with
 * spaces around it, a value single- or double-quoted (over several lines, if so) or bare up to a `#`,
 * and a trailing comment. Leading whitespace may span blank lines.
 */
const ASSIGNMENT = new RegExp(
  [
    String.raw`^\s*(?:export)?\s*`,
    String.raw`([\w./]+)`,
    String.raw`\s*=[\f\t\v]*`,
    String.raw`(\s*'(?:\\'|[^'])*'|\s*"(?:\\"|[^"])*"|[^#\r\n]*)?`,
    String.raw`\s*(?:#[^\n]*)?$`,
  ].join(""),
  "gm",
);

/** A value wholly in matching quotes: the quote and what is inside. */
const QUOTED = /^(["'])(.*)\1$/s;

/** The escapes a double-quoted value may hold (a single-quoted one is taken as written). */
const ESCAPES: Record<string, string> = { "\\n": "\n", "\\r": "\r", "\\t": "\t", "\\v": "\v", "\\\\": "\\", "\\'": "'", '\\"': '"' };
const ESCAPE = /\\[nrtv\\'"]/g;

export interface ParsedEnvFile {
  /** Each key's value; a key assigned again takes the later value. */
  values: Record<string, string>;
  /** The lines, trimmed, that are neither an assignment, a comment nor blank: the deploy refuses a file with any. */
  unparsed: string[];
}

/** One `.env` file's text, read as the Firebase CLI reads it (its `parse`). */
export function parseEnvFile(text: string): ParsedEnvFile {
  // Only the first CR LF (or CR) becomes LF, as firebase-tools' replace has no `g`: a value quoted
  // over several lines of a CRLF file keeps its later CRs in the deployed functions too.
  const data = text.replace(/\r\n?/, "\n");
  const values: Record<string, string> = {};
  for (const [, key, raw = ""] of data.matchAll(ASSIGNMENT)) {
    const value = raw.trim();
    const quoted = QUOTED.exec(value);
    if (!quoted) values[key] = value;
    else values[key] = quoted[1] === '"' ? quoted[2].replace(ESCAPE, (escape) => ESCAPES[escape]) : quoted[2];
  }
  const unparsed = data
    .replace(ASSIGNMENT, "")
    .split(/[\r\n]+/)
    .map((line) => line.trim())
    .filter((line) => line.length > 0 && !line.startsWith("#"));
  return { values, unparsed };
}

/**
 * The files the Functions deploy reads for `project`, each over the ones before it: `.env`, then
 * `.env.<project>`; on an emulator `.env.local` last, as the Functions emulator reads it.
 */
export function envFileNames(project: string | undefined, emulator: boolean): string[] {
  return [".env", ...(project ? [`.env.${project}`] : []), ...(emulator ? [".env.local"] : [])];
}

/**
 * Sets in `env` each variable the files `names` of `dir` assign (a later file's value over an earlier
 * one's) that `env` does not hold already: a variable of the environment wins. With `only`, the
 * variables outside it are left out. A file that is absent is skipped; returns a warning for each file
 * that cannot be read or holds lines that do not parse (the caller goes on with the lines that do).
 */
export function loadEnvFiles(
  dir: string,
  names: readonly string[],
  { env = process.env, only }: { env?: NodeJS.ProcessEnv; only?: ReadonlySet<string> } = {},
): string[] {
  const warnings: string[] = [];
  const fromFiles: Record<string, string> = {};
  for (const name of names) {
    const path = join(dir, name);
    let text: string;
    try {
      text = readFileSync(path, "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") continue;
      warnings.push(`${path} not read: ${err instanceof Error ? err.message : String(err)}`);
      continue;
    }
    const { values, unparsed } = parseEnvFile(text);
    Object.assign(fromFiles, values);
    if (unparsed.length > 0)
      warnings.push(`${path}: lines left out, neither an assignment nor a comment (the deploy refuses the file): ${unparsed.join(" | ")}`);
  }
  for (const [key, value] of Object.entries(fromFiles)) if (!only || only.has(key)) env[key] ??= value;
  return warnings;
}
