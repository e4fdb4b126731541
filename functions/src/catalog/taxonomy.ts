/**
 * The catalog's vocabulary: canonical enum values, equipment and muscle names, and the naming and
 * slug rules of CATALOG-DOMAIN.md. Pure functions only; every input is normalised to these values.
 */

export const CATEGORIES = ["compound", "isolation", "cardio", "mobility", "core"] as const;
export const MOVEMENT_TYPES = [
  "push",
  "pull",
  "hinge",
  "squat",
  "carry",
  "rotation",
  "flexion",
  "extension",
  "abduction",
  "adduction",
  "other",
] as const;
export const MOVEMENT_SPLITS = ["upper", "lower", "full_body", "core"] as const;
export const LEVELS = ["beginner", "intermediate", "advanced"] as const;
export const PLANES = ["sagittal", "frontal", "transverse", "multi-plane"] as const;
export const MUSCLE_CATEGORIES = ["chest", "back", "shoulders", "arms", "legs", "core", "full_body"] as const;
export const EXERCISE_STATUSES = ["approved", "draft", "deprecated", "merged"] as const;
export const FAMILY_STATUSES = ["active", "deprecated", "merged"] as const;

export type Category = (typeof CATEGORIES)[number];
export type MovementType = (typeof MOVEMENT_TYPES)[number];
export type MovementSplit = (typeof MOVEMENT_SPLITS)[number];
export type Level = (typeof LEVELS)[number];
export type Plane = (typeof PLANES)[number];
export type MuscleCategory = (typeof MUSCLE_CATEGORIES)[number];
export type FamilyStatus = (typeof FAMILY_STATUSES)[number];

/** Equipment values that need no warning; any other normalised value is allowed but flagged. */
export const CANONICAL_EQUIPMENT = [
  "barbell",
  "dumbbell",
  "kettlebell",
  "ez-bar",
  "trap-bar",
  "machine",
  "cable",
  "smith-machine",
  "bodyweight",
  "pull-up-bar",
  "dip-station",
  "suspension-trainer",
  "resistance-band",
  "medicine-ball",
  "stability-ball",
  "treadmill",
  "rowing-machine",
  "bike",
  "elliptical",
] as const;

/**
 * The words that must not open an exercise name, as the locked family-slug rule lists them
 * (CATALOG-DOMAIN.md): the equipment belongs in the "(Equipment)" suffix. Every other name of equipment
 * of several words must not either (see PREFIX_WORDS_LONGEST_FIRST).
 */
const EQUIPMENT_PREFIX_WORDS = [
  "barbell",
  "dumbbell",
  "kettlebell",
  "cable",
  "machine",
  "band",
  "bodyweight",
  "weighted",
  "smith machine",
  "ez bar",
  "hex bar",
  "trap bar",
  "landmine",
] as const;

// Numeric content rules shared by the schema, the scanner and the enrichment normaliser.
export const DESCRIPTION_MIN_LENGTH = 50;
export const DESCRIPTION_TARGET_MIN_LENGTH = 100;
export const PRIMARY_MUSCLES_BOUNDS = { min: 1, max: 3 } as const;
export const SECONDARY_MUSCLES_MAX = 5;
export const CONTRIBUTION_SUM_TOLERANCE = { min: 0.85, max: 1.15 } as const;

/** The sum of a muscle contribution's shares. */
export function contributionSum(shares: Readonly<Record<string, number>>): number {
  return Object.values(shares).reduce((sum, share) => sum + share, 0);
}

/** Whether shares summing to `total` sum to about 1, as a stored muscle contribution's must. */
export function contributionSumFits(total: number): boolean {
  return total >= CONTRIBUTION_SUM_TOLERANCE.min && total <= CONTRIBUTION_SUM_TOLERANCE.max;
}

/**
 * Shares (none negative) as a stored muscle contribution holds them: rescaled to sum to 1, each to
 * three decimals, when their sum does not fit or a share is above 1; as given otherwise. Null when
 * no share is positive: there is nothing to scale.
 */
export function renormalizedContribution(shares: Readonly<Record<string, number>>): Record<string, number> | null {
  const total = contributionSum(shares);
  if (total <= 0) return null;
  if (contributionSumFits(total) && Object.values(shares).every((share) => share <= 1)) return { ...shares };
  return Object.fromEntries(Object.entries(shares).map(([muscle, share]) => [muscle, Math.round((share / total) * 1000) / 1000]));
}

/**
 * `value` as a write keeps a muscle contribution: a map of shares (numbers, none negative),
 * renormalised (`renormalizedContribution`); null when it is no such map, or no share is above 0.
 */
export function writableContribution(value: unknown): Record<string, number> | null {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return null;
  const isShare = (share: unknown) => typeof share === "number" && Number.isFinite(share) && share >= 0;
  return Object.values(value).every(isShare) ? renormalizedContribution(value as Record<string, number>) : null;
}
export const CONTENT_FIELDS = [
  "execution_notes",
  "common_mistakes",
  "suitability_notes",
  "programming_use_cases",
  "stimulus_tags",
] as const;
export type ContentField = (typeof CONTENT_FIELDS)[number];
export const CONTENT_LIST_BOUNDS: Readonly<Record<ContentField, { min: number; max: number }>> = {
  execution_notes: { min: 4, max: 8 },
  common_mistakes: { min: 2, max: 5 },
  suitability_notes: { min: 2, max: 4 },
  programming_use_cases: { min: 3, max: 5 },
  stimulus_tags: { min: 4, max: 6 },
};
/** Fewer execution notes than this fail the quality scan outright; up to CONTENT_LIST_BOUNDS' minimum they are only thin. */
export const MIN_EXECUTION_NOTES = 2;

export const NAME_SLUG_PATTERN = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
export const FAMILY_SLUG_PATTERN = /^[a-z0-9]+(?:_[a-z0-9]+)*$/;
/** An alias keeps an old name slug or family slug, so either separator. */
export const ALIAS_SLUG_PATTERN = /^[a-z0-9]+(?:[-_][a-z0-9]+)*$/;

