/**
 * The whole CLI minus the process: finds the command, parses its arguments, prints help, runs it,
 * and turns what it threw into an exit code and one line for stderr. Tests run it in-process; the
 * `catalog-jobs` binary (`main.ts`) wires it to the process.
 */
import { registry } from "../handlers";
import { BIN, type CliContext, type CommandSpec, commandHelp, parseCall } from "./command";
import { COMMANDS, ENGINE_ONLY_TYPES } from "./commands";
import { EXIT_CODES, EXIT_CODE_HELP, failureOf } from "./errors";

function overview(): string {
  const usage = (command: CommandSpec) => `${command.name}${command.args ? ` ${command.args}` : ""}`;
  const width = Math.max(...COMMANDS.map((command) => usage(command).length));
  return [
    `usage: ${BIN} <command> [arguments] [options]`,
    "",
    "The operator CLI of Catalog Jobs. It works on the Firestore emulator FIRESTORE_EMULATOR_HOST names, or on the",
    "project's Firestore (GCLOUD_PROJECT) with application default credentials. VERBOSE=1 shows the engine's logs on stderr.",
    "",
    "commands:",
    ...COMMANDS.map((command) => `  ${usage(command).padEnd(width)}  ${command.summary}`),
    "",
    `\`${BIN} <command> --help\` shows a command's options; every command takes --json.`,
    "",
    "exit codes:",
    ...EXIT_CODE_HELP.map((line) => `  ${line}`),
    "",
    `job types: ${registry.requestableTypes.join(", ")}`,
    ...(ENGINE_ONLY_TYPES.length > 0
      ? [`made only by the engine (\`list --type\` and \`history --type\` take them, \`submit\` does not): ${ENGINE_ONLY_TYPES.join(", ")}`]
      : []),
  ].join("\n");
}

/** The command `argv` starts with (two words for a subcommand), and the arguments after its name. */
function findCommand(argv: readonly string[]): { command: CommandSpec; rest: string[] } | undefined {
  const [first, second] = argv;
  const sub = COMMANDS.find((command) => command.name === `${first} ${second}`);
  if (sub) return { command: sub, rest: argv.slice(2) };
  const command = COMMANDS.find((candidate) => candidate.name === first);
  return command && { command, rest: argv.slice(1) };
}

/** The line a Ctrl-C prints: for a command that writes, what it may have left and how to go on. */
export function interruptedLine(argv: readonly string[]): string {
  const command = findCommand(argv)?.command;
  return `${BIN}${command ? ` ${command.name}` : ""}: interrupted${command?.interrupted ? `; ${command.interrupted}` : ""}`;
}

/**
 * Where a failure points for help: the arguments to run again with, not the `catalog-jobs` binary,
 * which someone running `npm run cli --` does not have.
 */
const seeHelp = (command?: CommandSpec) => `(see \`${command ? `${command.name} ` : ""}--help\`)`;

export async function runCli(argv: readonly string[], io: CliContext): Promise<number> {
  const [first] = argv;
  if (first === undefined) {
    io.err(`${BIN}: no command given ${seeHelp()}`);
    return EXIT_CODES.usage;
  }
  if (first === "--help" || first === "-h" || first === "help") {
    const asked = argv.length > 1 ? findCommand(argv.slice(1)) : undefined;
    if (argv.length > 1 && !asked) {
      io.err(`${BIN}: unknown command "${argv.slice(1).join(" ")}" ${seeHelp()}`);
      return EXIT_CODES.usage;
    }
    io.out(asked ? commandHelp(asked.command) : overview());
    return EXIT_CODES.ok;
  }
  const found = findCommand(argv);
  if (!found) {
    io.err(`${BIN}: unknown command "${first}" ${seeHelp()}`);
    return EXIT_CODES.usage;
  }
  const { command, rest } = found;
  try {
    const call = parseCall(command, rest);
    if (call.help) io.out(commandHelp(command));
    else await command.run(call, io);
    return EXIT_CODES.ok;
  } catch (err) {
    const failure = failureOf(err, command.verb ?? command.name);
    const hint = failure.exitCode === EXIT_CODES.usage ? ` ${seeHelp(command)}` : "";
    io.err(`${BIN} ${command.name}: ${failure.message}${hint}`);
    return failure.exitCode;
  }
}
