/**
 * What a CLI command is: its name, arguments, options (parsed strictly by `node:util` parseArgs),
 * and the help text made from them. Every command takes `--help`, and `--json` (JSON instead of its table or line).
 */
import { parseArgs } from "node:util";
import type { CuratorDirectory } from "../adapters/curators";
import type { Engine } from "../create-engine";
import { usageError } from "./errors";

export const BIN = "catalog-jobs";

interface OptionSpec {
  type: "string" | "boolean";
  description: string;
  /** The value's name in help ("N", "DAY"). */
  value?: string;
  short?: string;
}

/** What a command that reads no data needs of the engine: its params, job types and clock. */
type EngineSettings = Pick<Engine, "config" | "registry" | "now">;

export interface CliContext {
  /**
   * Created on first use, so help and usage errors never reach Firestore; refused at once when the
   * Firestore emulator named does not answer (the client would retry it for minutes), so callers await it.
   */
  engine: () => Engine | Promise<Engine>;
  /** The engine's settings without a connection (the engine's own once it is connected), so a check before deploying needs no project. */
  settings: () => EngineSettings;
  /** The curator claim's accounts (Firebase Auth), created on first use; refused at once when the Auth emulator named does not answer. */
  curators: () => CuratorDirectory | Promise<CuratorDirectory>;
  /**
   * Sets the engine's clock to Firestore's time (one read; a large offset is warned of on `err`), for a
   * command that compares leases with it or dates what it writes by it: an operator's machine may be
   * minutes off. Absent where the engine's clock is already the one to use (tests, scripts beside the emulator).
   */
  useFirestoreTime?: () => Promise<void>;
  out: (line: string) => void;
  /** Errors, and warnings about a command that still succeeded. */
  err: (line: string) => void;
}

export interface CommandCall {
  args: string[];
  options: ParsedOptions;
  json: boolean;
}

export interface CommandSpec {
  /** One word, or two for a subcommand ("schedules run"). */
  name: string;
  /** Positional arguments as help shows them ("<jobId>"). */
  args?: string;
  positionals: { min: number; max: number };
  summary: string;
  /** More lines of help. */
  details?: string[];
  options?: Record<string, OptionSpec>;
  /** The verb of its refusals ("cannot retry job X: ..."). */
  verb?: string;
  /** What a Ctrl-C may have left, and how to go on, for a command that writes (the interrupted line says it). */
  interrupted?: string;
  run(call: CommandCall, ctx: CliContext): void | Promise<void>;
}

const HELP_OPTION: OptionSpec = { type: "boolean", short: "h", description: "show this help" };
const JSON_OPTION: OptionSpec = { type: "boolean", description: "print JSON instead of a table or line" };

function optionsOf(command: CommandSpec): Record<string, OptionSpec> {
  return { ...command.options, json: JSON_OPTION, help: HELP_OPTION };
}

/** Option values of one call, read with the checks every command needs. */
export class ParsedOptions {
  constructor(private readonly values: ReturnType<typeof parseArgs>["values"]) {}

  text(name: string): string | undefined {
    const value = this.values[name];
    return typeof value === "string" ? value : undefined;
  }

  flag(name: string): boolean {
    return this.values[name] === true;
  }

  /** A whole number option within limits; `fallback` when absent. */
  count(name: string, fallback: number, limits: { min?: number; max?: number } = {}): number {
    const raw = this.text(name);
    if (raw === undefined) return fallback;
    const value = /^\d+$/.test(raw) ? Number(raw) : NaN;
    const { min = 0, max = Number.MAX_SAFE_INTEGER } = limits;
    if (!Number.isSafeInteger(value) || value < min || value > max)
      throw usageError(`--${name} must be a whole number from ${min} to ${max}, not "${raw}"`);
    return value;
  }
}

/** Splits a command's own arguments into positionals and options; wrong ones are usage errors. */
export function parseCall(command: CommandSpec, argv: string[]): CommandCall & { help: boolean } {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: argv, options: optionsOf(command), allowPositionals: true, strict: true });
  } catch (err) {
    // parseArgs throws a TypeError with an ERR_PARSE_ARGS_* code (read by shape: it may come from another realm, as under jest).
    const message = typeof err === "object" && err !== null && "message" in err ? String(err.message) : String(err);
    const unknown = /^Unknown option '([^']+)'/.exec(message);
    throw usageError(unknown ? `unknown option ${unknown[1]}` : message.replace(/\.$/, ""));
  }
  const options = new ParsedOptions(parsed.values);
  const call = { args: parsed.positionals, options, json: options.flag("json"), help: options.flag("help") };
  if (call.help) return call;
  const { min, max } = command.positionals;
  if (call.args.length < min) throw usageError(`${command.name} needs ${command.args ?? "more arguments"}`);
  if (call.args.length > max) throw usageError(`${command.name} takes ${max === 0 ? "no arguments" : `at most ${max} argument(s)`}`);
  return call;
}

export function commandHelp(command: CommandSpec): string {
  const options = Object.entries(optionsOf(command)).map(([name, spec]) => {
    const flag = `${spec.short ? `-${spec.short}, ` : ""}--${name}${spec.value ? ` ${spec.value}` : ""}`;
    return `  ${flag.padEnd(22)} ${spec.description}`;
  });
  return [
    `usage: ${BIN} ${command.name}${command.args ? ` ${command.args}` : ""} [options]`,
    "",
    command.summary,
    ...(command.details ? ["", ...command.details] : []),
    "",
    "options:",
    ...options,
  ].join("\n");
}