/** "presses" → "press", "flies" and "flyes" → "fly", "rows" → "row", "ups" → "up"; other words unchanged. */
export function singular(word: string): string {
  if (word.endsWith("ies") && word.length > 4) return `${word.slice(0, -3)}y`;
  // The plural of the "flye" spelling, after a consonant: "eyes" and "dyes" keep their "e" below.
  if (/[^aeiou]yes$/.test(word) && word.length > 4) return word.slice(0, -2);
  if (/(ss|x|ch|sh)es$/.test(word)) return word.slice(0, -2);
  // Three letters are too short to tell a plural ("bus", "gas", "yes"), but these are: push_ups, abs_crunch.
  if (word.endsWith("s") && !word.endsWith("ss") && (word.length > 3 || ["ups", "abs"].includes(word))) return word.slice(0, -1);
  return word;
}

/**
 * The words of a slug in singular without the duplicate scan's equipment words (SCAN_EQUIPMENT_WORD_SEQUENCES),
 * which are matched in singular too, so a plural one is one ("dumbbells", "trap_bars"); the slug's own
 * words in singular if nothing else is left.
 */
export function coreWords(words: readonly string[]): string[] {
  const singulars = words.map(singular);
  const kept: string[] = [];
  for (let index = 0; index < singulars.length;) {
    const sequence = SCAN_EQUIPMENT_WORD_SEQUENCES.find((seq) => seq.every((word, offset) => singulars[index + offset] === word));
    if (sequence) index += sequence.length;
    else kept.push(singulars[index++]);
  }
  return kept.length > 0 ? kept : singulars;
}

/** NFKD-decompose and drop everything outside ASCII (accents become plain letters). */
function toAscii(text: string): string {
  return text.normalize("NFKD").replace(/[^\p{ASCII}]/gu, "");
}

/** "Deadlift (Barbell)" → "deadlift-barbell". */
export function toNameSlug(name: string): string {
  return toAscii(name)
    .replace(/[()]/g, " ")
    .toLowerCase()
    .replace(/[\s_]+/g, "-")
    .replace(/[^a-z0-9-]/g, "")
    .replace(/-+/g, "-")
    .replace(/^-|-$/g, "");
}

/** "Barbell Bench Press", "Bench Press (Dumbbell)" → "bench_press". */
export function toFamilySlug(name: string): string {
  const { rest } = splitEquipmentPrefix(splitExerciseName(name).base);
  return toAscii(rest)
    .toLowerCase()
    .replace(/[\s-]+/g, "_")
    .replace(/[^a-z0-9_]/g, "")
    .replace(/_+/g, "_")
    .replace(/^_|_$/g, "");
}

export function exerciseIdFor(familySlug: string, nameSlug: string): string {
  return `${familySlug}__${nameSlug}`;
}

/**
 * Where the trailing "(…)" of the text's first `end` characters stands, spaces after it aside: its "(" and
 * ")", or null when that text does not end with a "(…)" holding no bracket. Read from the end, so taking
 * a name's "(…)" off one at a time costs time in proportion to what is taken off, not to the name each time.
 */
function trailingGroup(text: string, end: number): { open: number; close: number } | null {
  let close = end - 1;
  while (close >= 0 && /\s/.test(text[close])) close--;
  if (close < 0 || text[close] !== ")") return null;
  let open = close - 1;
  while (open >= 0 && text[open] !== "(" && text[open] !== ")") open--;
  return open >= 0 && text[open] === "(" ? { open, close } : null;
}

/** "Bench Press (Barbell)" → {base: "Bench Press", suffix: "Barbell"}; no trailing "(…)" → suffix null. */
export function splitExerciseName(name: string): { base: string; suffix: string | null } {
  const group = trailingGroup(name, name.length);
  if (group === null) return { base: name.trim(), suffix: null };
  const suffix = name.slice(group.open + 1, group.close).trim();
  return { base: name.slice(0, group.open).trim(), suffix: suffix === "" ? null : suffix };
}

/** Lowercase with hyphens and underscores as spaces, so "EZ-Bar" and "ez bar" compare equal. */
function toWordKey(text: string): string {
  return text
    .toLowerCase()
    .replace(/[\s_-]+/g, " ")
    .trim();
}

/** A run of a text: a word, or the spaces, hyphens and underscores between two words. */
interface TextRun {
  text: string;
  separator: boolean;
}

const TEXT_RUNS = /[\s_-]+|[^\s_-]+/g;

function runsOf(text: string): TextRun[] {
  return [...text.matchAll(TEXT_RUNS)].map(([run]) => ({ text: run, separator: /[\s_-]/.test(run[0]) }));
}

function joinRuns(runs: readonly TextRun[]): string {
  return runs.map((run) => run.text).join("");
}

/**
 * Where a text's leading equipment word ends (PREFIX_WORDS_LONGEST_FIRST; words compared lowercase,
 * hyphens and underscores as spaces: "Smith-Machine"), given the text's runs up to at least its
 * (PREFIX_WORDS_MAX + 1)th word: the index of the separator run after it, or null when the text opens with
 * none, or is nothing but it.
 */
function equipmentPrefixEnd(runs: readonly TextRun[]): number | null {
  // A word longer than every equipment word is none, and is not lowercased: a long one would be, each time it is judged.
  const words = runs.filter((run) => !run.separator).map((run) => (run.text.length <= LONGEST_PREFIX_WORD ? run.text.toLowerCase() : null));
  const sequence = EQUIPMENT_WORD_SEQUENCES.find((seq) => words.length > seq.length && seq.every((word, index) => words[index] === word));
  if (sequence === undefined) return null;
  // The run after as many separator runs as the equipment has words, one before the text's first word included.
  let separators = 0;
  return runs.findIndex((run) => run.separator && ++separators === sequence.length);
}

/**
 * "Smith Machine Squat" → {prefix: "Smith Machine", rest: "Squat"}. A name that is nothing but the
 * equipment word keeps it (prefix null), so a family slug is never empty.
 */
export function splitEquipmentPrefix(name: string): { prefix: string | null; rest: string } {
  const trimmed = name.trim();
  const runs = runsOf(trimmed);
  const end = equipmentPrefixEnd(runs);
  if (end === null) return { prefix: null, rest: trimmed };
  // The original text's runs, so hyphens inside the rest ("Push-Up") survive.
  return { prefix: joinRuns(runs.slice(0, end)), rest: joinRuns(runs.slice(end + 1)) };
}

