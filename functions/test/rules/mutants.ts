/**
 * Weakened copies of firestore.rules, found mechanically: every boolean expression after `return`
 * or `allow …: if` is split at its top-level `&&` and `||` (recursing into parentheses), and
 *
 * - each `&&` operand is replaced by `true` (the condition is dropped),
 * - each `||` operand is replaced by `false` (the alternative is dropped),
 * - a whole `allow` condition, or a function that returns a single condition, becomes `true`,
 * - each comparison with a number is loosened by one (`<= 500` → `<= 501`, `>= 0` → `>= -1`).
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

export function rulesMutants(rules: string): RulesMutant[] {
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
  return replacements.map((r) => {
    const original = rules.slice(r.span.start, r.span.end).replace(/\s+/g, " ");
    return {
      line: lineOf(rules, r.span.start),
      description: `${r.why}: \`${original.length > 90 ? `${original.slice(0, 87)}...` : original}\` → \`${r.with}\``,
      rules: rules.slice(0, r.span.start) + r.with + rules.slice(r.span.end),
    };
  });
}
