/** A family read together with its findings and the owners of the slugs its canonical names would take. */
import type { Firestore } from "firebase-admin/firestore";
import { type LoadedFamily, loadRenameOwners } from "./reads";
import { type FamilyFinding, auditFamily, targetNames } from "./family-findings";
import type { SlugOwners } from "./rename-conflicts";

export interface AuditedFamily extends LoadedFamily {
  findings: FamilyFinding[];
  /** Holders of the slugs the family's canonical names take, and of the aliases renaming them touches. */
  owners: SlugOwners;
}

export async function audit(db: Firestore, family: LoadedFamily): Promise<AuditedFamily> {
  const owners = await loadRenameOwners(db, family.members, targetNames(family.members));
  return { ...family, findings: auditFamily(family.slug, family.members, family.registry, owners), owners };
}