/**
 * Whether a name's "(…)" names equipment: a known equipment or another name of one, the exercise's
 * own primary equipment, or a word that may not open a name for being equipment ("Weighted").
 * Anything else ("Pause", "Close Grip") qualifies the movement instead.
 */
function suffixNamesEquipment(suffix: string, primary: string | null): boolean {
  const { value } = normalizeEquipment(suffix);
  return KNOWN_EQUIPMENT.includes(value) || value === primary || (EQUIPMENT_PREFIX_WORDS as readonly string[]).includes(toWordKey(suffix));
}

/**
 * Whether a "(…)" only abbreviates the movement named `base` ("RDL" of "Romanian Deadlift"), so a
 * canonical name drops it: one word of 2 or more letters, all capitals, read off the base's words in
 * order (hyphen parts are words, "(…)" in the base is not). Each word gives its initial, then any
 * later consonants of its own, for the parts of a compound word: "SLDL" of "Stiff-Leg Deadlift" (Dead-Lift),
 * "OHP" of "Overhead Press" (Over-Head); a vowel says more ("SA", single-arm, of "Squat"). An abbreviation that says more is a qualifier ("SL" of
 * "Romanian Deadlift"), and so is any word in lowercase letters ("Pause").
 */
export function abbreviatesBase(suffix: string, base: string): boolean {
  const words = toWordKey(base.replace(/\([^()]*\)/g, " "))
    .split(" ")
    .filter((word) => word !== "");
  return abbreviatesWords(suffix, words);
}

/** `abbreviatesBase` of a base's words, lowercase and without its "(…)": read one at a time, as far as the letters go. */
function abbreviatesWords(suffix: string, words: Iterable<string>): boolean {
  const abbreviation = suffix.trim();
  return /^\p{Lu}{2,}$/u.test(abbreviation) && readsOff(abbreviation.toLowerCase(), words);
}

/**
 * Whether `initials` (lowercase) are read off every one of `words` in order, as `abbreviatesBase` says:
 * the ways to split them are followed side by side (how many letters the words so far have read), so
 * a long name that does not fit costs words × letters, not a try of every split. Each word reads a
 * letter at least, so no more words are read than one past the letters.
 */
function readsOff(initials: string, words: Iterable<string>): boolean {
  let read = new Set([0]);
  for (const word of words) {
    const next = new Set<number>();
    for (const start of read) {
      if (initials[start] !== word[0]) continue;
      // The word gives its initial, then maybe more of its letters, each a consonant starting a part ("Dead-Lift").
      for (let taken = start + 1, inWord = 1; ; taken++) {
        next.add(taken);
        const letter = initials[taken];
        const at = letter === undefined || VOWELS.includes(letter) ? -1 : word.indexOf(letter, inWord);
        if (at < 0) break;
        inWord = at + 1;
      }
    }
    if (next.size === 0) return false;
    read = next;
  }
  return read.has(initials.length);
}

const VOWELS = "aeiou";

export interface ExerciseNameParts {
  /** A leading equipment word ("Barbell" of "Barbell Squat"). */
  prefix: string | null;
  /** The base movement, qualifiers in front. */
  rest: string;
  /** The "(Equipment)" suffix. */
  suffix: string | null;
  /**
   * Whether a "(…)" that names no equipment was moved in front, or dropped for only abbreviating the
   * base: the name had a suffix place, which the equipment's takes.
   */
  qualified: boolean;
  /**
   * A second "(Equipment)" just before the suffix ("Cable" of "Row (Cable) (Cable)"). One naming the
   * suffix's equipment only repeats it and is left out of `rest`, so a name made of the parts has one
   * suffix; one naming other equipment stays in `rest` ("Row (Cable) (Barbell)"): which of the two
   * names the exercise is for a person to say.
   */
  extraSuffix: string | null;
}

/**
 * A name's parts for judging it: the leading equipment word, the base movement with any "(…)" that
 * names no equipment put in front as the qualifier it is, so a canonical name keeps it, and the
 * equipment suffix. The qualifier may stand last ("Squat (Pause)" → "Pause Squat") or just before
 * the equipment suffix ("Row (Close Grip) (Cable)" → "Close Grip Row", suffix "Cable"). One that only
 * abbreviates the base (`abbreviatesBase`, with or without its leading equipment word) says nothing
 * more, and goes: "Romanian Deadlift (RDL)" → "Romanian Deadlift". The text with the qualifier in
 * front is judged again: it may open with an equipment word ("Triceps Pushdown (Cable Rope)") or end
 * with an "(Equipment)" ("Squat (Barbell) (Pause)"). A second "(Equipment)" before the suffix is its
 * `extraSuffix`.
 */
export function exerciseNameParts(name: string, primary: string | null): ExerciseNameParts {
  // Each "(…)" folded in leaves a name to judge again: a loop, as a name may hold more of them than the
  // stack has room for calls, over a JudgedName, as it may hold more than time allows writing the name
  // out again for each. The outermost leading equipment word is the name's; the innermost repeat of the
  // suffix is the `extraSuffix` unless other equipment is found.
  const judged = new JudgedName(name, primary);
  let outerPrefix: string | null = null;
  let qualified = false;
  let repeatedSuffix: string | null = null;
  // The suffix, once a qualifier or a repeat before it is taken off: it stays last ("Row (Close Grip) (Cable)").
  let carried: NameSuffix | null = null;
  for (;;) {
    const suffix: NameSuffix | null = carried ?? judged.takeGroup();
    const prefix = judged.takePrefix();
    outerPrefix ??= prefix;
    const parts = { prefix: outerPrefix, suffix: suffix?.text ?? null, qualified, extraSuffix: repeatedSuffix };
    if (suffix === null) return { ...parts, rest: judged.text() };
    if (!suffix.namesEquipment) {
      judged.qualify(suffix.text, prefix);
      qualified = true;
      continue;
    }
    const inner = judged.lastGroup();
    if (inner === null) return { ...parts, rest: judged.text() };
    if (inner.namesEquipment && inner.equipment !== suffix.equipment) return { ...parts, rest: judged.text(), extraSuffix: inner.text };
    judged.takeGroup();
    carried = suffix;
    if (inner.namesEquipment) {
      // Judged again without the repeat, which may hide a qualifier or another suffix ("Row (Barbell) (Cable) (Cable)").
      repeatedSuffix = inner.text;
    } else {
      judged.qualify(inner.text, prefix);
      qualified = true;
    }
  }
}

