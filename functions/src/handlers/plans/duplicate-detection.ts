/**
 * DUPLICATE_DETECTION_SCAN's pure parts. Two families are likely duplicates when their slugs name one
 * movement as a slug rename judges it (`movementKey`): they differ only by plural forms, equipment
 * words or where a word breaks ("rows", "dumbbell_row" and "row"; "pullups" and "pull_up"). Two
 * exercises are when, on the same primary equipment, their name slugs hold the same words in any
 * order, or the same words run together in the same order ("Pullups" and "Pull-Up"), plurals and
 * equipment words aside (but those the primary equipment does not say, "Landmine" on a barbell).
 * Duplicates in different families make those families merge candidates: FAMILY_MERGE jobs in
 * dry_run, for a person to review before running them in apply, each into a family whose slug the
 * slug rule fits (as FAMILY_MERGE's `target_family` must); families alike none of which has one (legacy
 * slugs) are reported, for a slug rename first. Duplicates inside one family are reported only
 * (merging exercises is a TARGETED_FIX decision).
 *
 * The index keeps one short key per family and two per live exercise (not documents), so its memory
 * grows with the catalog's size in keys only.
 */
import type { CatalogDoc } from "../../catalog/repository";
import { coreWords, exerciseNameParts, singular, toFamilySlug, toNameSlug } from "../../catalog/taxonomy";
import { equipmentWordsKept } from "../../catalog/naming-rules";
import { liveMembers, movementKey } from "../../catalog/family-naming";
import { canHoldRegistry, isLiveFamily, normalizedPrimary } from "../../catalog/family-registry";
import type { DocData } from "../../util/object-paths";
import type { FollowUp } from "../support/follow-ups";
import { stableStringify } from "../../util/document-diff";

/** A family slug's words, a legacy one's too ("Bench_Press", "bench-press"), as the slug rule spells them. */
function familySlugWords(familySlug: string): string[] {
  return familySlug.toLowerCase().split(/[-_]/);
}

/**
 * The movement a family slug names (`movementKey`): "pull_up", "pullups" and "dumbbell_pull_ups" are "pullup";
 * a legacy "Bench_Press" or "bench-press" keys as "bench_press".
 */
export function familyDuplicateKey(familySlug: string): string {
  return movementKey(familySlugWords(familySlug));
}

/** Whether a family's slug is its core words alone ("row", not "rows" or "dumbbell_row"): the family its key names. */
function namedByItsKey(familySlug: string): boolean {
  return coreWords(familySlugWords(familySlug)).join("_") === familySlug;
}

/**
 * The keys of an exercise, each with its primary equipment; none without name slug. Its words in
 * any order ("Press Bench" for "Bench Press"), and its words run together in their order
 * (`movementKey`: "Pullups" for "Pull-Up", "Lat Pulldown" for "Lat Pull-Down"); exercises sharing
 * either are alike. An equipment word the primary does not say stays in both, as the naming rule
 * keeps it (`equipmentWordsKept`): "Landmine Row" and "Row (Landmine)" on a barbell are one
 * exercise, not "Row (Barbell)".
 */
export function exerciseDuplicateKeys(exercise: CatalogDoc): string[] {
  const slug = exercise.data.name_slug;
  if (typeof slug !== "string" || slug === "") return [];
  const primary = normalizedPrimary(exercise.data) ?? "";
  const apart = typeof exercise.data.name === "string" && primary !== "" ? wordsApart(exercise.data.name, primary) : [];
  const words = withoutPrimary(slug.split("-"), primary);
  const anyOrder = [...coreWords(words).filter((word) => !apart.includes(word)), ...apart].sort().join("-");
  // Two "|" where the other key has one: the two kinds of key never equal each other.
  return [`${anyOrder}|${primary}`, `${movementKey(words)}|${[...apart].sort().join("-")}|${primary}`];
}

/**
 * Slug words without the runs of them that spell the primary equipment ("Pull-Up (Pull-Up Bar)"),
 * not each of its words: "Pull-Up" on a pull-up bar keeps its words, to be "Pullups" run together.
 */
function withoutPrimary(words: readonly string[], primary: string): string[] {
  const run = primary.split("-");
  const kept: string[] = [];
  for (let index = 0; index < words.length;) {
    if (run.every((word, offset) => words[index + offset] === word)) index += run.length;
    else kept.push(words[index++]);
  }
  return kept;
}

/** The slug words of the equipment words `name` keeps apart from its primary, in singular. */
function wordsApart(name: string, primary: string): string[] {
  return equipmentWordsKept(exerciseNameParts(name, primary), primary).flatMap((word) => toNameSlug(word).split("-").map(singular));
}

export interface MergeCandidate {
  source: string;
  target: string;
  reason: string;
}

/** Families alike none of which a merge may go into: a legacy slug (`canHoldRegistry`) is no FAMILY_MERGE target. */
interface AwaitingRename {
  families: string[];
  reason: string;
}

export interface DuplicateFindings {
  merges: MergeCandidate[];
  /** Likely duplicate exercises within one family. */
  within_family: Array<{ family_slug: string; exercise_ids: string[] }>;
  awaiting_rename: AwaitingRename[];
}

export class DuplicateIndex {
  private readonly families = new Map<string, { slug: string; live: number }[]>();
  /** An exercise's first key → the exercises, each with its family and the family its name derives to. */
  private readonly exercises = new Map<string, { id: string; family: string; home: string }[]>();
  /** Exercise key → a key of the same group (the group's own key maps to none): an exercise's keys are one group. */
  private readonly sameGroupAs = new Map<string, string>();
  private readonly liveCount = new Map<string, number>();

