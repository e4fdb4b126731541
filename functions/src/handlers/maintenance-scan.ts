/**
 * MAINTENANCE_SCAN: audits every family, one at a time, and asks for FAMILY_NORMALIZE / FAMILY_AUDIT
 * jobs where findings call for them. Read-only on the catalog and lock-free. `family_limit` bounds
 * how many families with problems one run acts on; when it stops there, the summary says so and
 * names the next family (the next run finds the same problems again unless they were fixed).
 */
import { z } from "zod";
import { modeSchema } from "../jobs/model";
import { succeededIn } from "../jobs/outcomes";
import { catalogHandler } from "./support/catalog-handler";
import { audit } from "../catalog/audited-family";
import { familySlugs, readFamily } from "../catalog/reads";
import { FollowUpJobs } from "./support/follow-ups";
import { maintenanceFollowUps } from "./plans/maintenance-scan";

/** The payload of a MAINTENANCE_SCAN job. */
const maintenanceScanPayload = z.strictObject({ mode: modeSchema, family_limit: z.number().int().positive().optional() });

export const maintenanceScanHandler = catalogHandler({
  type: "MAINTENANCE_SCAN",
  lane: "maintenance",
  payload: maintenanceScanPayload,
  async run({ job, deps, ctx, engine }) {
    const limit = job.payload.family_limit;
    const followUps = new FollowUpJobs(engine, job.payload.mode);
    const findingsByCode: Record<string, number> = {};
    let familiesScanned = 0;
    let familiesWithProblems = 0;
    let nextFamily: string | null = null;
    for await (const slug of familySlugs(deps.db, ctx.signal)) {
      if (limit !== undefined && familiesWithProblems >= limit) {
        nextFamily = slug;
        break;
      }
      const family = await audit(deps.db, await readFamily(deps.db, slug));
      familiesScanned++;
      const requests = maintenanceFollowUps(slug, family.findings);
      if (requests.length === 0) continue;
      familiesWithProblems++;
      for (const finding of family.findings) findingsByCode[finding.code] = (findingsByCode[finding.code] ?? 0) + 1;
      for (const request of requests) await followUps.request(request);
    }
    return succeededIn(job.payload.mode, {
      families_scanned: familiesScanned,
      families_with_problems: familiesWithProblems,
      findings: Object.values(findingsByCode).reduce((sum, count) => sum + count, 0),
      findings_by_code: findingsByCode,
      ...(limit !== undefined ? { family_limit: limit, stopped_at_family_limit: nextFamily !== null, next_family: nextFamily } : {}),
      ...followUps.summary(),
    });
  },
});
