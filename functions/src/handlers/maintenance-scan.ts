/**
 * MAINTENANCE_SCAN: audits every family, one at a time, and asks for FAMILY_NORMALIZE / FAMILY_AUDIT
 * jobs where findings call for them. Read-only on the catalog and lock-free. A run goes on from where
 * the previous one in its mode stopped (`FamilyCursor`), round the catalog back to it. It stops at its
 * run's deadline, or once `family_limit` families got new jobs, ending with what it did: the summary
 * says it is not `complete` and names the next family, where the next run goes on. A family whose
 * findings were already answered (see `maintenanceFollowUps`) or whose follow-ups are still open does
 * not count towards the limit. A family too large to read whole (over 2,000 exercises) is named in
 * `families_too_large` and passed over.
 */
import { z } from "zod";
import { modeSchema } from "../jobs/model";
import { cancelRequested, stoppedByCancel, succeededIn } from "../jobs/outcomes";
import { catalogHandler } from "./support/catalog-handler";
import { audit } from "../catalog/audited-family";
import { countFamilyMembers } from "../catalog/reads";
import { ScanProgress } from "./support/scan-progress";
import { FollowUpJobs, type FollowUpOutcome } from "./support/follow-ups";
import { FamilyCursor, runDeadlinePassed } from "./support/family-walk";
import { maintenanceFollowUps } from "./plans/maintenance-scan";
import { applyDisabled } from "../apply/run-plan";

/** What counts a family towards `family_limit`: a follow-up this run made, or would make in a dry run. */
const ASKED: readonly FollowUpOutcome[] = ["created", "would_create"];

/** The payload of a MAINTENANCE_SCAN job. */
const maintenanceScanPayload = z.strictObject({ mode: modeSchema, family_limit: z.number().int().positive().optional() });

export const maintenanceScanHandler = catalogHandler({
  type: "MAINTENANCE_SCAN",
  lane: "maintenance",
  payload: maintenanceScanPayload,
  async run({ job, deps, ctx, engine }) {
    // Its follow-ups would run in apply mode and each end APPLY_DISABLED: one refusal says it once.
    if (job.payload.mode === "apply" && !deps.config.applyEnabled) return applyDisabled();
    const limit = job.payload.family_limit;
    const followUps = new FollowUpJobs(engine, job.payload.mode);
    const cursor = await FamilyCursor.read(deps.db, job.type, job.payload.mode);
    const findingsByCode: Record<string, number> = {};
    let familiesScanned = 0;
    let familiesWithProblems = 0;
    let familiesAsked = 0;
    let lastFamily = cursor.after;
    let stoppedBy: "family_limit" | "cancel" | "run_deadline" | null = null;
    let nextFamily: string | null = null;
    const familiesTooLarge: string[] = [];
    const summary = () => ({
      families_scanned: familiesScanned,
      families_with_problems: familiesWithProblems,
      families_asked: familiesAsked,
      families_too_large: familiesTooLarge,
      findings: Object.values(findingsByCode).reduce((sum, count) => sum + count, 0),
      findings_by_code: findingsByCode,
      started_after_family: cursor.after,
      complete: stoppedBy === null,
      next_family: nextFamily,
      stopped_at_run_deadline: stoppedBy === "run_deadline",
      ...(limit !== undefined ? { family_limit: limit, stopped_at_family_limit: stoppedBy === "family_limit" } : {}),
      ...followUps.summary(),
    });
    // Checked between families, not by the walk (which would throw), so a cancel ends the scan with the follow-ups it
    // asked for so far; before a family, not after one: a cancel that comes during the last family finds nothing left
    // to stop. Its deadline only once it went through a family: a run that starts late still moves the cursor on.
    const stopBeforeNext = () => {
      if (limit !== undefined && familiesAsked >= limit) return "family_limit";
      if (cancelRequested(ctx.signal)) return "cancel";
      if (runDeadlinePassed(ctx) && familiesScanned + familiesTooLarge.length > 0) return "run_deadline";
      return null;
    };
    // Where the next run in its mode goes on from (bookkeeping, not catalog data: in a dry run too).
    const saveCursor = () => cursor.save(engine, stoppedBy === null ? null : lastFamily, { jobId: job.id, at: deps.now() });
    const progress = new ScanProgress(engine, () => countFamilyMembers(deps.db));
    for await (const { slug, read } of cursor.families(deps.db)) {
      stoppedBy = stopBeforeNext();
      if (stoppedBy !== null) {
        nextFamily = slug;
        break;
      }
      // Stopped for another reason (a lost lease, its process stopping): it ends here.
      if (!runDeadlinePassed(ctx)) ctx.signal.throwIfAborted();
      lastFamily = slug;
      // Too large to read whole: named for a person, not the end of this run and of every daily run after it.
      if (read === null) {
        familiesTooLarge.push(slug);
        continue;
      }
      const family = await audit(deps.db, read);
      familiesScanned++;
      await progress.add(family.members.length);
      const requests = maintenanceFollowUps(slug, family.findings, family);
      if (requests.length === 0) continue;
      familiesWithProblems++;
      for (const finding of family.findings) findingsByCode[finding.code] = (findingsByCode[finding.code] ?? 0) + 1;
      let asked = false;
      for (const request of requests) asked = ASKED.includes(await followUps.request(request)) || asked;
      if (asked) familiesAsked++;
    }
    await saveCursor();
    if (stoppedBy === "cancel") return stoppedByCancel(job.payload.mode, summary());
    // At its limit it went through all it had to; at its deadline, part of it.
    await progress.finish({ stoppedAtLimit: stoppedBy === "family_limit" });
    return succeededIn(job.payload.mode, summary());
  },
});
