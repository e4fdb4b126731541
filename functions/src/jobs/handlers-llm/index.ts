/** The LLM curation handlers: enrichment (parent and shards) and the quality scan. */
import type { HandlerRegistry } from "../executor";
import { enrichParentHandler } from "./enrich-parent";
import { enrichShardHandler } from "./enrich-shard";
import { qualityScanHandler } from "./quality-scan";

export const llmHandlers: HandlerRegistry = {
  CATALOG_ENRICH_FIELD: enrichParentHandler,
  CATALOG_ENRICH_FIELD_SHARD: enrichShardHandler,
  QUALITY_SCAN: qualityScanHandler,
};
