/**
 * EXERCISE_ADD's plan. The intent is normalised (equipment, muscles, category) into a draft, the
 * draft is placed in the family its base name derives to under its canonical name there, and the
 * plan creates it with the deterministic id `{family_slug}__{name_slug}` (as a draft awaiting
 * enrichment), renames existing members if the family becomes multi-equipment, and recomputes the
 * family's registry. An exercise that already exists under that name, slug or equipment variant is
 * a duplicate: DUPLICATE_EXERCISE, for review, nothing written. So is a live one on the same primary
 * equipment anywhere in the catalog under another spelling of it (`otherSpellings`), named so or
 * behind an alias: "Goblet Squat" on a dumbbell where "goblet-squat" is an alias of the dumbbell squat
 * (or of an exercise merged into it). An alias at the new slug that leads nowhere is no duplicate: the
 * plan deletes it and the new exercise takes the slug.
 */
import type { OperationInput } from "../../apply/plan";
import {
  DESCRIPTION_MIN_LENGTH,
  canonicalExerciseName,
  exerciseIdFor,
  exerciseNameParts,
  isShoutedText,
  mayOmitEquipmentSuffix,
  normalizeEnumValue,
  normalizeEquipmentList,
  normalizeMuscle,
  splitExerciseName,
  titleCase,
  toFamilySlug,
  toNameSlug,
} from "../../catalog/taxonomy";
import { JobFailure } from "../../jobs/errors";
import { muscleNameSchema } from "../../catalog/schemas";
import type { LoadedFamily } from "../../catalog/reads";
import { refreshRegistry } from "../support/change-plan";
import { losesEquipmentWord, suffixWordLost, unpairedBracketProblem } from "../../catalog/naming-rules";
import type { SlugOwners } from "../../catalog/rename-conflicts";
import { describeAlias } from "../../catalog/slug-aliases";
import { liveExerciseOf } from "../../catalog/alias-resolution";
import { isLiveExercise, normalizedPrimary } from "../../catalog/family-registry";
import { type JoinPlan, namingConflicts, planJoin, renameOperations } from "./family-moves";
import { type DocData, display, isNonEmptyString } from "../../util/object-paths";

/** What an EXERCISE_ADD asks for (its payload's `intent`, whose schema is checked against this). */
export interface ExerciseIntent {
  base_name: string;
  equipment: string[];
  category?: string;
  muscles?: { primary: string[]; secondary?: string[] };
  description?: string;
}

export interface ExerciseDraft {
  family_slug: string;
  base: string;
  /** The slug of the base name as the intent spells it ("dumbbell-bench-press"): the exercise may be known by it. */
  intent_slug: string;
  /** Normalised, primary first. */
  equipment: string[];
  /** Whether the intent's base name is written all in capitals, judged whole as the naming rule judges a name ("ROW" of "BARBELL ROW"). */
  shouted: boolean;
  /** category, description, muscles: whatever the intent gave, normalised. */
  fields: DocData;
}

export interface PlacedExercise {
  exercise_id: string;
  name: string;
  draft: ExerciseDraft;
  family: LoadedFamily;
  /** How the family takes it in: renames of its members, and every final name (the new one under exercise_id). */
  join: JoinPlan;
}

/**
 * What the catalog holds at the new exercise's slug and its other spellings (`otherSpellings`): the
 * aliases there, and by id the exercises holding the slug or named with one of the spellings and those
 * the aliases lead to, through any merges (more does no harm; an exercise an alias there names that is
 * not here does not exist).
 */
export interface SpellingHolders {
  aliases: ReadonlyMap<string, DocData>;
  exercises: ReadonlyMap<string, DocData>;
}

export interface ExerciseAdd {
  exercise_id: string;
  operations: OperationInput[];
  renamed: number;
}

/**
 * An exercise holding the new one's slug, in whatever family; a retired one says so, and where to go
 * instead: an archived one comes back with a TARGETED_FIX patch of its status (which clears its
 * retirement), a merged one lives on in the exercise it was merged into.
 */
function describeHolder(id: string, owners: SlugOwners, holders: SpellingHolders): string {
  if (owners.live.has(id)) return id;
  const holder = holders.exercises.get(id);
  if (holder?.status === "deprecated") return `${id} (archived: bring it back with a TARGETED_FIX patch of its status to "approved")`;
  if (holder?.status === "merged") return `${id} (merged into ${display(holder.merged_into)})`;
  return `${id} (retired)`;
}

/** Stands in for the new exercise's id while its name (and so its id) is worked out. */
const NEW_EXERCISE = "(new exercise)";

