/** Reading a model's answer: text → JSON → schema-checked value, failing with LLM_BAD_OUTPUT. Shared by the adapters. */
import type { z } from "zod";
import { LlmError } from "./errors";
import { shortList } from "../util/short-list";

const MAX_REPORTED_ISSUES = 10;

export function snippet(text: string, max = 200): string {
  return text.length <= max ? text : `${text.slice(0, max)}…`;
}

/** The JSON value in a model's text; tolerates a Markdown ```json fence around it (models add one despite JSON mode). */
export function parseJsonText(text: string): unknown {
  const readings = [text.trim()];
  const fenced = /```(?:json)?\s*([\s\S]*?)```/i.exec(text);
  if (fenced) readings.push(fenced[1].trim());
  for (const reading of readings) {
    try {
      return JSON.parse(reading);
    } catch {
      // try the next reading
    }
  }
  throw new LlmError("LLM_BAD_OUTPUT", `model output is not JSON: ${snippet(text)}`);
}

function formatIssues(error: z.ZodError): string {
  const issues = error.issues.map((issue) => `${issue.path.join(".") || "(root)"}: ${issue.message}`);
  return shortList(issues, MAX_REPORTED_ISSUES, { separator: "; " });
}

/** The value checked against the request's schema; the zod issues (path: message) go into the error message. */
export function parseWithSchema<T>(value: unknown, schema: z.ZodType<T>): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new LlmError("LLM_BAD_OUTPUT", `model output does not match the schema: ${formatIssues(parsed.error)}`);
  return parsed.data;
}
