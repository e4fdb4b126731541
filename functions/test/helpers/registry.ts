/** Job registries for tests and the benchmark: the catalog's job types with handlers of the test's own. */
import { registry } from "../../src/handlers";
import type { CatalogDeps, CatalogHandler } from "../../src/handlers/support/catalog-handler";
import { JobRegistry } from "../../src/jobs/registry";

/** A registry of the catalog's job types given, each with its handler's parts replaced by `overrides`. */
export function registryWith(overrides: Record<string, Partial<CatalogHandler>>): JobRegistry<CatalogDeps> {
  return new JobRegistry(Object.entries(overrides).map(([type, parts]) => ({ ...registry.handlerFor(type), ...parts })));
}