/** A "(…)" of a name, judged once however often it is judged again. */
interface NameSuffix {
  text: string;
  /** `suffixNamesEquipment`: equipment, not a qualifier. */
  namesEquipment: boolean;
  /** The equipment it names as normalizeEquipment writes it, for comparing two suffixes. */
  equipment: string;
}

// The space exerciseNameParts puts between a qualifier and the text it goes in front of.
const QUALIFIER_SPACE: TextRun = { text: " ", separator: true };

/**
 * The text exerciseNameParts judges, held so that each step costs time in proportion to what it takes
 * off or puts in front, not to the name: the name split once into its base and its trailing "(…)" groups
 * (`groups`, the last on top), and the text before those groups as stacks, the first on top, of its runs
 * and of its words: the qualifiers put in front over what is left of the base. Each step takes a group
 * off the end and reads the few words at the start that may be an equipment word; an abbreviation reads
 * as many words as it has letters. The text is written out only for the parts given out.
 */
class JudgedName {
  private readonly runs: TextRun[];
  /** The words as abbreviatesBase reads them: lowercase, a "(…)" of the base left out. */
  private readonly words: string[];
  /** Each group as written, up to the next one, and what it says (null: nothing). */
  private readonly groups: { written: string; suffix: NameSuffix | null }[] = [];

  constructor(name: string, primary: string | null) {
    const trimmed = name.trim();
    let baseEnd = trimmed.length;
    for (let group = trailingGroup(trimmed, baseEnd); group !== null; group = trailingGroup(trimmed, baseEnd)) {
      const text = trimmed.slice(group.open + 1, group.close).trim();
      const suffix =
        text === "" ? null : { text, namesEquipment: suffixNamesEquipment(text, primary), equipment: normalizeEquipment(text).value };
      this.groups.push({ written: trimmed.slice(group.open, baseEnd), suffix });
      baseEnd = group.open;
    }
    this.groups.reverse();
    const base = trimmed.slice(0, baseEnd);
    this.runs = runsOf(base).reverse();
    this.words = (base.replace(/\([^()]*\)/g, " ").match(/[^\s_-]+/g) ?? []).map((word) => word.toLowerCase()).reverse();
  }

  /** Takes the last group off: what it says, or null when it says nothing or there is none. */
  takeGroup(): NameSuffix | null {
    return this.groups.pop()?.suffix ?? null;
  }

  /** What the last group says, or null when it says nothing or there is none. */
  lastGroup(): NameSuffix | null {
    return this.groups.at(-1)?.suffix ?? null;
  }

  /** Takes the leading equipment word off, as splitEquipmentPrefix does: the word as written, or null. */
  takePrefix(): string | null {
    const leading = this.leadingRuns();
    const cut = equipmentPrefixEnd(leading);
    if (cut === null) return null;
    // Off come the words before the cut, and every separator up to the word after it. Each is a word
    // abbreviatesBase reads too: no "(" is before it.
    let words = leading.slice(0, cut).filter((run) => !run.separator).length;
    while (this.runs.length > 0) {
      if (!this.runs[this.runs.length - 1].separator) {
        if (words-- === 0) break;
        this.words.pop();
      }
      this.runs.pop();
    }
    return joinRuns(leading.slice(0, cut));
  }

  /** The text's first runs, PREFIX_WORDS_MAX + 1 words of them if it has so many. */
  private leadingRuns(): TextRun[] {
    const leading: TextRun[] = [];
    let index = this.runs.length - 1;
    for (let words = 0; index >= 0 && words <= PREFIX_WORDS_MAX; index--) {
      leading.push(this.runs[index]);
      if (!this.runs[index].separator) words++;
    }
    if (index >= 0 || this.groups.length === 0) return leading;
    // The groups left read as one word that no equipment word is, taking in a word written just before them ("Row(X)").
    const last = leading.at(-1);
    if (last?.separator === false) leading[leading.length - 1] = { text: `${last.text}(`, separator: false };
    else leading.push({ text: "(", separator: false });
    return leading;
  }

  /** Puts `qualifier` in front, unless it only abbreviates the text, with or without the leading equipment word `prefix` taken off. */
  qualify(qualifier: string, prefix: string | null): void {
    if (abbreviatesWords(qualifier, this.wordsWith(null)) || (prefix !== null && abbreviatesWords(qualifier, this.wordsWith(prefix))))
      return;
    const runs = runsOf(qualifier);
    if (this.runs.length > 0 || this.groups.length > 0) runs.push(QUALIFIER_SPACE);
    for (const run of runs.reverse()) {
      const first = this.runs.at(-1);
      // Separators next to each other are one run: the text may open with a long row of them ("Squat (-) (-)…").
      if (first?.separator && run.separator) this.runs[this.runs.length - 1] = { text: run.text + first.text, separator: true };
      else this.runs.push(run);
      if (!run.separator) this.words.push(run.text.toLowerCase());
    }
  }

  /** The text's words as abbreviatesBase reads them, after those of `prefix` if any. */
  private *wordsWith(prefix: string | null): Generator<string> {
    if (prefix !== null) for (const word of prefix.split(/[\s_-]+/)) if (word !== "") yield word.toLowerCase();
    for (let index = this.words.length - 1; index >= 0; index--) yield this.words[index];
  }

  /** The text written out, the groups left included; the spaces before the groups taken off go. */
  text(): string {
    return (joinRuns([...this.runs].reverse()) + this.groups.map((group) => group.written).join("")).trimEnd();
  }
}

