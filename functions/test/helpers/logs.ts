/** Capturing what the engine logs: the entries handed to firebase-functions/logger, as `{message, ...fields}`. */
import type * as LoggerModule from "firebase-functions/logger";

/** The logger module itself (an `import *` would be a read-only copy of it). */
const logger = jest.requireActual<typeof LoggerModule>("firebase-functions/logger");

export type LogEntry = Record<string, unknown> & { severity: string; message: unknown };

export async function captureLogs(fn: () => Promise<unknown>): Promise<LogEntry[]> {
  const entries: LogEntry[] = [];
  const capture = (severity: string) => (message: unknown, fields: unknown) =>
    void entries.push({ severity, message, ...(fields as object) });
  const spies = (["debug", "info", "warn", "error"] as const).map((level) => jest.spyOn(logger, level).mockImplementation(capture(level)));
  try {
    await fn();
  } finally {
    spies.forEach((spy) => spy.mockRestore());
  }
  return entries;
}
