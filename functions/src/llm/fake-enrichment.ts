/**
 * The fake LLM's answer to "enrich_exercise": a deterministic, rule-based revision that fills missing
 * or poor fields from the exercise's name, equipment, category and muscles and leaves good fields
 * alone ("if it isn't broken, don't fix it"). Output shape as in CATALOG-DOMAIN.md "Enrichment output".
 */
import {
  CONTENT_FIELDS,
  CONTENT_LIST_BOUNDS,
  type Category,
  type ContentField,
  type Level,
  DESCRIPTION_MIN_LENGTH,
  type MovementSplit,
  type MuscleCategory,
  equipmentDisplayName,
  isEnumValue,
  normalizeEquipment,
  normalizeMuscle,
  splitExerciseName,
} from "../catalog/taxonomy";
import { muscleNameSchema } from "../catalog/schemas";
import { CONTENT_ITEM_FORMS, contentStyleIssues, descriptionStyleIssues } from "../catalog/text-style";
import {
  BAR_EQUIPMENT,
  CARDIO_MACHINES,
  CARDIO_PROFILE,
  GENERIC_PROFILE,
  GUIDED_EQUIPMENT,
  MOBILITY_PROFILE,
  MUSCLE_CATEGORY_BY_MUSCLE,
  type MovementProfile,
  PROFILES,
  SELF_LOADED_EQUIPMENT,
} from "./fake-profiles";
import { getPath } from "../util/object-paths";

export interface EnrichmentProposal {
  changes: Record<string, unknown>;
  reasoning: string;
  confidence: "high" | "medium" | "low";
}

// ---------------------------------------------------------------- text helpers

function stringOf(value: unknown): string {
  return typeof value === "string" ? value.trim() : "";
}

function stringsOf(value: unknown): string[] | undefined {
  return Array.isArray(value) && value.every((item) => typeof item === "string") ? value : undefined;
}

/** Lowercase with hyphens as spaces, so "Push-Up" and "push up" read the same. */
function searchable(text: string): string {
  return text.toLowerCase().replace(/[-_]+/g, " ").replace(/\s+/g, " ");
}

function mentions(text: string, keyword: string): boolean {
  return new RegExp(`\\b${keyword}(?:e?s)?\\b`).test(searchable(text));
}

/** Equipment as it reads inside a sentence: "smith-machine" → "Smith machine", "ez-bar" → "EZ bar". */
function equipmentName(equipment: string): string {
  return equipmentDisplayName(equipment)
    .split(" ")
    .map((word, i) => (/^[A-Z]{2,}$/.test(word) || (i === 0 && word === "Smith") ? word : word.toLowerCase()))
    .join(" ");
}

function withArticle(noun: string): string {
  return /^(?:[aeiou]|EZ\b)/i.test(noun) ? `an ${noun}` : `a ${noun}`;
}

function listPhrase(items: string[]): string {
  return items.length <= 1 ? (items[0] ?? "") : `${items.slice(0, -1).join(", ")} and ${items[items.length - 1]}`;
}

// ---------------------------------------------------------------- what counts as poor

/** The scanner's rules (shared style checks and bounds): a field failing them is regenerated, a passing one kept. */
function isPoorDescription(value: unknown): boolean {
  const text = stringOf(value);
  return text.length < DESCRIPTION_MIN_LENGTH || descriptionStyleIssues(text).length > 0;
}

function isPoorContentList(field: ContentField, value: unknown): boolean {
  const items = stringsOf(value);
  if (!items || items.some((item) => item.trim() === "")) return true;
  const { min, max } = CONTENT_LIST_BOUNDS[field];
  if (items.length < min || items.length > max || contentStyleIssues(field, items).length > 0) return true;
  // The normaliser's own rule, which the scanner checks too: a list it keeps is never regenerated.
  const form = CONTENT_ITEM_FORMS[field];
  return form !== undefined && !items.every(form.holds);
}

/** Empty, or a name the schema (and so the scanner) refuses: "Biceps_Brachii", "rear-delt", an alias such as "quads". */
function isPoorPrimaryMuscles(value: unknown): boolean {
  const muscles = stringsOf(value) ?? [];
  return muscles.length === 0 || muscles.some((muscle) => !muscleNameSchema.safeParse(muscle).success);
}

// ---------------------------------------------------------------- facts about the exercise

interface ExerciseFacts {
  base: string;
  category: Category;
  /** Primary equipment, canonical spelling; "" when the exercise has none. */
  equipment: string;
  primary: string[];
  secondary: string[];
  muscleCategories: MuscleCategory[];
  split: MovementSplit;
  profile: MovementProfile;
  /** The name matched a known movement pattern. */
  recognised: boolean;
  unilateral: boolean;
  level: Level;
}

