/**
 * What is wrong with one family, as findings: the read-only result of FAMILY_AUDIT and what
 * MAINTENANCE_SCAN decides its follow-up jobs on. Each finding says whether FAMILY_NORMALIZE fixes
 * it or a person has to decide, so the scan never queues a normalisation that cannot help.
 */
import { changedPaths } from "../util/document-diff";
import { exerciseNameProblem, familySlugFitsName } from "./naming-rules";
import { type CatalogDoc } from "./repository";
import { toNameSlug } from "./taxonomy";
import { isMultiEquipment, liveMembers, membersByPrimary, nameOf, namesInFamily } from "./family-naming";
import { NO_SLUG_OWNERS, type SlugOwners, heldOldSlug, renameConflictCheck } from "./rename-conflicts";
import { type DocData } from "../util/object-paths";
import { canHoldRegistry, computeFamilyRegistry, mergedInto, normalizedEquipment, normalizedPrimary } from "./family-registry";

type FamilyFindingCode =
  | "missing_name"
  | "non_canonical_name"
  | "name_slug_mismatch"
  | "name_collision"
  | "alias_held"
  | "name_does_not_fit_family"
  | "missing_equipment"
  | "non_normalised_equipment"
  | "shared_primary_equipment"
  | "merged_without_target"
  | "deprecated_without_date"
  | "registry_missing"
  | "registry_stale"
  | "merged_family_with_live_members";

export interface FamilyFinding {
  code: FamilyFindingCode;
  exercise_ids: string[];
  message: string;
  /** The value that would be right, when there is one (a canonical name, the normalised equipment). */
  suggestion?: string;
  /** FAMILY_NORMALIZE repairs it; "review": a person decides (split, merge, targeted fix). */
  fix: "FAMILY_NORMALIZE" | "review";
}

/** The registry entry the family's members imply (see `refreshRegistry`: a merged family stays merged). */
export function expectedRegistry(familySlug: string, members: readonly CatalogDoc[], stored: Readonly<DocData> | null): DocData {
  const successor = mergedInto(stored);
  const merged = successor !== null ? { status: "merged" as const, merged_into: successor } : {};
  return computeFamilyRegistry(
    familySlug,
    members.map((member) => member.data),
    { ...merged, previous: stored },
  );
}

/** The name every live member of the family should carry (null: it has none). */
export function targetNames(members: readonly CatalogDoc[]): Map<string, string | null> {
  return namesInFamily(members, isMultiEquipment(members));
}

/**
 * Everything wrong with the family. `owners` (who else holds the slugs of the names it should
 * carry) turns a rename that would clash outside the family into a finding for review.
 */
export function auditFamily(
  familySlug: string,
  members: readonly CatalogDoc[],
  registry: Readonly<DocData> | null,
  owners: SlugOwners = NO_SLUG_OWNERS,
): FamilyFinding[] {
  return [
    ...memberFindings(familySlug, members, owners),
    ...equipmentFindings(members),
    ...registryFindings(familySlug, members, registry),
  ];
}

/** Findings listed in a summary; the counts cover all of them. */
const MAX_LISTED_FINDINGS = 100;

/** Summary counts of findings, with the first ones listed. */
export function summarizeFindings(findings: readonly FamilyFinding[]): Record<string, unknown> {
  return {
    findings_count: findings.length,
    fixable_by_normalize: findings.filter((finding) => finding.fix === "FAMILY_NORMALIZE").length,
    needs_review_count: findings.filter((finding) => finding.fix === "review").length,
    findings: findings.slice(0, MAX_LISTED_FINDINGS),
  };
}

function memberFindings(familySlug: string, members: readonly CatalogDoc[], owners: SlugOwners): FamilyFinding[] {
  const findings: FamilyFinding[] = [];
  const multiEquipment = isMultiEquipment(members);
  const names = targetNames(members);
  const finalNames = new Map([...names].flatMap(([id, name]) => (name === null ? [] : [[id, name] as const])));
  const renameConflict = renameConflictCheck(finalNames, owners);
  const renameBlock = (id: string, data: Readonly<DocData>, target: string): RenameBlock | null => {
    const conflict = renameConflict(id, target);
    if (conflict !== null) return { code: "name_collision", why: conflict };
    const held = heldOldSlug(id, data, target, owners);
    return held === null ? null : { code: "alias_held", why: held };
  };
  for (const { id, data } of members) {
    if (data.status === "merged" && !data.merged_into) {
      findings.push({
        code: "merged_without_target",
        exercise_ids: [id],
        message: `${id} is merged but has no merged_into`,
        fix: "review",
      });
    }
    if (data.status === "deprecated" && !data.deprecated_at) {
      findings.push({
        code: "deprecated_without_date",
        exercise_ids: [id],
        message: `${id} is deprecated but has no deprecated_at`,
        fix: "review",
      });
    }
  }
  for (const { id, data } of liveMembers(members)) {
    const name = nameOf(data);
    const target = names.get(id);
    if (name === null || !target) {
      findings.push({ code: "missing_name", exercise_ids: [id], message: `${id} has no name`, fix: "review" });
      continue;
    }
    // A name the rules fault but cannot rename without losing its leading word keeps its name here (see
    // `exerciseNameProblem`): a person names it, and no normalisation is asked for it.
    const problem = exerciseNameProblem(name, normalizedPrimary(data), multiEquipment);
    if (problem !== null && problem.suggestion === undefined) {
      findings.push({ code: "non_canonical_name", exercise_ids: [id], message: problem.message, fix: "review" });
    }
    const fits = familySlugFitsName(target, familySlug);
    if (target !== name || data.name_slug !== toNameSlug(target)) {
      const rename = renameFinding(id, name, target, renameBlock(id, data, target));
      // A misfiled exercise gets its name where it belongs, not here (its rename would fail the family's naming rule).
      findings.push(fits ? rename : { ...rename, fix: "review" });
    }
    if (!fits) {
      findings.push({
        code: "name_does_not_fit_family",
        exercise_ids: [id],
        message: `"${target}" is not a variant of family ${familySlug}`,
        fix: "review",
      });
    }
  }
  return findings;
}

