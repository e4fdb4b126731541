/** The repository's README, read by the tests that hold its tables to the code. */
import { readFileSync } from "node:fs";
import { join } from "node:path";

export const readme = readFileSync(join(__dirname, "../../../README.md"), "utf8");

/** The cells of each row of the README table whose header starts with `| <first> |` (`first` a regular expression). */
export function tableRows(first: string): string[][] {
  const body = new RegExp(`^\\| ${first} \\|.*\\n\\|[- |]+\\|\\n((?:\\|.*\\|\\n)+)`, "m").exec(readme)?.[1] ?? "";
  return body
    .trim()
    .split("\n")
    .map((row) =>
      row
        .split("|")
        .slice(1, -1)
        .map((cell) => cell.trim()),
    );
}
