/** Every handler the engine has, by job type: one file per type in this folder. */
import type { HandlerRegistry } from "../jobs/executor";
import { aliasInvariantScanHandler } from "./alias-invariant-scan";
import { aliasRepairHandler } from "./alias-repair";
import { enrichParentHandler } from "./catalog-enrich-field";
import { enrichShardHandler } from "./catalog-enrich-field-shard";
import { duplicateDetectionScanHandler } from "./duplicate-detection-scan";
import { exerciseAddHandler } from "./exercise-add";
import { familyAuditHandler } from "./family-audit";
import { familyMergeHandler } from "./family-merge";
import { familyNormalizeHandler } from "./family-normalize";
import { familyRenameSlugHandler } from "./family-rename-slug";
import { familySplitHandler } from "./family-split";
import { maintenanceScanHandler } from "./maintenance-scan";
import { qualityScanHandler } from "./quality-scan";
import { schemaCleanupHandler } from "./schema-cleanup";
import { targetedFixHandler } from "./targeted-fix";

export const allHandlers: HandlerRegistry = {
  MAINTENANCE_SCAN: maintenanceScanHandler,
  DUPLICATE_DETECTION_SCAN: duplicateDetectionScanHandler,
  ALIAS_INVARIANT_SCAN: aliasInvariantScanHandler,
  QUALITY_SCAN: qualityScanHandler,
  FAMILY_AUDIT: familyAuditHandler,
  FAMILY_NORMALIZE: familyNormalizeHandler,
  FAMILY_MERGE: familyMergeHandler,
  FAMILY_SPLIT: familySplitHandler,
  FAMILY_RENAME_SLUG: familyRenameSlugHandler,
  EXERCISE_ADD: exerciseAddHandler,
  TARGETED_FIX: targetedFixHandler,
  ALIAS_REPAIR: aliasRepairHandler,
  CATALOG_ENRICH_FIELD: enrichParentHandler,
  CATALOG_ENRICH_FIELD_SHARD: enrichShardHandler,
  SCHEMA_CLEANUP: schemaCleanupHandler,
};