const UNILATERAL_NAME = /\b(?:single|one (?:arm|leg)|unilateral|alternating|suitcase|pistol)\b/;
const ADVANCED_NAME = /\b(?:snatch|clean|jerk|muscle up|pistol|handstand|dragon flag|front lever|planche)\b/;

function findProfile(base: string, category: string): MovementProfile | undefined {
  if (category === "cardio") return CARDIO_PROFILE;
  if (category === "mobility") return MOBILITY_PROFILE;
  return [...PROFILES, CARDIO_PROFILE, MOBILITY_PROFILE].find((profile) => profile.keywords.some((keyword) => mentions(base, keyword)));
}

function splitOf(categories: MuscleCategory[]): MovementSplit {
  const upper = categories.some((c) => c === "chest" || c === "back" || c === "shoulders" || c === "arms");
  const lower = categories.includes("legs");
  if (categories.includes("full_body") || (upper && lower)) return "full_body";
  if (upper) return "upper";
  if (lower) return "lower";
  return "core";
}

function readFacts(exercise: Record<string, unknown>): ExerciseFacts {
  const base = splitExerciseName(stringOf(exercise.name)).base;
  const givenCategory = stringOf(exercise.category);
  const matched = findProfile(base, givenCategory);
  const profile = matched ?? GENERIC_PROFILE;
  const category = isEnumValue("category", givenCategory) ? givenCategory : profile.category;
  const equipment = normalizeEquipment(stringsOf(exercise.equipment)?.[0] ?? "").value;
  const givenPrimary = [...new Set((stringsOf(getPath(exercise, "muscles.primary")) ?? []).map(normalizeMuscle))];
  const primary = givenPrimary.length > 0 ? givenPrimary : profile.primary;
  const secondary =
    givenPrimary.length > 0 ? (stringsOf(getPath(exercise, "muscles.secondary")) ?? []).map(normalizeMuscle) : profile.secondary;
  const derivedCategories = [...new Set(primary.map((muscle) => MUSCLE_CATEGORY_BY_MUSCLE[muscle]).filter(Boolean))];
  const muscleCategories = derivedCategories.length > 0 ? derivedCategories : profile.muscleCategory;
  const text = searchable(base);
  const unilateral = UNILATERAL_NAME.test(text) || profile.unilateral === true;
  // Named skills are advanced; free-weight compounds need some experience; guided and single-joint work does not.
  const level: Level = ADVANCED_NAME.test(text)
    ? "advanced"
    : category === "compound" && !GUIDED_EQUIPMENT.includes(equipment)
      ? "intermediate"
      : "beginner";
  return {
    base,
    category,
    equipment,
    primary,
    secondary,
    muscleCategories,
    split: matched ? profile.split : splitOf(muscleCategories),
    profile,
    recognised: matched !== undefined,
    unilateral,
    level,
  };
}

// ---------------------------------------------------------------- content

const CATEGORY_BENEFIT: Record<Category, string> = {
  compound: "It builds strength and muscle across several joints and fits most training programs.",
  isolation: "It trains one joint at a time, which makes it a precise accessory for building muscle.",
  core: "It develops trunk stability that carries over to heavier lifts and daily movement.",
  cardio: "It raises the heart rate for conditioning work and is easy to scale by pace or resistance.",
  mobility: "It improves range of motion and suits warm-ups and recovery sessions.",
};

const MAX_DESCRIPTION = 250;

function description(facts: ExerciseFacts): string {
  const equipment =
    facts.equipment === ""
      ? ""
      : facts.equipment === "bodyweight"
        ? " performed with bodyweight"
        : ` performed with ${withArticle(equipmentName(facts.equipment))}`;
  const target = facts.primary.length > 0 ? ` that targets the ${listPhrase(facts.primary)}` : " that works the whole body";
  const opener = `${facts.base} is ${withArticle(facts.category)} exercise${equipment}${target}`;
  const support = facts.secondary.length > 0 ? ` with help from the ${listPhrase(facts.secondary.slice(0, 2))}` : "";
  const benefit = CATEGORY_BENEFIT[facts.category];
  const candidates = [`${opener}${support}. ${benefit}`, `${opener}. ${benefit}`, `${opener}.`];
  return candidates.find((text) => text.length <= MAX_DESCRIPTION) ?? candidates[candidates.length - 1];
}

/** What `{load}` in a step becomes for the primary equipment. */
function loadPhrase(facts: ExerciseFacts): string {
  if (BAR_EQUIPMENT.includes(facts.equipment)) return "the bar";
  if (SELF_LOADED_EQUIPMENT.includes(facts.equipment)) return "your body";
  const phrases: Record<string, string> = {
    dumbbell: facts.unilateral ? "the dumbbell" : "the dumbbells",
    kettlebell: "the kettlebell",
    cable: "the handle",
    machine: "the handles",
    "resistance-band": "the band",
    "medicine-ball": "the ball",
    "stability-ball": "the ball",
  };
  return phrases[facts.equipment] ?? "the weight";
}

