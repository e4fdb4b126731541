/**
 * How the CLI ends: an exit code a script can act on, and for a failure one line on stderr (never a
 * stack trace). The engine's own errors are mapped here, so its use cases stay free of CLI concerns.
 */
import { CuratorAccountNotFoundError } from "../adapters/curators";
import { ChangeConflictError, ChangeJobOpenError, ChangeNotFoundError } from "../apply/journal";
import { ConfigError } from "../config";
import { InvalidTransitionError, JobNotFoundError, refusedTransition } from "../jobs/errors";
import { InvalidJobError } from "../jobs/queue";
import { PageTokenError } from "../jobs/run-history-pages";

/** Each exit code and what it means, as help lists it. */
const EXITS = {
  ok: { code: 0, meaning: "ok" },
  failure: {
    code: 1,
    meaning:
      "failure: the command ran and failed or was refused (retrying a running job, a revert in conflict or while the change's job is open, seeding a catalog that holds documents, granting the curator claim to an account whose email is not verified), or could not run (no emulator answers at FIRESTORE_EMULATOR_HOST, or for curators at FIREBASE_AUTH_EMULATOR_HOST)",
  },
  usage: {
    code: 2,
    meaning:
      "usage: unknown command or option, missing argument, an empty option value, malformed JSON, date, id or email, invalid payload, curators on the Firestore emulator without the Auth emulator",
  },
  notFound: {
    code: 3,
    meaning:
      "not found: the job, change or account named does not exist (`history --job` lists whatever runs are left of a job: none is no error)",
  },
  interrupted: {
    code: 130,
    meaning: "interrupted (Ctrl-C): for a command that writes, the line says what it may have left and how to go on",
  },
} as const;

type Exit = keyof typeof EXITS;

export const EXIT_CODES = Object.fromEntries(Object.entries(EXITS).map(([name, { code }]) => [name, code])) as {
  [name in Exit]: (typeof EXITS)[name]["code"];
};

/** The exit codes as help lists them. */
export const EXIT_CODE_HELP = Object.values(EXITS).map(({ code, meaning }) => `${code}  ${meaning}`);

type ExitCode = (typeof EXIT_CODES)[keyof typeof EXIT_CODES];

class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
  ) {
    super(message);
    this.name = "CliError";
  }
}

export const usageError = (message: string) => new CliError(message, EXIT_CODES.usage);
export const refusal = (message: string) => new CliError(message, EXIT_CODES.failure);

/** The exit code and the one line to print for whatever a command threw. */
export function failureOf(err: unknown, verb: string): { exitCode: ExitCode; message: string } {
  const [exitCode, message] = ((): [ExitCode, string] => {
    if (err instanceof CliError) return [err.exitCode, err.message];
    if (err instanceof JobNotFoundError || err instanceof ChangeNotFoundError || err instanceof CuratorAccountNotFoundError)
      return [EXIT_CODES.notFound, err.message];
    if (err instanceof InvalidJobError || err instanceof PageTokenError) return [EXIT_CODES.usage, err.message];
    if (err instanceof InvalidTransitionError) return [EXIT_CODES.failure, refusedTransition(err, verb)];
    if (err instanceof ChangeConflictError || err instanceof ChangeJobOpenError || err instanceof ConfigError)
      return [EXIT_CODES.failure, err.message];
    return [EXIT_CODES.failure, err instanceof Error ? err.message : String(err)];
  })();
  return { exitCode, message: message.replace(/\s*\n\s*/g, " ") };
}