// Names complete without an "(Equipment)" suffix on BODYWEIGHT_EQUIPMENT. Variants ("Diamond Push-Up") end with one.
const BODYWEIGHT_CLASSICS = [
  "push up",
  "pull up",
  "chin up",
  "muscle up",
  "plank",
  "dip",
  "burpee",
  "sit up",
  "crunch",
  "v up",
  "leg raise",
  "mountain climber",
  "jumping jack",
  "dead bug",
  "bird dog",
  "hollow hold",
  "hollow body hold",
  "superman",
  "bear crawl",
  "flutter kick",
  "inchworm",
  "air squat",
  "pistol squat",
];

export function isBodyweightClassic(name: string): boolean {
  const key = toWordKey(splitExerciseName(name).base);
  return BODYWEIGHT_CLASSICS.some((classic) => key === classic || key.endsWith(` ${classic}`));
}

/**
 * Primary equipment that only holds up the body's own weight, so a bodyweight classic done on it
 * ("Pull-Up" on a pull-up bar, "Dip" on a dip station) is the classic itself. On anything else the
 * equipment makes a variant that the suffix must name: "Pull-Up (Dip Belt)", "Crunch (Machine)".
 */
const BODYWEIGHT_EQUIPMENT = [
  "bodyweight",
  "pull-up-bar",
  "dip-station",
] as const satisfies readonly (typeof CANONICAL_EQUIPMENT)[number][];

/** A bodyweight classic on bodyweight equipment (`primary` normalised) may go without the "(Equipment)" suffix. */
export function mayOmitEquipmentSuffix(name: string, primary: string | null): boolean {
  return primary !== null && (BODYWEIGHT_EQUIPMENT as readonly string[]).includes(primary) && isBodyweightClassic(name);
}

// Small words stay lowercase inside a title ("Around the World"), hyphen parts included ("One-and-a-Half").
const MINOR_WORDS = new Set(["a", "an", "and", "the", "of", "to", "on", "in", "with", "for", "or", "at", "by"]);

function capitalize(segment: string): string {
  return segment.charAt(0).toUpperCase() + segment.slice(1);
}

/**
 * The fitness acronyms the catalog knows: title-casing keeps their capitals, in a name or tag written
 * all in capitals ("EZ BAR CURL" → "EZ Bar Curl") or beside a shouted word, and restores them in a
 * name of equipment ("bosu-ball" → "BOSU Ball"). One of 4 letters or more must be listed, or it is
 * taken for a shouted word ("BOSU" → "Bosu").
 */
const ACRONYMS = new Set([
  "AMRAP",
  "ATG",
  "BB",
  "BOSU",
  "DB",
  "EMOM",
  "EZ",
  "GHD",
  "GM",
  "HIIT",
  "HSPU",
  "JM",
  "KB",
  "LISS",
  "RDL",
  "RKC",
  "SL",
  "SLDL",
  "SSB",
  "TGU",
  "TKE",
  "TRX",
  "WOD",
]);

function letters(word: string): string {
  return word.replace(/[^\p{L}]/gu, "");
}

/** A word without the punctuation around it ("(RDL)" → "RDL"); inner hyphens and digits stay ("1-ARM", "V-UP"). */
function unwrapped(word: string): string {
  // (?<!…) tries the trailing run only where it starts: from each of its characters, a long run not at
  // the end takes quadratic time.
  return word.replace(/^[^\p{L}\p{N}]+|(?<![^\p{L}\p{N}])[^\p{L}\p{N}]+$/gu, "");
}

function inCapitals(core: string): boolean {
  return core === core.toUpperCase();
}

/**
 * A word shouted, not an acronym: its letters in capitals, 4 or more of them, and no known acronym
 * ("SQUAT", "(BARBELL)", "PUSH-UP"; not "HIIT", "RDL"). Shorter capitals ("SL", "SSB") may be
 * abbreviations the catalog does not know.
 */
function isShoutedWord(word: string): boolean {
  const core = letters(word);
  return core.length >= 4 && inCapitals(core) && !ACRONYMS.has(core);
}

/**
 * Written all in capitals ("BENCH PRESS (BARBELL)"): two or more words of letters, every one in
 * capitals, and one of them shouted. Short capitals ("SL RDL", "SSB GM") may all be abbreviations:
 * they are not taken for shouting.
 */
export function isShoutedText(text: string): boolean {
  const lettered = text.split(/\s+/).filter((word) => letters(word).length >= 2);
  return lettered.length >= 2 && lettered.every((word) => inCapitals(letters(word))) && lettered.some(isShoutedWord);
}

/** The first letter after leading punctuation: "(close" → "(Close", '"the' → '"The'. */
function capitalizeWord(word: string): string {
  return word.replace(/^([^\p{L}\p{N}]*)(\p{L})/u, (_, lead: string, letter: string) => lead + letter.toUpperCase());
}

/**
 * Short words of movement names that are never acronyms, so in capitals inside a hyphenated word they are
 * shouted, not meant: the particles of compound names ("Get-UP" is "Get-Up", as "Sit-Up", "Pull-Over"),
 * and the body parts and counts that qualify a movement ("Single-ARM", "One-LEG", "Two-HAND").
 */
const NEVER_ACRONYMS = new Set([
  ...["up", "down", "out", "off", "over", "around", "through", "back"],
  ...["arm", "leg", "hip", "toe", "hand", "foot", "knee", "one", "two", "box", "bar"],
]);
// A repetition maximum ("1RM", "5RM") keeps its letters.
const REPETITION_MAX = /^\d+RM$/;

/**
 * A part in capitals of a hyphenated word with lowercase letters that keeps them, as meant ("Half-TGU",
 * "PNF-Stretch", "Full-ROM"): two letters or more, not a minor word, a word that is never an acronym
 * (NEVER_ACRONYMS: "Single-ARM") or a shouted one ("Half-KNEELING").
 */
function meantCapitals(part: string): boolean {
  const core = letters(part);
  const lower = core.toLowerCase();
  return core.length >= 2 && inCapitals(core) && !MINOR_WORDS.has(lower) && !NEVER_ACRONYMS.has(lower) && !isShoutedWord(part);
}

/**
 * A capital after a lowercase letter that follows another letter was meant ("McGill", "mcGill"), unless the
 * word is Caps Lock inverting it ("bENCH": one lowercase letter, then capitals). A lone lowercase first letter
 * before a capital is not ("iPhone" → "Iphone"): kept, its capitalised form ("IPhone") would read as a slip
 * the next time, and a name would not keep its own canonical form.
 */