function invalidIntent(message: string, details?: unknown): JobFailure {
  return JobFailure.permanent("INVALID_INTENT", message, details);
}

/**
 * The intent normalised; INVALID_INTENT when what it gives cannot be made canonical. A leading
 * equipment word of the base name goes into the "(Equipment)" suffix ("Barbell Squat" on a barbell →
 * "Squat (Barbell)"), but only when the suffix still says what it said (`losesEquipmentWord`, as the
 * naming rule judges it): "Landmine Row" on a barbell or "Weighted Dip" on a dip station is refused
 * rather than added as the plain Row or Dip, and so is a suffix naming such a word ("Row (Landmine)"
 * on a barbell: `suffixWordLost`), and a base name whose brackets do not pair ("Squat (Barbell":
 * `unpairedBracketProblem`).
 */
export function draftExercise(intent: ExerciseIntent): ExerciseDraft {
  const equipment = normalizeEquipmentList(intent.equipment);
  if (equipment.length === 0) throw invalidIntent("the intent names no usable equipment", { equipment: intent.equipment });
  const primary = equipment[0];
  const unpaired = unpairedBracketProblem(intent.base_name);
  if (unpaired !== null) throw invalidIntent(unpaired.message, { base_name: intent.base_name });
  const { prefix, rest: base, suffix } = exerciseNameParts(intent.base_name.trim(), primary);
  if (prefix !== null && losesEquipmentWord(prefix, primary)) {
    throw invalidIntent(
      `"${intent.base_name}" starts with the equipment word "${prefix}", which its primary equipment "${primary}" does not name: ` +
        `the "(Equipment)" suffix would not say it, so the exercise would be added as a plain "${base}"; name it without ` +
        `"${prefix}", or list first in its equipment what "${prefix}" names`,
      { base_name: intent.base_name, leading_word: prefix, primary_equipment: primary },
    );
  }
  if (suffix !== null && suffixWordLost(suffix, primary)) {
    throw invalidIntent(
      `"${intent.base_name}" ends with "(${suffix})", which its primary equipment "${primary}" does not name: the ` +
        `"(Equipment)" suffix would replace it, so the exercise would be added as a plain "${base}"; name it without ` +
        `"(${suffix})", or list first in its equipment what "${suffix}" names`,
      { base_name: intent.base_name, suffix_word: suffix, primary_equipment: primary },
    );
  }
  const familySlug = toFamilySlug(base);
  if (familySlug === "") throw invalidIntent(`"${intent.base_name}" gives no family slug`, { base_name: intent.base_name });
  const fields: DocData = {};
  if (intent.category !== undefined) {
    const category = normalizeEnumValue("category", intent.category);
    if (category === null) throw invalidIntent(`"${intent.category}" is not a category`, { category: intent.category });
    fields.category = category;
  }
  if (intent.description !== undefined && intent.description.trim() !== "") {
    const description = intent.description.trim();
    if (description.length < DESCRIPTION_MIN_LENGTH)
      throw invalidIntent(`a description has at least ${DESCRIPTION_MIN_LENGTH} characters`, { description });
    fields.description = description;
  }
  if (intent.muscles) {
    const primary = [...new Set(intent.muscles.primary.map(normalizeMuscle))];
    const secondary = [...new Set((intent.muscles.secondary ?? []).map(normalizeMuscle))].filter((muscle) => !primary.includes(muscle));
    const unusable = [...primary, ...secondary].filter((muscle) => !muscleNameSchema.safeParse(muscle).success);
    if (unusable.length > 0)
      throw invalidIntent(`not muscle names: ${unusable.map((muscle) => `"${muscle}"`).join(", ")}`, { muscles: unusable });
    fields.muscles = { primary, ...(secondary.length > 0 ? { secondary } : {}) };
  }
  return {
    family_slug: familySlug,
    base,
    intent_slug: toNameSlug(intent.base_name),
    equipment,
    shouted: isShoutedText(intent.base_name),
    fields,
  };
}

/**
 * The new exercise's name and id once placed in `family` (the family the draft derives to, possibly
 * empty, without the exercise itself if an earlier attempt of the job created it).
 */