/** The setup step for loaded equipment; bodyweight profiles start from a position step of their own. */
function setupStep(facts: ExerciseFacts): string | undefined {
  const { equipment } = facts;
  if (equipment === "" || SELF_LOADED_EQUIPMENT.includes(equipment)) return undefined;
  if (BAR_EQUIPMENT.includes(equipment)) return "Load the bar evenly, secure the collars, and take your grip before the first rep.";
  if (CARDIO_MACHINES.includes(equipment))
    return `Set up the ${equipmentName(equipment)} for your height and planned pace before you start.`;
  const steps: Record<string, string> = {
    dumbbell: facts.unilateral
      ? "Choose a dumbbell you can control for every rep and bring it into the starting position."
      : "Choose dumbbells you can control for every rep and bring them into the starting position.",
    kettlebell: "Choose a kettlebell you can control for every rep and bring it into the starting position.",
    machine: "Adjust the seat and pads so the machine's pivot lines up with the working joint.",
    cable: "Set the pulley to the right height, attach the handle, and step into a stable stance.",
    "resistance-band": "Anchor the band securely and step away until it has light tension at the start.",
  };
  return steps[equipment] ?? `Set up the ${equipmentName(equipment)} and check that it is secure before the first rep.`;
}

const CLOSING_STEP: Partial<Record<Category, string>> = {
  compound: "Exhale through the hardest part of each rep and keep the tempo controlled.",
  isolation: "Exhale through the hardest part of each rep and keep the tempo controlled.",
  core: "Breathe steadily and end the set when your form starts to slip.",
};

const MAX_EXECUTION_NOTES = 6;

function executionNotes(facts: ExerciseFacts): string[] {
  const load = loadPhrase(facts);
  const steps = facts.profile.steps.map((step) => step.replace(/\{load\}/g, load));
  const notes = [setupStep(facts), ...steps, CLOSING_STEP[facts.category]].filter((note): note is string => note !== undefined);
  return notes.slice(0, MAX_EXECUTION_NOTES);
}

const LEVEL_NOTE = {
  beginner: "Beginners can learn it quickly and load it safely from the first session.",
  intermediate: "It suits lifters with some training experience who can hold good form under load.",
  advanced: "It is best reserved for experienced lifters with solid technique and joint control.",
};

function suitabilityNotes(facts: ExerciseFacts): string[] {
  const notes = [LEVEL_NOTE[facts.level], `People with ${facts.profile.joint} pain should start light and stay in a pain-free range.`];
  if (facts.unilateral) notes.push("It helps lifters even out strength differences between the left and right sides.");
  else if (GUIDED_EQUIPMENT.includes(facts.equipment)) notes.push("Its guided path makes it a safe choice for training close to failure.");
  else if (SELF_LOADED_EQUIPMENT.includes(facts.equipment))
    notes.push("It needs little equipment, so it works well for home or travel training.");
  return notes;
}

const SPLIT_PHRASE: Record<MovementSplit, string> = { upper: "upper-body", lower: "lower-body", full_body: "full-body", core: "core" };

function programmingUseCases(facts: ExerciseFacts): string[] {
  switch (facts.category) {
    case "compound":
      return [
        `Use it as a main lift early in ${SPLIT_PHRASE[facts.split]} sessions for 3 to 5 sets of 4 to 8 reps.`,
        "Program it for hypertrophy with 3 to 4 sets of 8 to 12 reps and a controlled tempo.",
        "Keep one or two reps in reserve on most sets to manage fatigue across the week.",
        "Progress it gradually once every set reaches the top of the rep range.",
      ];
    case "isolation":
      return [
        "Add it after the main lifts as an accessory for 2 to 4 sets of 10 to 15 reps.",
        `Use it to give extra volume to the ${facts.primary[0] ?? "target muscles"} without taxing the rest of the body.`,
        "Finish a session with it as a high-rep pump set or drop set.",
        "Pair it with an exercise for the opposing muscle group in a superset to save time.",
      ];
    case "core":
      return [
        "Include it at the end of a session for 2 to 4 sets.",
        "Use it in a warm-up to switch on the trunk muscles before heavy lifts.",
        "Progress it by adding time, reps or load once every set feels controlled.",
      ];
    case "cardio":
      return [
        "Use it for steady conditioning sessions of 20 to 40 minutes at a moderate effort.",
        "Program intervals such as 30 seconds hard and 90 seconds easy to build fitness.",
        "Add a short bout after lifting as a finisher or as part of a cool-down.",
      ];
    case "mobility":
      return [
        "Include it in warm-ups to prepare the joints for training.",
        "Use it on rest days to maintain range of motion.",
        "Hold each position for 20 to 45 seconds or move through 8 to 12 slow reps.",
      ];
  }
}

