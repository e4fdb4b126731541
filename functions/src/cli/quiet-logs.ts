/**
 * Imported first by the CLI. Its stdout is a table or JSON that scripts read and its stderr one line
 * per failure, so the engine's structured logs are dropped; VERBOSE=1 sends them to stderr.
 * (firebase-functions/logger keeps the console functions it finds when it is loaded, hence first.)
 */
const toStderr = (...args: unknown[]) => void process.stderr.write(`${args.map(String).join(" ")}\n`);
const sink = process.env.VERBOSE === "1" ? toStderr : () => undefined;
console.log = console.info = console.debug = console.warn = console.error = sink;
