/** Every job type the engine runs: one file per type in this folder, one line here. */
import { JobRegistry } from "../jobs/registry";
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
import type { CatalogDeps } from "./support/catalog-handler";
import { familiesNamedBy } from "../catalog/payload-families";

export const registry = new JobRegistry<CatalogDeps>(
  [
    maintenanceScanHandler,
    duplicateDetectionScanHandler,
    aliasInvariantScanHandler,
    qualityScanHandler,
    familyAuditHandler,
    familyNormalizeHandler,
    familyMergeHandler,
    familySplitHandler,
    familyRenameSlugHandler,
    exerciseAddHandler,
    targetedFixHandler,
    aliasRepairHandler,
    enrichParentHandler,
    enrichShardHandler,
    schemaCleanupHandler,
  ],
  // Run history is filtered by family (the console, the CLI's `history --family`).
  { subjectsOf: familiesNamedBy },
);