function isMixedCase(core: string): boolean {
  return /\p{L}\p{Ll}\p{Lu}/u.test(core) && !/^\p{Ll}\P{Ll}+$/u.test(core);
}

// Capitals, with any digits beside them, two characters or more: an acronym or a name ("RDL", "VO2", "3D").
const IN_CAPITALS = /^(?=.*[A-Z])[A-Z\d]{2,}$/;

// Hyphens and slashes part a word, each part title-cased: "Push-Up", "Push/Pull".
const WORD_PARTS = /[^-/]+/g;

/** Whether a part of a word in capitals keeps them: a known acronym, a repetition maximum, or capitals that were `meant`. */
function keepsCapitals(part: string, meant: boolean): boolean {
  return ACRONYMS.has(letters(part).toUpperCase()) || REPETITION_MAX.test(unwrapped(part)) || (meant && meantCapitals(part));
}

/**
 * The first part (`WORD_PARTS`) is always capitalised, a later one unless it is a minor word. A known acronym
 * is written in capitals however it came ("(EZ-BAR)", "Single-Leg-RDL", "trx" → "TRX"), a repetition
 * maximum keeps its capitals, and so does any other part whose capitals were meant (`meantCapitals`)
 * in a word with lowercase letters; a mixed-case part keeps its letters but the first ("mcGill" →
 * "McGill"). A word with no lowercase letter, or a shouted one, keeps no other capitals: "1-ARM" →
 * "1-Arm", "V-UP" → "V-Up".
 */
function titleCaseParts(word: string, shouted: boolean): string {
  // Judged on the lowercase letters title-casing keeps: not a one-letter part's ("v-UP" → "V-Up", as "V-UP"
  // is) nor a known acronym's ("bb-AA"), so written again the word keeps what it got.
  const meant =
    !shouted &&
    (word.match(WORD_PARTS) ?? []).some(
      (part) => letters(part).length >= 2 && /\p{Ll}/u.test(part) && !ACRONYMS.has(letters(part).toUpperCase()),
    );
  return word.replace(WORD_PARTS, (part: string, offset: number) => {
    const lower = part.toLowerCase();
    if (ACRONYMS.has(letters(part).toUpperCase())) return part.toUpperCase();
    if (keepsCapitals(part, meant)) return part;
    if (meant && isMixedCase(unwrapped(part))) return capitalizeWord(part);
    return offset === 0 || !MINOR_WORDS.has(lower) ? capitalizeWord(lower) : lower;
  });
}

/**
 * "push-up to t-bar row" → "Push-Up to T-Bar Row", "push/pull" → "Push/Pull". Acronyms (EZ, RDL, HIIT,
 * EMOM: known ones, or capitals too short to tell, with any digits: VO2) keep their letters, mixed-case
 * words (McGill, mcGill → McGill) all but the first; everything else is lowercased first. A shouted
 * word ("Front SQUAT") keeps only its known acronyms, and so does text written all in capitals
 * (`shouted`: by default judged on `text`, but a part of a name is judged with the whole name, "ROW"
 * of "BARBELL ROW").
 */
export function titleCase(text: string, shouted = isShoutedText(text)): string {
  const words = text
    .trim()
    .split(/\s+/)
    .filter((word) => word !== "");
  return words
    .map((word, index) => {
      const wordShouted = shouted || isShoutedWord(word);
      // Judged without the brackets around it, so "(RDL)" keeps its letters; a word with inner hyphens is
      // not one acronym ("1-ARM", "V-UP"): titleCaseParts judges each part.
      if (!wordShouted && IN_CAPITALS.test(unwrapped(word))) return word;
      const lower = word.toLowerCase();
      if (index > 0 && MINOR_WORDS.has(lower)) return lower;
      return titleCaseParts(word, wordShouted);
    })
    .join(" ");
}

// A lowercase first letter, after any leading punctuation ("(close").
const STARTS_LOWERCASE = /^[^\p{L}\p{N}]*[a-z]/u;

/**
 * Every word (and part of one, `WORD_PARTS`) starts with a capital or a digit, as titleCase makes them;
 * minor words may be either case. A shouted word ("Front SQUAT"), and so text written all in capitals, is not Title Case,
 * and nor is a hyphenated word with a part in capitals that titleCase writes otherwise ("Single-ARM").
 */
export function isTitleCase(text: string): boolean {
  const words = text.trim().split(/\s+/);
  return words.every((word, index) => {
    if (isShoutedWord(word)) return false;
    if (index > 0 && MINOR_WORDS.has(word.toLowerCase())) return true;
    const parts = word.match(WORD_PARTS) ?? [];
    // A part in capitals that titleCase would write otherwise ("Single-ARM", "Close-GRIP", "1-ARM").
    const meant = /\p{Ll}/u.test(word);
    const recased = (part: string) => {
      const core = letters(part);
      return core.length >= 2 && inCapitals(core) && !MINOR_WORDS.has(core.toLowerCase()) && !keepsCapitals(part, meant);
    };
    if (parts.length > 1 && parts.some(recased)) return false;
    return parts.every((part, partIndex) => (partIndex > 0 && MINOR_WORDS.has(part.toLowerCase())) || !STARTS_LOWERCASE.test(part));
  });
}

// Other names of equipment, keys already in normalised form (lowercase, "-" separated).
const EQUIPMENT_ALIASES: Readonly<Record<string, string>> = {
  "weight-plate": "plate",
  "weight-plates": "plate",
  plates: "plate",
  "dipping-belt": "dip-belt",
  "parallel-bars": "dip-station",
  "dip-bars": "dip-station",
  "weight-vest": "weighted-vest",
  barbells: "barbell",
  dumbbells: "dumbbell",
  kettlebells: "kettlebell",
  // The gym's abbreviations ("Bench Press (DB)").
  bb: "barbell",
  db: "dumbbell",
  kb: "kettlebell",
  "ez-curl-bar": "ez-bar",
  ezbar: "ez-bar",
  "hex-bar": "trap-bar",
  smith: "smith-machine",
  cables: "cable",
  "cable-machine": "cable",
  "cable-stack": "cable",
  machines: "machine",
  band: "resistance-band",
  bands: "resistance-band",
  "resistance-bands": "resistance-band",
  "pullup-bar": "pull-up-bar",
  "chin-up-bar": "pull-up-bar",
  "chinup-bar": "pull-up-bar",
  trx: "suspension-trainer",
  "suspension-straps": "suspension-trainer",
  "med-ball": "medicine-ball",
  "swiss-ball": "stability-ball",
  "exercise-ball": "stability-ball",
  rower: "rowing-machine",
  "stationary-bike": "bike",
  "exercise-bike": "bike",
  "cross-trainer": "elliptical",
};