export function placeExercise(draft: ExerciseDraft, family: LoadedFamily): PlacedExercise {
  const joining = { id: NEW_EXERCISE, data: { name: provisionalName(draft), equipment: draft.equipment } };
  const join = planJoin(draft.family_slug, family, [joining], { mergeIdentical: false });
  const name = join.moves[0]?.name ?? joining.data.name;
  const id = exerciseIdFor(draft.family_slug, toNameSlug(name));
  const finalNames = new Map([...join.finalNames].map(([member, memberName]) => [member === NEW_EXERCISE ? id : member, memberName]));
  return { exercise_id: id, name, draft, family, join: { ...join, finalNames } };
}

/**
 * The slugs the new exercise may already be known by besides its name's own (which the slug owners
 * answer for), anywhere in the catalog: the intent's own ("goblet-squat"), and its name's without and
 * with the "(Equipment)" suffix ("alternating-biceps-curl" for "Alternating Biceps Curl (Dumbbell)",
 * "incline-push-up-bodyweight" for "Incline Push-Up").
 */
export function otherSpellings(placed: PlacedExercise): string[] {
  const own = toNameSlug(placed.name);
  const { base } = splitExerciseName(placed.name);
  const spellings = [placed.draft.intent_slug, toNameSlug(base), toNameSlug(canonicalExerciseName(base, placed.draft.equipment[0]))];
  return [...new Set(spellings)].filter((spelling) => spelling !== own && spelling !== "");
}

interface SpellingMatch {
  exercise_id: string;
  reason: string;
  alias: DocData | null;
}

/**
 * The live exercises on the new one's primary equipment known by another of its spellings, as their
 * name slug or through an alias: the same exercise. One on other primary equipment is another
 * ("Goblet Squat" on a kettlebell is no dumbbell squat), and a retired one no longer stands for it.
 */
function sameExerciseElsewhere(placed: PlacedExercise, holders: SpellingHolders, exceptId: string | null): SpellingMatch[] {
  const primary = placed.draft.equipment[0];
  const isSameExercise = (id: string): boolean => {
    const data = holders.exercises.get(id);
    return id !== exceptId && data !== undefined && isLiveExercise(data) && normalizedPrimary(data) === primary;
  };
  // An exercise merged away, by its name or an alias of it, stands for the one it was merged into.
  const liveOf = (id: string) => {
    const live = liveExerciseOf(id, (holder) => holders.exercises.get(holder) ?? null);
    return live !== null && isSameExercise(live) ? { live, merged: live === id ? "" : ` (merged into ${live})` } : null;
  };
  return otherSpellings(placed).flatMap((spelling) => {
    const named = [...holders.exercises].flatMap(([id, data]): SpellingMatch[] => {
      const found = data.name_slug === spelling ? liveOf(id) : null;
      return found ? [{ exercise_id: found.live, reason: `"${spelling}" is the slug of ${id}${found.merged}`, alias: null }] : [];
    });
    const alias = holders.aliases.get(spelling);
    const target = alias?.exercise_id;
    const found = typeof target === "string" ? liveOf(target) : null;
    const aliased: SpellingMatch[] =
      alias && found ? [{ exercise_id: found.live, reason: `${describeAlias(spelling, alias)}${found.merged}`, alias }] : [];
    return [...named, ...aliased];
  });
}

/**
 * An alias that leads nowhere: it has no target, or its only target is an exercise that does not exist.
 * At the new exercise's slug it holds that slug for nothing, and once the slug is a live exercise's name,
 * ALIAS_REPAIR would delete it (no alias may shadow that name).
 */
function leadsNowhere(alias: Readonly<DocData>, holders: SpellingHolders): boolean {
  if (isNonEmptyString(alias.family_slug)) return false;
  return !isNonEmptyString(alias.exercise_id) || !holders.exercises.has(alias.exercise_id);
}

/** Why an alias `leadsNowhere` does. */
function whyNowhere(slug: string, alias: Readonly<DocData>): string {
  return isNonEmptyString(alias.exercise_id)
    ? `the alias "${slug}" leads to exercise ${alias.exercise_id}, which does not exist`
    : `the alias "${slug}" has no target`;
}

/**
 * The plan for a placed exercise. `owners` holds the new slug and the slugs renamed members take;
 * `spellingHolders` what the catalog holds at its slug and `otherSpellings`. `createdByThisJob`: an earlier attempt
 * of this job already created it, so it is no duplicate and only what that attempt left undone
 * (renames, registry) is planned.
 */