/** Why normalisation cannot rename a member: its new slug is taken, or its stored slug's alias leads elsewhere. */
interface RenameBlock {
  code: Extract<FamilyFindingCode, "name_collision" | "alias_held">;
  why: string;
}

/** The finding for member `id` whose `name` should be `target`; `blocked`: why it cannot take it, if it cannot. */
function renameFinding(id: string, name: string, target: string, blocked: RenameBlock | null): FamilyFinding {
  if (blocked)
    return {
      code: blocked.code,
      exercise_ids: [id],
      message: `"${name}" should be "${target}", but ${blocked.why}`,
      suggestion: target,
      fix: "review",
    };
  if (target !== name)
    return {
      code: "non_canonical_name",
      exercise_ids: [id],
      message: `"${name}" is not canonical in this family`,
      suggestion: target,
      fix: "FAMILY_NORMALIZE",
    };
  return {
    code: "name_slug_mismatch",
    exercise_ids: [id],
    message: `the stored name_slug does not derive from "${name}"`,
    suggestion: toNameSlug(name),
    fix: "FAMILY_NORMALIZE",
  };
}

function equipmentFindings(members: readonly CatalogDoc[]): FamilyFinding[] {
  const findings: FamilyFinding[] = [];
  for (const { id, data } of liveMembers(members)) {
    const normalised = normalizedEquipment(data);
    if (normalised.length === 0) {
      findings.push({ code: "missing_equipment", exercise_ids: [id], message: `${id} has no equipment`, fix: "review" });
    } else if (JSON.stringify(normalised) !== JSON.stringify(data.equipment)) {
      findings.push({
        code: "non_normalised_equipment",
        exercise_ids: [id],
        message: `equipment ${JSON.stringify(data.equipment)} is not normalised`,
        suggestion: normalised.join(", "),
        fix: "FAMILY_NORMALIZE",
      });
    }
  }
  if (isMultiEquipment(members)) {
    for (const [primary, sharing] of membersByPrimary(members)) {
      if (sharing.length < 2) continue;
      findings.push({
        code: "shared_primary_equipment",
        exercise_ids: sharing.map((member) => member.id),
        message: `${sharing.length} exercises of a multi-equipment family share the primary equipment "${primary}"`,
        suggestion: "merge them, or split the variant into a family of its own",
        fix: "review",
      });
    }
  }
  return findings;
}

function registryFindings(familySlug: string, members: readonly CatalogDoc[], registry: Readonly<DocData> | null): FamilyFinding[] {
  const live = liveMembers(members).length;
  if (!registry) {
    if (live === 0) return [];
    // A legacy slug ("bench-press") can hold no entry: the family needs a slug first.
    return canHoldRegistry(familySlug)
      ? [{ code: "registry_missing", exercise_ids: [], message: `family ${familySlug} has no registry entry`, fix: "FAMILY_NORMALIZE" }]
      : [
          {
            code: "registry_missing",
            exercise_ids: [],
            message: `family ${familySlug} has no registry entry, and none can be made under a slug the catalog's slug rule refuses`,
            suggestion: "rename the family's slug with FAMILY_RENAME_SLUG",
            fix: "review",
          },
        ];
  }
  if (registry.status === "merged" && live > 0) {
    return [
      {
        code: "merged_family_with_live_members",
        exercise_ids: liveMembers(members).map((member) => member.id),
        message: `family ${familySlug} is merged into ${String(registry.merged_into)} but has ${live} live exercise(s)`,
        fix: "review",
      },
    ];
  }
  const stale = changedPaths(asSets(registry), asSets(expectedRegistry(familySlug, members, registry)), ["updated_at"]);
  return stale.length > 0
    ? [{ code: "registry_stale", exercise_ids: [], message: `registry fields out of date: ${stale.join(", ")}`, fix: "FAMILY_NORMALIZE" }]
    : [];
}

/** The registry's equipment lists are sets: their order is no difference. */
function asSets(registry: Readonly<DocData>): DocData {
  const sorted = (value: unknown) => (Array.isArray(value) ? [...(value as unknown[])].sort() : value);
  return { ...registry, primary_equipment: sorted(registry.primary_equipment), allowed_equipment: sorted(registry.allowed_equipment) };
}
