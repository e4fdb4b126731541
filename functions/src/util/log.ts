/**
 * The structured logger every module writes through. Fields set with `withLogFields` (the engine
 * sets a running job's identity) ride along on every line written inside that async scope, so a
 * line from the ApplyEngine, the LLM client or a catalog read carries the job it belongs to
 * without being passed it.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import * as logger from "firebase-functions/logger";

export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

const ambient = new AsyncLocalStorage<LogFields>();

/** Runs `fn` with `fields` added to every log line written inside it (nested scopes add up). */
export function withLogFields<T>(fields: LogFields, fn: () => T): T {
  return ambient.run({ ...ambient.getStore(), ...fields }, fn);
}

/**
 * Runs `fn` outside every scope's fields: work it starts belongs to no job that happened to start it (a task an
 * in-process queue dispatches, as Cloud Tasks would in a request of its own).
 */
export function withoutLogFields<T>(fn: () => T): T {
  return ambient.exit(fn);
}

/** The fields of the current scope. */
export function currentLogFields(): LogFields {
  return { ...ambient.getStore() };
}

/**
 * The line's fields: the scope's, then the caller's. Cloud Logging uses `message` for the line
 * itself, so a caller's `message` (usually an error's text) is kept under `reason` instead of
 * being overwritten.
 */
function entry(fields: LogFields | undefined): LogFields {
  const { message, ...rest } = { ...ambient.getStore(), ...fields };
  return message === undefined ? rest : { ...rest, reason: message };
}

export const log: Logger = {
  debug: (message, fields) => logger.debug(message, entry(fields)),
  info: (message, fields) => logger.info(message, entry(fields)),
  warn: (message, fields) => logger.warn(message, entry(fields)),
  error: (message, fields) => logger.error(message, entry(fields)),
};

/** An error's own text for a log field. */
export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
