/**
 * The README's params table, held to the config table (`PARAMS`): every param named with its declared default (in
 * the unit it is declared in, as operators set it), and no param the config table lacks. A row may name several
 * params, their defaults in the same order (`A` / `B`, or `A`, `B`); a name written from `_` is the row's first
 * name with its end replaced (`PRIORITY_LANE_MAX_CONCURRENT` / `_MAX_PER_SECOND`); `<TYPE>_X` stands for the
 * params every scheduled scan has, each scan's default schedule given by the Scheduled scans table.
 */
import { PARAMS } from "../../src/config";
import { SCAN_SCHEDULES } from "../../src/schedules/scans";
import { tableRows } from "../helpers/readme";

const TYPE = "<TYPE>";
const SEE_SCHEDULED_SCANS = "see [Scheduled scans]";

// Every default is a literal (an expression would be resolved at deploy; scripts/emulator-params.ts refuses one too).
const params = Object.values(PARAMS).map(({ param }) => ({
  name: param.name,
  declared: param.options.default as string | number | boolean,
}));
const paramNames = new Set(params.map(({ name }) => name));

/** The scan whose params `name` is one of, when every scan has that param: the README names them all once. */
function scanOf(name: string): { type: string; rest: string } | null {
  const scan = SCAN_SCHEDULES.find(({ type }) => name.startsWith(`${type}_`));
  const rest = scan ? name.slice(scan.type.length) : "";
  return scan && SCAN_SCHEDULES.every(({ type }) => paramNames.has(`${type}${rest}`)) ? { type: scan.type, rest } : null;
}

/** A param as the README names it. */
function readmeName(name: string): string {
  const scan = scanOf(name);
  return scan ? `${TYPE}${scan.rest}` : name;
}

/** `_X` of a row that starts with `first`: the README name ending in it that shares the rest of `first`; else as it is. */
function expand(name: string, first: string): string {
  if (!name.startsWith("_")) return name;
  const fits = [...new Set(params.map((param) => readmeName(param.name)))].filter(
    (candidate) => candidate.endsWith(name) && first.startsWith(`${candidate.slice(0, -name.length)}_`),
  );
  return fits.length === 1 ? fits[0] : name;
}

/** Each name of the table with its default as the README writes it: backquotes and the notes in parentheses left out. */
function documented(): Array<{ name: string; shown: string | undefined }> {
  return tableRows("param \\| default").flatMap(([names, defaults]) => {
    const [first, ...others] = [...names.matchAll(/`([^`]+)`/g)].map((match) => match[1]);
    const shown = defaults
      .replace(/\s*\([^)]*\)/g, "")
      .split(/\s+\/\s+|,\s+/)
      .map((value) => value.replaceAll("`", ""));
    return [first, ...others.map((name) => expand(name, first))].map((name, i) => ({ name, shown: shown[i] }));
  });
}

/** A scan's default schedule in the Scheduled scans table. */
function scheduledScanDefault(type: string): string | undefined {
  const row = tableRows("scan\\s+\\|\\s+function\\s*").find(([scan]) => scan === `\`${type}\``);
  return /^`([^`]+)`/.exec(row?.[2] ?? "")?.[1];
}

describe("the README's params table", () => {
  const rows = documented();

  it("names every param once, and none the config table lacks", () => {
    expect(rows.map(({ name }) => name).sort()).toEqual([...new Set(params.map(({ name }) => readmeName(name)))].sort());
  });

  it.each(params)("$name: with its declared default", ({ name, declared }) => {
    const shown = rows.find((row) => row.name === readmeName(name))?.shown;
    const scan = scanOf(name);
    if (scan && shown === SEE_SCHEDULED_SCANS) expect(scheduledScanDefault(scan.type)).toBe(declared);
    // An empty default is written as what it means ("built-in table"), not as a value.
    else if (declared === "") expect(shown).toMatch(/^[a-z][a-z -]*$/);
    else expect(shown).toBe(String(declared));
  });
});
