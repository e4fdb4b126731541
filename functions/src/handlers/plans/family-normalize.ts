/**
 * FAMILY_NORMALIZE's plan, from an audited family: normalised equipment, canonical "Base (Equipment)"
 * names (each old slug kept as an alias), and a registry entry recomputed afterwards. Only findings
 * normalisation can fix become operations; the rest are returned as unresolved for review. Registry
 * only, it fixes only the registry's findings: the other fixes are left for a full normalisation.
 */
import type { OperationInput } from "../../apply/plan";
import type { AuditedFamily } from "../../catalog/audited-family";
import { refreshRegistry } from "../support/change-plan";
import { type FamilyFinding, targetNames } from "../../catalog/family-findings";
import { liveMembers, nameOf } from "../../catalog/family-naming";
import { normalizedEquipment } from "../../catalog/family-registry";
import { renameAliasOps } from "./rename-aliases";

export interface FamilyNormalization {
  operations: OperationInput[];
  renamed: number;
  equipment_normalised: number;
  /** What normalisation cannot fix (shared primary equipment, name clashes, …). */
  unresolved: FamilyFinding[];
}

/** The findings a recomputed registry fixes. */
const REGISTRY_FINDINGS: readonly FamilyFinding["code"][] = ["registry_missing", "registry_stale"];

export function planFamilyNormalize(family: AuditedFamily, { registryOnly = false } = {}): FamilyNormalization {
  const fixes = family.findings.filter(
    (finding) => finding.fix === "FAMILY_NORMALIZE" && (!registryOnly || REGISTRY_FINDINGS.includes(finding.code)),
  );
  const fixed = (code: FamilyFinding["code"]) =>
    new Set(fixes.filter((finding) => finding.code === code).flatMap((finding) => finding.exercise_ids));
  const equipmentFixes = fixed("non_normalised_equipment");
  const renameFixes = new Set([...fixed("non_canonical_name"), ...fixed("name_slug_mismatch")]);
  const names = targetNames(family.members);
  const operations: OperationInput[] = [];

  for (const { id, data } of family.members) {
    if (!equipmentFixes.has(id)) continue;
    const equipment = normalizedEquipment(data);
    operations.push({
      op: "patch_fields",
      exercise_id: id,
      set: { equipment },
      before: { equipment: data.equipment },
      rationale: `normalise equipment to ${equipment.join(", ")}`,
    });
  }
  for (const { id, data } of family.members) {
    const oldName = nameOf(data);
    const newName = names.get(id);
    if (!renameFixes.has(id) || oldName === null || !newName) continue;
    const rationale = newName === oldName ? `re-derive name_slug from "${newName}"` : `canonical name in family ${family.slug}`;
    operations.push(
      { op: "rename_exercise", exercise_id: id, old_name: oldName, new_name: newName, rationale },
      ...renameAliasOps(id, data, newName, family.owners),
    );
  }
  if (operations.length > 0 || fixes.some((finding) => REGISTRY_FINDINGS.includes(finding.code))) {
    operations.push(
      ...refreshRegistry(
        family.slug,
        family.registry,
        liveMembers(family.members).length > 0,
        `recompute the registry of ${family.slug} from its exercises`,
      ),
    );
  }
  return {
    operations,
    renamed: renameFixes.size,
    equipment_normalised: equipmentFixes.size,
    unresolved: family.findings.filter((finding) => finding.fix === "review"),
  };
}