export function planExerciseAdd(
  placed: PlacedExercise,
  owners: SlugOwners,
  spellingHolders: SpellingHolders,
  createdByThisJob: boolean,
): ExerciseAdd {
  const { exercise_id: id, name, draft, family, join } = placed;
  const slug = toNameSlug(name);
  const holders = (owners.exercises.get(slug) ?? []).filter((holder) => !(createdByThisJob && holder === id));
  const aliasAtSlug = owners.aliases.get(slug);
  const brokenAlias = aliasAtSlug && leadsNowhere(aliasAtSlug, spellingHolders) ? aliasAtSlug : undefined;
  const alias = brokenAlias ? undefined : aliasAtSlug;
  const elsewhere = sameExerciseElsewhere(placed, spellingHolders, createdByThisJob ? id : null);
  // The new exercise's clash by name is a duplicate; members that clash with each other once it joins are not.
  const conflictsNamed = join.conflicts.map((conflict) =>
    conflict.exercise_id === NEW_EXERCISE ? { ...conflict, exercise_id: id } : conflict,
  );
  const ownNameConflicts = join.conflicts.filter((conflict) => conflict.exercise_id === NEW_EXERCISE && conflict.kind === "name");
  const memberConflicts = join.conflicts.filter((conflict) => conflict.exercise_id !== NEW_EXERCISE);
  const duplicate =
    ownNameConflicts[0]?.reason ??
    (holders.length > 0
      ? `"${slug}" is the slug of ${holders.map((holder) => describeHolder(holder, owners, spellingHolders)).join(", ")}`
      : undefined) ??
    (alias ? describeAlias(slug, alias) : undefined) ??
    (elsewhere.length > 0
      ? `${elsewhere.map((match) => match.reason).join(", ")}, on the same primary equipment "${draft.equipment[0]}"`
      : undefined);
  if (duplicate) {
    const existing = [
      ...new Set([
        ...ownNameConflicts.flatMap((conflict) => (conflict.with ? [conflict.with] : [])),
        ...holders,
        ...elsewhere.map((match) => match.exercise_id),
      ]),
    ];
    throw JobFailure.needsReview("DUPLICATE_EXERCISE", `"${name}" already exists: ${duplicate}; nothing was written`, {
      exercise_id: id,
      existing,
      alias: alias ?? elsewhere.find((match) => match.alias !== null)?.alias ?? null,
    });
  }
  // Another exercise on the new one's primary equipment, or members that shared one before it made the
  // family multi-equipment: a different exercise, not a duplicate, but one a multi-equipment family cannot hold.
  const equipmentConflicts = conflictsNamed.filter((conflict) => conflict.kind === "equipment");
  if (equipmentConflicts.length > 0) {
    throw JobFailure.needsReview(
      "ADD_EQUIPMENT_CONFLICT",
      `with "${name}", ${family.slug} is multi-equipment, where no two exercises may share a primary equipment; nothing was written`,
      { conflicts: equipmentConflicts },
    );
  }
  // A member the new naming rule renames to a name that fits no variant of the family (one misfiled there).
  const conflicts = [
    ...memberConflicts.filter((conflict) => conflict.kind === "name"),
    ...namingConflicts(join.renames, join.finalNames, owners),
  ];
  if (conflicts.length > 0) {
    throw JobFailure.needsReview(
      "RENAME_CONFLICT",
      `adding "${name}" makes ${family.slug} multi-equipment, but its exercises cannot all take canonical names`,
      { conflicts },
    );
  }
  const data: DocData = {
    name,
    name_slug: slug,
    family_slug: draft.family_slug,
    equipment: draft.equipment,
    ...draft.fields,
    status: "draft",
  };
  const create: OperationInput = {
    op: "create_exercise",
    exercise_id: id,
    data,
    rationale: `add "${name}" to family ${draft.family_slug}; it awaits enrichment`,
  };
  const freeSlug: OperationInput[] = brokenAlias
    ? [{ op: "delete_alias", alias_slug: slug, rationale: `${whyNowhere(slug, brokenAlias)}: "${name}" takes its slug` }]
    : [];
  return {
    exercise_id: id,
    renamed: join.renames.length,
    operations: [
      ...freeSlug,
      ...(createdByThisJob ? [] : [create]),
      ...renameOperations(join.renames, owners, `canonical name once ${family.slug} also has "${name}"`),
      ...refreshRegistry(draft.family_slug, family.registry, true, `${draft.family_slug} gains "${name}"`),
    ],
  };
}

function provisionalName(draft: ExerciseDraft): string {
  // Bodyweight classics ("Archer Push-Up") go without a suffix, like their siblings.
  const primary = draft.equipment[0];
  return mayOmitEquipmentSuffix(draft.base, primary)
    ? titleCase(draft.base, draft.shouted)
    : canonicalExerciseName(draft.base, primary, draft.shouted);
}
