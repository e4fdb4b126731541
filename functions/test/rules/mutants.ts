/**
 * Weakened copies of firestore.rules, found mechanically: every boolean expression after `return`
 * or `allow …: if` is split at its top-level `&&` and `||` (recursing into parentheses), and
 *
 * - each `&&` operand is replaced by `true` (the condition is dropped),
 * - each `||` operand is replaced by `false` (the alternative is dropped),
 * - a whole `allow` condition, or a function that returns a single condition, becomes `true`,
 * - each comparison with a number is loosened by one (`<= 500` → `<= 501`, `>= 0` → `>= -1`).
 *
 * Lists of names (`[…]` of quoted strings only: the job types, the keys `hasOnly` admits, the values
 * `in` admits) change too:
 *
 * - each item is dropped in turn (the rules admit less),
 * - a list that is part of a wider one (`userJobTypes()` of `allJobTypes()`, or of a list the
 *   caller knows from the code, such as every field of a job) is given each item of the nearest
 *   such list that it lacks, in turn (the rules admit more). A name from nowhere would tell nothing:
 *   no case can write a name no one knows.
 *
 * A mutant is a full rules text; the mutation check expects the case table to catch every one.
 */

export interface RulesMutant {
  /** Line of the mutated text in the original rules (1-based). */
  line: number;
  description: string;
  rules: string;
}

interface Span {
  start: number;
  end: number;
}

/** Expressions: the text after `return` or `allow …: if`, up to the `;` at depth 0. */
function expressionSpans(rules: string): { span: Span; kind: "return" | "allow" }[] {
  const found: { span: Span; kind: "return" | "allow" }[] = [];
  const starts = /\breturn\b|\ballow\s+[a-z, ]+:\s*if\b/g;
  for (let m = starts.exec(rules); m; m = starts.exec(rules)) {
    const start = m.index + m[0].length;
    const end = endOfStatement(rules, start);
    found.push({ span: trim(rules, { start, end }), kind: m[0] === "return" ? "return" : "allow" });
  }
  return found;
}

function endOfStatement(text: string, from: number): number {
  let depth = 0;
  for (let i = from; i < text.length; i++) {
    const ch = text[i];
    if (ch === "'") i = text.indexOf("'", i + 1);
    else if (ch === "/" && text[i + 1] === "/") i = text.indexOf("\n", i);
    else if ("([{".includes(ch)) depth++;
    else if (")]}".includes(ch)) depth--;
    else if (ch === ";" && depth === 0) return i;
  }
  throw new Error(`no end of statement after offset ${from}`);
}

function trim(text: string, span: Span): Span {
  let { start, end } = span;
  while (start < end && /\s/.test(text[start])) start++;
  while (end > start && /\s/.test(text[end - 1])) end--;
  return { start, end };
}

/** Splits `span` at top-level occurrences of `op`, skipping comments, strings and brackets. */
function splitTopLevel(text: string, span: Span, op: "&&" | "||"): Span[] {
  const parts: Span[] = [];
  let depth = 0;
  let partStart = span.start;
  for (let i = span.start; i < span.end; i++) {
    const ch = text[i];
    if (ch === "'") i = text.indexOf("'", i + 1);
    else if (ch === "/" && text[i + 1] === "/") i = text.indexOf("\n", i);
    else if ("([{".includes(ch)) depth++;
    else if (")]}".includes(ch)) depth--;
    else if (depth === 0 && text.startsWith(op, i)) {
      parts.push(trim(text, { start: partStart, end: i }));
      partStart = i + op.length;
      i += op.length - 1;
    }
  }
  parts.push(trim(text, { start: partStart, end: span.end }));
  return parts.map((part) => skipComments(text, part));
}

/** Drops whole-line `//` comments before and after an operand. */
function skipComments(text: string, span: Span): Span {
  let { start, end } = span;
  while (text.startsWith("//", start)) start = trim(text, { start: text.indexOf("\n", start), end }).start;
  for (let lastLine = text.lastIndexOf("\n", end - 1); lastLine > start && text.slice(lastLine, end).trim().startsWith("//");) {
    end = trim(text, { start, end: lastLine }).end;
    lastLine = text.lastIndexOf("\n", end - 1);
  }
  return { start, end };
}

/** `( … )` around the whole span: the inside, else null. */
function parenthesised(text: string, span: Span): Span | null {
  if (text[span.start] !== "(" || text[span.end - 1] !== ")") return null;
  let depth = 0;
  for (let i = span.start; i < span.end; i++) {
    if (text[i] === "'") i = text.indexOf("'", i + 1);
    else if (text[i] === "(") depth++;
    else if (text[i] === ")" && --depth === 0 && i !== span.end - 1) return null;
  }
  return trim(text, { start: span.start + 1, end: span.end - 1 });
}

interface Replacement {
  span: Span;
  with: string;
  why: string;
}

function operandReplacements(text: string, span: Span): Replacement[] {
  const inner = parenthesised(text, span);
  if (inner) return operandReplacements(text, inner);
  for (const [op, neutral, why] of [
    ["||", "false", "drop the alternative"],
    ["&&", "true", "drop the condition"],
  ] as const) {
    const parts = splitTopLevel(text, span, op);
    if (parts.length > 1) {
      return parts.flatMap((part) => [{ span: part, with: neutral, why }, ...operandReplacements(text, part)]);
    }
  }
  return comparisonReplacements(text, span);
}