// Written in an equipment list, these mean that none is needed. They name no equipment: in prose they
// are ordinary words ("your body weight", "none of it"), so they stay out of EQUIPMENT_NAMES.
const NO_EQUIPMENT_WORDS: Readonly<Record<string, "bodyweight">> = {
  "body-weight": "bodyweight",
  none: "bodyweight",
  "no-equipment": "bodyweight",
};

// Named in exercise names and descriptions, though no alias leads to it.
const OTHER_NAMED_EQUIPMENT = ["landmine"];

/**
 * Equipment the catalog knows by name: the canonical values, the others its aliases lead to ("plate",
 * "weighted-vest", "dip-belt") and a few more. Anything else is a typo or new equipment.
 */
export const KNOWN_EQUIPMENT: readonly string[] = [
  ...new Set([...CANONICAL_EQUIPMENT, ...Object.values(EQUIPMENT_ALIASES), ...OTHER_NAMED_EQUIPMENT]),
];

/** Every name of a piece of equipment, normalised ("cable-machine"), with the equipment it names ("cable"). */
export const EQUIPMENT_NAMES: ReadonlyMap<string, string> = new Map([
  ...KNOWN_EQUIPMENT.map((value) => [value, value] as const),
  ...Object.entries(EQUIPMENT_ALIASES),
]);

/**
 * Every equipment word that must not open a name, as word keys: the words above and each other name of
 * equipment of several words ("resistance band", "cable machine"). Single-word names are not all such
 * words: "Bike Crunch" and "Plate-Loaded Row" open with part of the movement's name, and an abbreviation
 * ("DB Bench Press") is not in the locked list, so its family is `db_bench_press`. Longest first, so
 * "smith machine" wins over "machine" and "cable machine" over "cable".
 */
const PREFIX_WORDS_LONGEST_FIRST = [
  ...new Set([...EQUIPMENT_PREFIX_WORDS, ...[...EQUIPMENT_NAMES.keys()].map(toWordKey).filter((name) => name.includes(" "))]),
].sort((a, b) => b.length - a.length);
const EQUIPMENT_WORD_SEQUENCES = PREFIX_WORDS_LONGEST_FIRST.map((word) => word.split(" "));
// The most words, and the longest word, of an equipment word that must not open a name.
const PREFIX_WORDS_MAX = Math.max(...EQUIPMENT_WORD_SEQUENCES.map((sequence) => sequence.length));
const LONGEST_PREFIX_WORD = Math.max(...EQUIPMENT_WORD_SEQUENCES.flat().map((word) => word.length));

// The equipment the locked words name ("band" names resistance-band, "hex bar" trap-bar).
const PREFIX_EQUIPMENT = new Set(EQUIPMENT_PREFIX_WORDS.map((word) => normalizeEquipment(word).value));

/**
 * The equipment words the duplicate scan's keys leave out (`coreWords`), in singular: those that must
 * not open a name, and every other name of the equipment the locked words name, its abbreviations and
 * plurals ("db", "dumbbells", "smith", "ezbar"). Wider than the family-slug rule, which is locked: the
 * scan only proposes merging `db_bench_press` into `bench_press`, a person merges. Names of other
 * equipment stay words of the movement ("trx_row", "rower_sprint"). Longest first, as above.
 */
const SCAN_EQUIPMENT_WORD_SEQUENCES = [
  ...new Set([
    ...PREFIX_WORDS_LONGEST_FIRST,
    ...[...EQUIPMENT_NAMES].filter(([, equipment]) => PREFIX_EQUIPMENT.has(equipment)).map(([name]) => toWordKey(name)),
  ]),
]
  .sort((a, b) => b.length - a.length)
  .map((word) => word.split(" ").map(singular));

/** "Smith Machine" → {value: "smith-machine", canonical: true}; "Dip Belt" → {value: "dip-belt", canonical: false}. */
export function normalizeEquipment(raw: string): { value: string; canonical: boolean } {
  const slug = raw
    .trim()
    .toLowerCase()
    .replace(/[\s_]+/g, "-")
    .replace(/-+/g, "-")
    .replace(/^-|-$/g, "");
  const value = EQUIPMENT_ALIASES[slug] ?? NO_EQUIPMENT_WORDS[slug] ?? slug;
  return { value, canonical: (CANONICAL_EQUIPMENT as readonly string[]).includes(value) };
}

/** Normalises, drops blanks and repeats, and keeps the order (the first item stays the primary equipment). */
export function normalizeEquipmentList(raw: readonly string[]): string[] {
  const values = raw.map((item) => normalizeEquipment(item).value).filter((value) => value !== "");
  return [...new Set(values)];
}

const EQUIPMENT_DISPLAY_OVERRIDES: Readonly<Record<string, string>> = {
  "pull-up-bar": "Pull-Up Bar",
};

/** "smith-machine" → "Smith Machine"; known acronyms in capitals: "ez-bar" → "EZ Bar", "bosu-ball" → "BOSU Ball". */
export function equipmentDisplayName(equipment: string): string {
  const value = normalizeEquipment(equipment).value;
  const word = (part: string): string => (ACRONYMS.has(part.toUpperCase()) ? part.toUpperCase() : capitalize(part));
  return EQUIPMENT_DISPLAY_OVERRIDES[value] ?? value.split("-").map(word).join(" ");
}

/** ("bench press", "barbell") → "Bench Press (Barbell)"; no equipment → just the Title Case base. */
export function canonicalExerciseName(base: string, primaryEquipment: string | null, shouted?: boolean): string {
  const title = titleCase(base, shouted);
  return primaryEquipment ? `${title} (${equipmentDisplayName(primaryEquipment)})` : title;
}

