/**
 * Style rules for the catalog's text content (execution notes, mistakes, notes, tags, description).
 * The quality scanner reports these issues; the enrichment normaliser uses the same detectors to
 * clean LLM output and to refuse a replacement that is no better than what is already stored.
 */
import { type ContentField, DESCRIPTION_TARGET_MIN_LENGTH, EQUIPMENT_NAMES, isTitleCase } from "./taxonomy";

export type StyleCheck =
  "markup" | "voice" | "missing_setup" | "label_format" | "not_gerund" | "short_items" | "description_short" | "description_equipment";

export interface StyleIssue {
  check: StyleCheck;
  message: string;
}

// A dash of any kind: "-", en and em dash, non-breaking hyphen, minus sign….
const DASH = String.raw`[\p{Pd}\u2212]`;
// The marks that close a number ("1." "1)" "1:"), full-width ones too. A run of them is one mark, so the cleaner
// leaves no ")" of "1.)" behind.
const CLOSING_MARKS = String.raw`[.):\uFF0E\uFF09\uFF1A]+`;
// The text of a step starts with a capital: "1 - Stand", "Step 1 Stand", not "60 - second rest".
const BEFORE_CAPITALISED_WORD = String.raw`(?=\s+[A-Z])`;
// "Step 1" numbers a step only when something closes it: a closing mark ("Step 1:", "Step 1.)"), a dash before
// the step's text ("Step 1 - Stand", "Step 1-Stand") or a capitalised word ("Step 1 Stand"). "Step 2-3 feet away"
// (a dash before a number is a range's) and "Step 1 foot forward" are instructions. The markers are matched
// case-sensitively for those capitals, so "step" is spelled in any case letter by letter.
const STEP_NUMBER = String.raw`[Ss][Tt][Ee][Pp]\s+\p{Nd}+(?:\s*${CLOSING_MARKS}(?!\p{Nd})|\s*${DASH}(?!\s*\p{Nd})(?=\s|[A-Z])|${BEFORE_CAPITALISED_WORD})`;
// Numbering, in any digits ("1." "１." "1)" "1.)" "(1)", but not "1.5x"), its mark or a dash apart from the number
// before a capitalised word ("1 . Stand", "1 - Stand", but not the range of "2 - 3 sets", the "90-degree bend" or
// a "60 - second rest"), a keycap ("1️⃣"), an enclosed number ("①", "❶") or "Step 1".
const NUMBERING = String.raw`\(?\p{Nd}+(?:${CLOSING_MARKS}(?!\p{Nd})|\s+(?:${CLOSING_MARKS}|${DASH})${BEFORE_CAPITALISED_WORD})|\p{Nd}\uFE0F?\u20E3|[\u2460-\u24FF\u2776-\u2793]|${STEP_NUMBER}`;
// The Unicode blocks whose symbols open an item as a bullet does. A list of blocks, not every symbol (\p{So}):
// signs of units, measures and rights open real text ("° of knee flexion", "℃", "№", "㎏", "©2020 drills").
const BULLET_SYMBOL_BLOCKS = [
  String.raw`\u2190-\u21FF`, // arrows: "→"
  // Of miscellaneous technical, only its emoji ("⏱", "⏩"): the block holds "⌀" of a diameter too.
  String.raw`\u231A\u231B\u23E9-\u23F3\u23F8-\u23FA`,
  String.raw`\u25A0-\u27BF`, // geometric shapes, miscellaneous symbols and dingbats: "●", "▪", "★", "☑", "✓", "➤"
  String.raw`\u27F0-\u27FF\u2900-\u297F`, // supplemental arrows: "⟶", "⤷"
  String.raw`\u2B00-\u2BFF`, // miscellaneous symbols and arrows: "⮕", "⬤", "⭐"
  String.raw`\u{1F000}-\u{1FAFF}`, // emoji pictographs, geometric shapes and arrows: "👉", "🏋", "🟢"
].join("");
// Bullets: "*", "+" and a dash not directly before a digit (the signs of "+5 lb" and "−5°"), the bullets of punctuation,
// and a symbol of those blocks, its emoji presentation, skin tone and joined symbols ("✔️", "👉🏽") with it.
const BULLET = String.raw`(?:[*·•‣⁃∙]|(?:\+|${DASH})(?!\p{Nd})|[${BULLET_SYMBOL_BLOCKS}])(?:[\u{1F3FB}-\u{1F3FF}\p{M}]|\u200D)*`;
// One marker for the scanner and the cleaner, so what one strips the other flags ("•Stand tall" too).
const MARKER = `(?:${NUMBERING}|${BULLET})`;
// Leading bold "**" starts with the "*" bullet.
const LIST_MARKER = new RegExp(`^\\s*(?:${MARKER}|__)`, "u");
const LEADING_MARKER = new RegExp(`^\\s*${MARKER}\\s*`, "u");
// Any "*" is markdown in catalog text, a stray one left by unbalanced emphasis ("Brace* your core") too.
const INLINE_MARKDOWN = /\*|__|`|^\s*#/;
// The runs that open and close emphasis, longest first as an opening run tries them.
const EMPHASIS_DELIMITERS = ["***", "**", "*", "___", "__", "_"];
// Emphasis stays within a line, as "." does in a regex.
const LINE_BREAK = /([\n\r\u2028\u2029])/;

/** Closing quotes and brackets that may follow a sentence's last mark. */
const CLOSERS = `["'”’)\\]]*`;
const FULL_STOP_END = new RegExp(`\\.${CLOSERS}$`, "u");
// (?<!…) tries a run of marks only where it starts: from each of its marks, a long run not at the end
// takes quadratic time.
const OTHER_END = new RegExp(`(?<![!?…])[!?…]+(?=${CLOSERS}$)`, "u");

/** Ends as a programming use case must: with "." (closing quotes and brackets after it included). */
function endsWithFullStop(sentence: string): boolean {
  return FULL_STOP_END.test(sentence.trim());
}

/**
 * "Pair with squats," → "Pair with squats.", "Go heavy!" → "Go heavy.", 'Great for "conditioning"' →
 * 'Great for "conditioning".': use cases are sentences ending with "." (closing quotes and brackets
 * after it included), so a trailing comma, semicolon or colon goes, a final "!", "?" or "…" becomes
 * ".", and a missing full stop is added.
 */
export function asSentence(item: string): string {
  // (?<!…) tries the trailing run only where it starts, as in OTHER_END.
  const text = item.replace(/(?<![\s,;:])[\s,;:]+$/, "").replace(OTHER_END, ".");
  return text === "" || endsWithFullStop(text) ? text : `${text}.`;
}

/**
 * The form the field table asks of each item of a content list, beyond style: a use case ends with "."
 * (as `asSentence` writes it), a tag is in Title Case (as `titleCase` writes it). The enrichment
 * normaliser writes every item so; the quality scanner flags a stored item that is not.
 */
export const CONTENT_ITEM_FORMS: Readonly<Partial<Record<ContentField, { rule: string; holds: (item: string) => boolean }>>> = {
  programming_use_cases: { rule: 'ending with "."', holds: endsWithFullStop },
  stimulus_tags: { rule: "in Title Case", holds: isTitleCase },
};

/**
 * Content whose items must not start with numbering, a bullet or bold: the quality scan fails such an
 * item (check 11) and a write refuses it; in the other content fields it is only a style issue.
 */
export const UNMARKED_CONTENT_FIELDS = ["execution_notes", "common_mistakes"] as const satisfies readonly ContentField[];

export function startsWithListMarker(item: string): boolean {
  return LIST_MARKER.test(item);
}

export function hasMarkup(item: string): boolean {
  return startsWithListMarker(item) || INLINE_MARKDOWN.test(item);
}

/**
 * "*Brace*", "**Brace**", "***Brace***", "_Brace_" → "Brace": a run of "*" or "_" with no word character
 * before it and a non-space after it opens emphasis, which the nearest same run in its line closes that
 * has a non-space before it and no word character after it ("5*3" is no emphasis). An opening run takes
 * the longest delimiter that closes. One pass: a lazy regex would scan to the line's end from every run
 * that nothing closes, quadratic time on a text of stray "*".
 */
function unwrapEmphasis(text: string): string {
  return text.split(LINE_BREAK).map(unwrapLineEmphasis).join("");
}

function unwrapLineEmphasis(line: string): string {
  // "" past either end, which is neither a word character nor a non-space.
  const at = (index: number): string => line.charAt(index);
  const marks: number[] = [];
  for (let index = 0; index < line.length; index++) if (line[index] === "*" || line[index] === "_") marks.push(index);
  const closings = new Map(EMPHASIS_DELIMITERS.map((delimiter) => [delimiter, [] as number[]]));
  for (const index of marks) {
    for (const [delimiter, positions] of closings) {
      if (line.startsWith(delimiter, index) && /\S/.test(at(index - 1)) && !/\w/.test(at(index + delimiter.length))) {
        positions.push(index);
      }
    }
  }
  // Emphasis is looked for left to right, so each delimiter's next closing only moves on.
  const nextClosing = new Map(EMPHASIS_DELIMITERS.map((delimiter) => [delimiter, 0]));
  const closingAfter = (delimiter: string, start: number): number | undefined => {
    const positions = closings.get(delimiter) ?? [];
    let next = nextClosing.get(delimiter) ?? 0;
    while (next < positions.length && positions[next] <= start) next++;
    nextClosing.set(delimiter, next);
    return positions[next];
  };
  const emphasisAt = (index: number): { start: number; end: number; after: number } | undefined => {
    if (/\w/.test(at(index - 1))) return undefined;
    for (const delimiter of EMPHASIS_DELIMITERS) {
      const start = index + delimiter.length;
      if (!line.startsWith(delimiter, index) || !/\S/.test(at(start))) continue;
      const end = closingAfter(delimiter, start);
      if (end !== undefined) return { start, end, after: end + delimiter.length };
    }
    return undefined;
  };
  let unwrapped = "";
  let copied = 0;
  for (const index of marks) {
    // A mark inside an emphasis already unwrapped opens none.
    const emphasis = index < copied ? undefined : emphasisAt(index);
    if (emphasis === undefined) continue;
    unwrapped += line.slice(copied, index) + line.slice(emphasis.start, emphasis.end);
    copied = emphasis.after;
  }
  return unwrapped + line.slice(copied);
}

/** "1. **Brace** your core" → "Brace your core": leading numbering/bullets, emphasis, backticks and headings removed. */
export function cleanContentItem(item: string): string {
  let text = unwrapEmphasis(item)
    .replace(/\*\*|__|`/g, "")
    .replace(/^\s*#+\s*/, "");
  let previous: string;
  do {
    previous = text;
    text = text.replace(LEADING_MARKER, "");
  } while (text !== previous);
  return text.replace(/\s+/g, " ").trim();
}

function wordCount(text: string): number {
  return text
    .trim()
    .split(/\s+/)
    .filter((word) => word !== "").length;
}

// Words ending in "-ing" that are not gerunds ("Bring the bar…" is an imperative).
const NOT_GERUNDS = new Set([
  "bring",
  "swing",
  "sling",
  "spring",
  "string",
  "wring",
  "ring",
  "sing",
  "king",
  "thing",
  "nothing",
  "something",
  "everything",
  "during",
]);
const GERUND_LEADS = new Set(["not", "only", "never", "over", "under"]);

function isGerund(word: string): boolean {
  const lower = word.toLowerCase().replace(/[^a-z-]/g, "");
  const last = lower.split("-").pop() ?? "";
  return last.length > 4 && last.endsWith("ing") && !NOT_GERUNDS.has(last);
}

/** "Rounding the lower back", "Not bracing the core", "Not fully locking out" → true; "Keep your back flat" → false. */
export function isGerundPhrase(item: string): boolean {
  const [first = "", ...rest] = item.trim().split(/\s+/);
  if (isGerund(first)) return true;
  if (!GERUND_LEADS.has(first.toLowerCase())) return false;
  // Adverbs may stand between the lead and the gerund: "Only partially bracing the trunk".
  return isGerund(rest.find((word) => !/ly$/i.test(word)) ?? "");
}

/**
 * "Elbow flare: the elbows drift out", "Phase 2:lowering the bar" — a short label before a colon and
 * text. A colon between two digits is a ratio's or a time's, not a label's ("a 2:1 tempo", "the 3:00 position"),
 * and one before "//" is a link's scheme ("https://example.com shows the setup").
 */
export function isLabelText(item: string): boolean {
  const match = /^([^:.!?]{1,40}):(?!(?<=\d:)\d|\/\/)\s*\S/.exec(item.trim());
  return match !== null && wordCount(match[1]) <= 5;
}

// "i.e." is no "I".
const FIRST_PERSON = /\b(?:i(?!\.e\b)|i'm|i've|my|me|myself|we|we're|our|us)\b/i;
// "They" only as the subject that opens a note: elsewhere it is mostly the dumbbells ("so they stay level").
const THIRD_PERSON = new RegExp(
  String.raw`^\s*they\b|\b(?:the (?:lifter|athlete|user|trainee|client|exerciser|individual|person|performer)` +
    String.raw`|lifters|athletes|trainees|he|she|his|him|one should)\b`,
  "i",
);

export function usesFirstPerson(text: string): boolean {
  return FIRST_PERSON.test(text);
}

export function usesThirdPerson(text: string): boolean {
  return THIRD_PERSON.test(text);
}

// Words that describe getting into position, as opposed to a cue for the movement itself.
const SETUP_WORDS = new RegExp(
  String.raw`\b(?:${[
    "stand",
    "standing",
    "sit",
    "seated",
    "lie",
    "lying",
    "kneel",
    "kneeling",
    "hang",
    "hanging",
    "grip",
    "grasp",
    "hold",
    "set",
    "setup",
    "position",
    "place",
    "adjust",
    "load",
    "start",
    "begin",
    "assume",
    "attach",
    "select",
    "unrack",
    "rack",
    "step",
    "feet",
    "stance",
    "anchor",
    "face",
    "straddle",
    "plant",
    "get into",
  ].join("|")})\b`,
  "i",
);

export function describesSetup(text: string): boolean {
  return SETUP_WORDS.test(text);
}

/**
 * One pattern per name of equipment, for the equipment it names. Longest first, and matches are
 * blanked out, so "cable machine" counts as cable only and "smith machine" not also as a machine.
 * A "-" in a name matches a space, a hyphen or nothing ("EZ curl bar", "pull-up bar"); plurals match too.
 */
const EQUIPMENT_MENTIONS: ReadonlyArray<{ kind: string; pattern: RegExp }> = [...EQUIPMENT_NAMES]
  .sort(([a], [b]) => b.length - a.length)
  .map(([name, kind]) => ({ kind, pattern: new RegExp(`\\b${name.replace(/-/g, "[\\s-]?")}s?\\b`, "gi") }));

// The iliotibial band is anatomy, not a resistance band.
const IT_BAND = /\b(?:IT|[Ii]liotibial)[\s-]+bands?\b/g;

/** Distinct equipment kinds a text mentions ("barbell or dumbbells" → 2). */
export function countEquipmentKinds(text: string): number {
  let remaining = text.replace(IT_BAND, " ");
  const kinds = new Set<string>();
  for (const { kind, pattern } of EQUIPMENT_MENTIONS) {
    remaining = remaining.replace(pattern, () => {
      kinds.add(kind);
      return " ";
    });
  }
  return kinds.size;
}

const FIELD_LABELS: Readonly<Record<ContentField, string>> = {
  execution_notes: "execution notes",
  common_mistakes: "common mistakes",
  suitability_notes: "suitability notes",
  programming_use_cases: "programming use cases",
  stimulus_tags: "stimulus tags",
};

/** Style violations of one content list (counts and presence are the caller's business). */
export function contentStyleIssues(field: ContentField, items: readonly string[]): StyleIssue[] {
  const label = FIELD_LABELS[field];
  const issues: StyleIssue[] = [];
  const report = (check: StyleCheck, message: string): void => {
    issues.push({ check, message: `${label}: ${message}` });
  };

  const marked = items.filter(hasMarkup).length;
  if (marked > 0) report("markup", `${marked} item(s) use numbering, bullets or markdown`);

  if (field !== "stimulus_tags") {
    const short = items.filter((item) => wordCount(item) < 4).length;
    if (short >= 2) report("short_items", `${short} items have fewer than 4 words`);
  }

  if (field === "execution_notes") {
    if (items.some(usesFirstPerson)) report("voice", "written in the first person; use second-person imperatives");
    if (items.some(usesThirdPerson)) report("voice", "written in the third person; use second-person imperatives");
    if (items.length > 0 && !items.some(describesSetup)) report("missing_setup", "only coaching cues, no setup step");
  }

  if (field === "common_mistakes") {
    if (items.some(isLabelText)) report("label_format", 'uses the "Label: text" format; write gerund phrases');
    const notGerund = items.filter((item) => !isGerundPhrase(item)).length;
    if (notGerund > 0) report("not_gerund", `${notGerund} item(s) do not start with a gerund ("Rounding…")`);
  }
  return issues;
}

/** Soft description issues; the hard minimum length is checked separately. */
export function descriptionStyleIssues(description: string): StyleIssue[] {
  const issues: StyleIssue[] = [];
  if (description.trim().length < DESCRIPTION_TARGET_MIN_LENGTH) {
    issues.push({
      check: "description_short",
      message: `description: shorter than ${DESCRIPTION_TARGET_MIN_LENGTH} characters`,
    });
  }
  const kinds = countEquipmentKinds(description);
  if (kinds >= 3) {
    issues.push({ check: "description_equipment", message: `description: names ${kinds} equipment kinds (at most 2)` });
  }
  return issues;
}