/** `<= N` → `<= N+1`, `< N` → `< N+1`, `>= N` → `>= N-1`, `> N` → `> N-1`. */
function comparisonReplacements(text: string, span: Span): Replacement[] {
  const found: Replacement[] = [];
  const comparison = /(<=|>=|<|>)\s*(-?\d+)\b/g;
  const atom = text.slice(span.start, span.end);
  for (let m = comparison.exec(atom); m; m = comparison.exec(atom)) {
    const bound = Number(m[2]);
    const loosened = m[1].startsWith("<") ? bound + 1 : bound - 1;
    found.push({
      span: { start: span.start + m.index, end: span.start + m.index + m[0].length },
      with: `${m[1]} ${loosened}`,
      why: "loosen the bound",
    });
  }
  return found;
}

function lineOf(text: string, offset: number): number {
  return text.slice(0, offset).split("\n").length;
}

interface QuotedItem extends Span {
  value: string;
}

/** Every `[…]` of quoted strings only, by its items, skipping comments and strings (a `[` in one is no list). */
function stringLists(rules: string): QuotedItem[][] {
  const lists: QuotedItem[][] = [];
  const opened: number[] = [];
  for (let i = 0; i < rules.length; i++) {
    const ch = rules[i];
    if (ch === "'") i = rules.indexOf("'", i + 1);
    else if (ch === "/" && rules[i + 1] === "/") i = rules.indexOf("\n", i);
    else if (ch === "[") opened.push(i);
    else if (ch === "]") {
      const open = opened.pop();
      const items = open === undefined ? null : quotedItems(rules, { start: open + 1, end: i });
      if (items) lists.push(items);
    }
  }
  return lists;
}

/** The items of a list's inside when each is a quoted string, else null (an index, a list of expressions, `[]`). */
function quotedItems(text: string, inside: Span): QuotedItem[] | null {
  const content = text.slice(inside.start, inside.end);
  const item = /\s*('[^']*')\s*(,|$)/y;
  const items: QuotedItem[] = [];
  for (let m = item.exec(content); m; m = item.exec(content)) {
    const start = inside.start + m.index + m[0].indexOf("'");
    items.push({ start, end: start + m[1].length, value: m[1].slice(1, -1) });
    if (m[2] === "") return items;
  }
  return null;
}

/** The items of the smallest list (of `candidates`) that holds all of `list` and more, that `list` lacks. */
function nearestWiderItems(list: readonly string[], candidates: readonly (readonly string[])[]): string[] {
  const size = new Set(list).size;
  const wider = candidates
    .map((candidate) => new Set(candidate))
    .filter((candidate) => candidate.size > size && list.every((item) => candidate.has(item)))
    .sort((a, b) => a.size - b.size)[0];
  return [...(wider ?? [])].filter((item) => !list.includes(item));
}

function listMutants(rules: string, widerLists: readonly (readonly string[])[]): RulesMutant[] {
  const lists = stringLists(rules);
  const candidates = [...lists.map((items) => items.map((item) => item.value)), ...widerLists];
  const mutant = (at: number, description: string, span: Span, replacement: string): RulesMutant => ({
    line: lineOf(rules, at),
    description,
    rules: rules.slice(0, span.start) + replacement + rules.slice(span.end),
  });
  return lists.flatMap((items) => {
    // An item goes with the separator after it, the last one with the separator before it.
    const dropped = items.map((item, i) => {
      const span =
        i + 1 < items.length
          ? { start: item.start, end: items[i + 1].start }
          : { start: i > 0 ? items[i - 1].end : item.start, end: item.end };
      return mutant(item.start, `drop a list item: \`${rules.slice(item.start, item.end)}\``, span, "");
    });
    const last = items[items.length - 1];
    const added = nearestWiderItems(
      items.map((item) => item.value),
      candidates,
    ).map((value) => mutant(last.start, `add a list item: \`'${value}'\``, { start: last.end, end: last.end }, `, '${value}'`));
    return [...dropped, ...added];
  });
}

/**
 * Every mutant of `rules`, in the order of the rules text. `widerLists` are lists of names the code
 * knows (every job type, every field of a job) that a list of the rules may be part of.
 */
export function rulesMutants(rules: string, widerLists: readonly (readonly string[])[] = []): RulesMutant[] {
  const replacements: Replacement[] = [];
  for (const { span, kind } of expressionSpans(rules)) {
    const expression = rules.slice(span.start, span.end);
    if (expression.startsWith("[")) continue; // a list, not a condition
    const operands = operandReplacements(rules, span);
    const single = operands.every((r) => r.why === "loosen the bound");
    if (kind === "allow" || single) {
      if (expression !== "true") replacements.push({ span, with: "true", why: kind === "allow" ? "allow always" : "always hold" });
    }
    replacements.push(...operands);
  }
  const conditionMutants = replacements.map((r): RulesMutant => {
    const original = rules.slice(r.span.start, r.span.end).replace(/\s+/g, " ");
    return {
      line: lineOf(rules, r.span.start),
      description: `${r.why}: \`${original.length > 90 ? `${original.slice(0, 87)}...` : original}\` → \`${r.with}\``,
      rules: rules.slice(0, r.span.start) + r.with + rules.slice(r.span.end),
    };
  });
  // Stable: the conditions of a line keep their order, and the lists of a line follow them.
  return [...conditionMutants, ...listMutants(rules, widerLists)].sort((a, b) => a.line - b.line);
}
