/**
 * Imported first by the CLI. Its stdout is a table or JSON that scripts read and its stderr one line
 * per failure, so the engine's structured logs are dropped; VERBOSE=1 (or true) sends them to stderr.
 * (firebase-functions/logger keeps the console functions it finds when it is loaded, hence first.)
 * A VERBOSE that is neither on nor off only changes what is shown, so the command runs, with a warning.
 */
import { readSwitch } from "../local/switches";

const toStderr = (...args: unknown[]) => void process.stderr.write(`${args.map(String).join(" ")}\n`);
const verbose = readSwitch("VERBOSE", false);
if (verbose.problem) process.stderr.write(`warning: ${verbose.problem}: the engine's logs stay hidden\n`);
const sink = verbose.on ? toStderr : () => undefined;
console.log = console.info = console.debug = console.warn = console.error = sink;
