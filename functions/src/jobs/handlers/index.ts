/**
 * The catalog job handlers that need no LLM, by job type. The LLM-driven ones (CATALOG_ENRICH_FIELD,
 * CATALOG_ENRICH_FIELD_SHARD, QUALITY_SCAN) live in src/jobs/handlers-llm and join the engine's
 * registry next to this one.
 */
import type { HandlerRegistry } from "../executor";
import { aliasInvariantScanHandler } from "./alias-invariant-scan";
import { aliasRepairHandler } from "./alias-repair";
import { duplicateDetectionScanHandler } from "./duplicate-detection-scan";
import { exerciseAddHandler } from "./exercise-add";
import { familyAuditHandler } from "./family-audit";
import { familyMergeHandler } from "./family-merge";
import { familyNormalizeHandler } from "./family-normalize";
import { familyRenameSlugHandler } from "./family-rename-slug";
import { familySplitHandler } from "./family-split";
import { maintenanceScanHandler } from "./maintenance-scan";
import { schemaCleanupHandler } from "./schema-cleanup";
import { targetedFixHandler } from "./targeted-fix";

export const catalogHandlers: HandlerRegistry = {
  MAINTENANCE_SCAN: maintenanceScanHandler,
  DUPLICATE_DETECTION_SCAN: duplicateDetectionScanHandler,
  ALIAS_INVARIANT_SCAN: aliasInvariantScanHandler,
  FAMILY_AUDIT: familyAuditHandler,
  FAMILY_NORMALIZE: familyNormalizeHandler,
  FAMILY_MERGE: familyMergeHandler,
  FAMILY_SPLIT: familySplitHandler,
  FAMILY_RENAME_SLUG: familyRenameSlugHandler,
  EXERCISE_ADD: exerciseAddHandler,
  TARGETED_FIX: targetedFixHandler,
  ALIAS_REPAIR: aliasRepairHandler,
  SCHEMA_CLEANUP: schemaCleanupHandler,
};