const MUSCLE_ALIASES: Readonly<Record<string, string>> = {
  lat: "latissimus dorsi",
  lats: "latissimus dorsi",
  quad: "quadriceps",
  quads: "quadriceps",
  ham: "hamstrings",
  hams: "hamstrings",
  hamstring: "hamstrings",
  delt: "deltoid",
  delts: "deltoid",
  deltoids: "deltoid",
  shoulder: "deltoid",
  shoulders: "deltoid",
  "front delt": "anterior deltoid",
  "front delts": "anterior deltoid",
  "front deltoid": "anterior deltoid",
  "side delt": "lateral deltoid",
  "side delts": "lateral deltoid",
  "side deltoid": "lateral deltoid",
  "middle delt": "lateral deltoid",
  "medial deltoid": "lateral deltoid",
  "rear delt": "posterior deltoid",
  "rear delts": "posterior deltoid",
  "rear deltoid": "posterior deltoid",
  trap: "trapezius",
  traps: "trapezius",
  abs: "rectus abdominis",
  abdominals: "rectus abdominis",
  pec: "pectoralis major",
  pecs: "pectoralis major",
  chest: "pectoralis major",
  "upper chest": "pectoralis major",
  glute: "glutes",
  bicep: "biceps",
  "biceps brachii": "biceps",
  tricep: "triceps",
  "triceps brachii": "triceps",
  calf: "calves",
  forearm: "forearms",
  oblique: "obliques",
  rhomboid: "rhomboids",
  "hip flexor": "hip flexors",
  "lower back": "erector spinae",
  "spinal erectors": "erector spinae",
  erectors: "erector spinae",
};

/** "Lats" → "latissimus dorsi", "Rear_Delt", "Rear-Delts" → "posterior deltoid": lowercase, `_` and `-` as space, aliases resolved. */
export function normalizeMuscle(raw: string): string {
  const key = toWordKey(raw);
  return MUSCLE_ALIASES[key] ?? key;
}

const ENUM_VALUES = {
  category: CATEGORIES,
  movement_type: MOVEMENT_TYPES,
  movement_split: MOVEMENT_SPLITS,
  level: LEVELS,
  plane_of_motion: PLANES,
  muscle_category: MUSCLE_CATEGORIES,
} as const;
export type EnumKind = keyof typeof ENUM_VALUES;
export type EnumValue<K extends EnumKind> = (typeof ENUM_VALUES)[K][number];

// Near-synonyms seen in LLM output and old data, keyed like `toEnumKey` produces them.
const ENUM_SYNONYMS: { readonly [K in EnumKind]: Readonly<Record<string, EnumValue<K>>> } = {
  category: {
    "multi joint": "compound",
    "single joint": "isolation",
    conditioning: "cardio",
    cardiovascular: "cardio",
    aerobic: "cardio",
    endurance: "cardio",
    stretch: "mobility",
    stretching: "mobility",
    flexibility: "mobility",
    "warm up": "mobility",
    abs: "core",
    abdominal: "core",
    "core stability": "core",
  },
  movement_type: {
    press: "push",
    pressing: "push",
    pushing: "push",
    "horizontal push": "push",
    "vertical push": "push",
    pulling: "pull",
    row: "pull",
    rowing: "pull",
    "horizontal pull": "pull",
    "vertical pull": "pull",
    "hip hinge": "hinge",
    hinging: "hinge",
    squatting: "squat",
    lunge: "squat",
    "knee dominant": "squat",
    carrying: "carry",
    "loaded carry": "carry",
    rotational: "rotation",
    twist: "rotation",
    "anti rotation": "rotation",
    curl: "flexion",
    flex: "flexion",
    extend: "extension",
    abduct: "abduction",
    adduct: "adduction",
    isometric: "other",
    static: "other",
  },
  movement_split: {
    "upper body": "upper",
    "lower body": "lower",
    "full body": "full_body",
    "total body": "full_body",
    "whole body": "full_body",
    abs: "core",
    trunk: "core",
  },
  level: {
    novice: "beginner",
    easy: "beginner",
    basic: "beginner",
    moderate: "intermediate",
    medium: "intermediate",
    expert: "advanced",
    hard: "advanced",
    elite: "advanced",
  },
  plane_of_motion: {
    coronal: "frontal",
    lateral: "frontal",
    horizontal: "transverse",
    multiplanar: "multi-plane",
    "multi planar": "multi-plane",
    multiple: "multi-plane",
    "tri planar": "multi-plane",
  },
  muscle_category: {
    pecs: "chest",
    pectorals: "chest",
    lats: "back",
    "upper back": "back",
    shoulder: "shoulders",
    delts: "shoulders",
    arm: "arms",
    biceps: "arms",
    triceps: "arms",
    forearms: "arms",
    leg: "legs",
    "lower body": "legs",
    glutes: "legs",
    quads: "legs",
    hamstrings: "legs",
    abs: "core",
    abdominals: "core",
    "full body": "full_body",
    "total body": "full_body",
  },
};

/** "Multi-Plane", "sagittal plane", "Push movement" → comparable keys "multi plane", "sagittal", "push". */
function toEnumKey(raw: string): string {
  return toWordKey(raw).replace(/ (movement|pattern|exercise|plane)$/, "");
}

/** Maps a raw enum value (any case, a near-synonym) to its canonical value, or null when unknown. */
export function normalizeEnumValue<K extends EnumKind>(kind: K, raw: unknown): EnumValue<K> | null {
  if (typeof raw !== "string") return null;
  const key = toEnumKey(raw);
  const values: readonly EnumValue<K>[] = ENUM_VALUES[kind];
  const canonical = values.find((value) => toEnumKey(value) === key);
  if (canonical !== undefined) return canonical;
  const synonyms: Readonly<Record<string, EnumValue<K>>> = ENUM_SYNONYMS[kind];
  return synonyms[key] ?? null;
}

export function isEnumValue<K extends EnumKind>(kind: K, value: unknown): value is EnumValue<K> {
  return (ENUM_VALUES[kind] as readonly unknown[]).includes(value);
}
