/**
 * DUPLICATE_DETECTION_SCAN's pure parts. Two families are likely duplicates when their slugs differ
 * only by plural forms or equipment words ("rows", "dumbbell_row" and "row"); two exercises when
 * their name slugs hold the same words in any order, plurals and equipment words aside (but those the
 * primary equipment does not say, "Landmine" on a barbell), on the same primary equipment.
 * Duplicates in different families make those families merge candidates: FAMILY_MERGE jobs in
 * dry_run, for a person to review before running them in apply. Duplicates inside one family are
 * reported only (merging exercises is a TARGETED_FIX decision).
 *
 * The index keeps one short key per family and per live exercise (not documents), so its memory
 * grows with the catalog's size in keys only.
 */
import type { CatalogDoc } from "../../catalog/repository";
import { coreWords, exerciseNameParts, singular, toFamilySlug, toNameSlug } from "../../catalog/taxonomy";
import { equipmentWordsKept } from "../../catalog/naming-rules";
import { liveMembers } from "../../catalog/family-naming";
import { normalizedPrimary } from "../../catalog/family-registry";
import type { FollowUp } from "../support/follow-ups";
import { stableStringify } from "../../util/document-diff";

export function familyDuplicateKey(familySlug: string): string {
  return coreWords(familySlug.split("_")).join("_");
}

/**
 * Words in any order plus the primary equipment; null for an exercise without name slug. An
 * equipment word the primary does not say stays, as the naming rule keeps it (`equipmentWordsKept`):
 * "Landmine Row" and "Row (Landmine)" on a barbell are one exercise, not "Row (Barbell)".
 */
export function exerciseDuplicateKey(exercise: CatalogDoc): string | null {
  const slug = exercise.data.name_slug;
  if (typeof slug !== "string" || slug === "") return null;
  const primary = normalizedPrimary(exercise.data) ?? "";
  const apart = typeof exercise.data.name === "string" && primary !== "" ? wordsApart(exercise.data.name, primary) : [];
  const words = coreWords(slug.split("-").filter((word) => !primary.split("-").includes(word))).filter((word) => !apart.includes(word));
  return `${[...words, ...apart].sort().join("-")}|${primary}`;
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

export interface DuplicateFindings {
  merges: MergeCandidate[];
  /** Likely duplicate exercises within one family. */
  within_family: Array<{ family_slug: string; exercise_ids: string[] }>;
}

export class DuplicateIndex {
  private readonly families = new Map<string, { slug: string; live: number }[]>();
  /** Exercise key → the exercises, each with its family and the family its name derives to. */
  private readonly exercises = new Map<string, { id: string; family: string; home: string }[]>();
  private readonly liveCount = new Map<string, number>();

  /** Adds a family with its members; families without live exercises are retired and left out. */
  addFamily(familySlug: string, members: readonly CatalogDoc[]): void {
    const live = liveMembers(members);
    if (live.length === 0) return;
    this.liveCount.set(familySlug, live.length);
    const key = familyDuplicateKey(familySlug);
    this.families.set(key, [...(this.families.get(key) ?? []), { slug: familySlug, live: live.length }]);
    for (const member of live) {
      const exerciseKey = exerciseDuplicateKey(member);
      const home = toFamilySlug(typeof member.data.name === "string" ? member.data.name : "");
      if (exerciseKey !== null)
        this.exercises.set(exerciseKey, [...(this.exercises.get(exerciseKey) ?? []), { id: member.id, family: familySlug, home }]);
    }
  }

  findings(): DuplicateFindings {
    const merges = new Map<string, MergeCandidate>();
    const isTarget = (slug: string) => [...merges.values()].some((merge) => merge.target === slug);
    const propose = (slugs: string[], home: string, reason: string) => {
      const target = this.preferredTarget(slugs, home);
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
          key,
          `family slugs differ only by plural or equipment words ("${key}")`,
        );
    }
    const withinFamily: DuplicateFindings["within_family"] = [];
    for (const [key, group] of this.exercises) {
      const families = [...new Set(group.map((exercise) => exercise.family))];
      if (families.length > 1) propose(families, group[0].home, `exercises ${group.map((e) => e.id).join(", ")} look alike ("${key}")`);
      for (const family of families) {
        const ids = group.filter((exercise) => exercise.family === family).map((exercise) => exercise.id);
        if (ids.length > 1) withinFamily.push({ family_slug: family, exercise_ids: ids });
      }
    }
    return { merges: [...merges.values()], within_family: withinFamily };
  }

  /** `home` when it is one of them (the key's own family, the family the names derive to), else the one with most live exercises, else the first by slug. */
  private preferredTarget(slugs: readonly string[], home: string): string {
    if (slugs.includes(home)) return home;
    return [...slugs].sort((a, b) => (this.liveCount.get(b) ?? 0) - (this.liveCount.get(a) ?? 0) || (a < b ? -1 : 1))[0];
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
