/**
 * A list a message names only the start of, so a long one does not make the message as long: "a, b, c and 12 more",
 * or, for items that hold commas themselves, joined with semicolons, "a; b; c; and 12 more".
 * `others` names what the rest are ("more of its changes").
 */
export function shortList(
  items: readonly string[],
  shown: number,
  { separator = ", ", others = "more" }: { separator?: ", " | "; "; others?: string } = {},
): string {
  const listed = items.slice(0, shown).join(separator);
  const rest = items.length - shown;
  if (rest <= 0) return listed;
  return `${listed}${separator === ", " ? "" : ";"} and ${rest} ${others}`;
}