  /**
   * Adds a family with its members and registry entry. A retired family is left out, as source and as
   * target: one without live exercises, or one its entry retires (`isLiveFamily`: merged or deprecated).
   * A merge from or into a merged family fails, and each weekly scan would ask for it again; live
   * exercises under a retired entry are the maintenance scan's findings, not a merge candidate.
   */
  addFamily(familySlug: string, members: readonly CatalogDoc[], registry: Readonly<DocData> | null): void {
    const live = liveMembers(members);
    if (live.length === 0 || !isLiveFamily(registry, live.length > 0)) return;
    this.liveCount.set(familySlug, live.length);
    const key = familyDuplicateKey(familySlug);
    this.families.set(key, [...(this.families.get(key) ?? []), { slug: familySlug, live: live.length }]);
    for (const member of live) {
      const [exerciseKey, ...otherKeys] = exerciseDuplicateKeys(member);
      if (exerciseKey === undefined) continue;
      const home = toFamilySlug(typeof member.data.name === "string" ? member.data.name : "");
      this.exercises.set(exerciseKey, [...(this.exercises.get(exerciseKey) ?? []), { id: member.id, family: familySlug, home }]);
      for (const key of otherKeys) this.joinGroups(exerciseKey, key);
    }
  }

  private joinGroups(key: string, otherKey: string): void {
    const [group, otherGroup] = [this.groupOf(key), this.groupOf(otherKey)];
    if (group !== otherGroup) this.sameGroupAs.set(otherGroup, group);
  }

  /** The key that stands for `key`'s group; each key passed on the way is pointed at it, so the next look is short. */
  private groupOf(key: string): string {
    const passed: string[] = [];
    let group = key;
    for (let next = this.sameGroupAs.get(group); next !== undefined; next = this.sameGroupAs.get(group)) {
      passed.push(group);
      group = next;
    }
    for (const step of passed) this.sameGroupAs.set(step, group);
    return group;
  }

  /** The exercises alike, by group, each group named by the first key of its first exercise. */
  private exerciseGroups(): Map<string, { id: string; family: string; home: string }[]> {
    const groups = new Map<string, { key: string; exercises: { id: string; family: string; home: string }[] }>();
    for (const [key, exercises] of this.exercises) {
      const group = this.groupOf(key);
      const found = groups.get(group);
      if (found === undefined) groups.set(group, { key, exercises: [...exercises] });
      else found.exercises.push(...exercises);
    }
    return new Map([...groups.values()].map(({ key, exercises }) => [key, exercises]));
  }

  findings(): DuplicateFindings {
    const merges = new Map<string, MergeCandidate>();
    // By the families alike: families and their exercises may find the same ones.
    const awaitingRename = new Map<string, AwaitingRename>();
    const isTarget = (slug: string) => [...merges.values()].some((merge) => merge.target === slug);
    const propose = (slugs: string[], homes: readonly string[], reason: string) => {
      const target = this.preferredTarget(slugs, homes);
      if (target === null) {
        // Each family's audit (its registry_missing) asks a person for the slug a merge could then go into.
        const why = `${reason}; none of them has a slug a registry entry can hold: a FAMILY_RENAME_SLUG first, then a merge`;
        const families = [...slugs].sort();
        awaitingRename.set(families.join("\n"), { families, reason: why });
        return;
      }
      // No chains: a family merged away is nobody's target, a target is not merged away.
      if (merges.has(target)) return;
      for (const source of slugs) {
        if (source !== target && !merges.has(source) && !isTarget(source)) merges.set(source, { source, target, reason });
      }
    };
    for (const [key, group] of this.families) {
      if (group.length > 1)
        propose(
          group.map((family) => family.slug),
          group.map((family) => family.slug).filter(namedByItsKey),
          `family slugs differ only by plurals, equipment words or word breaks ("${key}")`,
        );
    }
    const withinFamily: DuplicateFindings["within_family"] = [];
    for (const [key, group] of this.exerciseGroups()) {
      const families = [...new Set(group.map((exercise) => exercise.family))];
      if (families.length > 1) propose(families, [group[0].home], `exercises ${group.map((e) => e.id).join(", ")} look alike ("${key}")`);
      for (const family of families) {
        const ids = group.filter((exercise) => exercise.family === family).map((exercise) => exercise.id);
        if (ids.length > 1) withinFamily.push({ family_slug: family, exercise_ids: ids });
      }
    }
    return { merges: [...merges.values()], within_family: withinFamily, awaiting_rename: [...awaitingRename.values()] };
  }

  /**
   * Of those that can be a FAMILY_MERGE target (a slug that `canHoldRegistry`), of the `homes` among them (the
   * families the key names, the family the names derive to), else of all, the one with most live exercises, else
   * the first by slug; null when none can.
   */
  private preferredTarget(slugs: readonly string[], homes: readonly string[]): string | null {
    const targets = slugs.filter(canHoldRegistry);
    const atHome = targets.filter((slug) => homes.includes(slug));
    const [preferred] = [...(atHome.length > 0 ? atHome : targets)].sort(
      (a, b) => (this.liveCount.get(b) ?? 0) - (this.liveCount.get(a) ?? 0) || (a < b ? -1 : 1),
    );
    return preferred ?? null;
  }
}

/**
 * A merge candidate as a FAMILY_MERGE job in dry_run: a person reads its preview and reruns it in
 * apply. It answers the candidate's evidence, so a weekly scan does not preview again a pair whose
 * evidence has not changed.
 */
export function mergeCandidateJob(candidate: MergeCandidate): FollowUp {
  return {
    type: "FAMILY_MERGE",
    payload: { mode: "dry_run", merge_config: { source_family: candidate.source, target_family: candidate.target } },
    dedup_key: `FAMILY_MERGE:${candidate.source}:${candidate.target}`,
    answers: stableStringify(candidate),
  };
}