const CATEGORY_TAGS: Record<Category, string[]> = {
  compound: ["Strength", "Hypertrophy", "Compound Movement"],
  isolation: ["Hypertrophy", "Isolation", "Muscle Endurance"],
  core: ["Core Stability", "Trunk Control", "Muscle Endurance"],
  cardio: ["Conditioning", "Cardiovascular Endurance", "Work Capacity"],
  mobility: ["Mobility", "Flexibility", "Recovery"],
};
const SPLIT_TAG: Record<MovementSplit, string> = { upper: "Upper Body", lower: "Lower Body", full_body: "Full Body", core: "Core" };
const MAX_TAGS = 5;

function stimulusTags(facts: ExerciseFacts): string[] {
  return [...new Set([...CATEGORY_TAGS[facts.category], facts.profile.tag, SPLIT_TAG[facts.split]])].slice(0, MAX_TAGS);
}

const CONTENT_WRITERS: Record<ContentField, (facts: ExerciseFacts) => string[]> = {
  execution_notes: executionNotes,
  common_mistakes: (facts) => facts.profile.mistakes,
  suitability_notes: suitabilityNotes,
  programming_use_cases: programmingUseCases,
  stimulus_tags: stimulusTags,
};

// ---------------------------------------------------------------- the proposal

/** Structured fields: filled when missing, outside their vocabulary or malformed, never rewritten when valid. */
function structuralChanges(exercise: Record<string, unknown>, facts: ExerciseFacts): Record<string, unknown> {
  const changes: Record<string, unknown> = {};
  if (!isEnumValue("category", exercise.category) && facts.recognised) changes.category = facts.category;
  const storedPrimary = getPath(exercise, "muscles.primary");
  if (isPoorPrimaryMuscles(storedPrimary) && facts.primary.length > 0) {
    // A malformed list is proposed normalised; a missing one comes with the pattern's secondary muscles.
    changes["muscles.primary"] = facts.primary;
    const fromPattern = (stringsOf(storedPrimary) ?? []).length === 0;
    if (fromPattern && facts.secondary.length > 0) changes["muscles.secondary"] = facts.secondary;
  }
  const muscleCategories = stringsOf(getPath(exercise, "muscles.category")) ?? [];
  if (muscleCategories.length === 0 || !muscleCategories.every((c) => isEnumValue("muscle_category", c))) {
    changes["muscles.category"] = facts.muscleCategories;
  }
  if (!isEnumValue("movement_type", getPath(exercise, "movement.type"))) changes["movement.type"] = facts.profile.type;
  if (!isEnumValue("movement_split", getPath(exercise, "movement.split"))) changes["movement.split"] = facts.split;
  if (!isEnumValue("level", getPath(exercise, "metadata.level"))) changes["metadata.level"] = facts.level;
  if (!isEnumValue("plane_of_motion", getPath(exercise, "metadata.plane_of_motion")))
    changes["metadata.plane_of_motion"] = facts.profile.plane;
  if (typeof getPath(exercise, "metadata.unilateral") !== "boolean") changes["metadata.unilateral"] = facts.unilateral;
  return changes;
}

/** A path is in scope when a requested field equals it or contains it ("muscles" covers "muscles.category"). */
function inScope(path: string, fieldsToEnrich: string[] | undefined): boolean {
  return !fieldsToEnrich || fieldsToEnrich.some((field) => path === field || path.startsWith(`${field}.`));
}

export function fakeEnrichment(exercise: Record<string, unknown>, fieldsToEnrich?: string[]): EnrichmentProposal {
  const facts = readFacts(exercise);
  const proposed = structuralChanges(exercise, facts);
  if (isPoorDescription(exercise.description)) proposed.description = description(facts);
  for (const field of CONTENT_FIELDS) {
    if (isPoorContentList(field, exercise[field])) proposed[field] = CONTENT_WRITERS[field](facts);
  }
  const changes = Object.fromEntries(Object.entries(proposed).filter(([path]) => inScope(path, fieldsToEnrich)));
  const paths = Object.keys(changes);
  const knowsMuscles = facts.primary.length > 0;
  return {
    changes,
    reasoning:
      paths.length === 0
        ? "Every field in scope already meets the catalog's content rules; nothing to change."
        : `Filled missing or weak fields (${paths.join(", ")}) from the exercise's name, equipment, category and muscles.`,
    confidence: facts.recognised && knowsMuscles ? "high" : facts.recognised || knowsMuscles ? "medium" : "low",
  };
}
