/**
 * The README's job types and statuses, held to the code: every registered type with its default lane
 * and its payload's top-level fields (optional ones marked `?`, `mode` left out as every payload has
 * it), and every status of the lifecycle.
 */
import type { z } from "zod";
import { registry } from "../../src/handlers";
import { JOB_STATUSES } from "../../src/jobs/lifecycle";
import { tableRows } from "../helpers/readme";

/** Backquoted names in a cell: the top-level fields (nested ones are written without backquotes). */
const fieldsIn = (cell: string) => [...cell.matchAll(/`([a-z_]+\??)`/g)].map((match) => match[1]);

function payloadFields(type: string): string[] {
  const shape = (registry.handlerFor(type).payload as unknown as z.ZodObject).shape;
  return Object.entries(shape)
    .filter(([name]) => name !== "mode")
    .map(([name, schema]) => (schema.safeParse(undefined).success ? `${name}?` : name));
}

describe("the README's job types", () => {
  const rows = tableRows("type \\| lane \\| payload");

  it("are the registered ones, in the registry's order", () => {
    expect(rows.map(([type]) => type.replaceAll("`", ""))).toEqual(registry.types);
  });

  it.each(registry.types)("%s: its default lane and its payload's fields", (type) => {
    const [, lane, payload] = rows.find(([name]) => name === `\`${type}\``) ?? [];
    expect(lane).toBe(registry.defaultLane(type));
    expect(fieldsIn(payload ?? "").sort()).toEqual(payloadFields(type).sort());
  });
});

describe("the README's job statuses", () => {
  it("are the lifecycle's", () => {
    expect(tableRows("status \\| meaning").map(([status]) => status.replaceAll("`", ""))).toEqual(JOB_STATUSES);
  });
});
