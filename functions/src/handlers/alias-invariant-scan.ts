/**
 * ALIAS_INVARIANT_SCAN: pages through every alias (a live exercise's name slug shadowed, no target,
 * both targets, orphaned or merged target, its own target's slug, wrong flags) and every exercise (an
 * old slug without an alias), and asks for ALIAS_REPAIR jobs in batches. Read-only on the catalog and
 * lock-free; each page is judged with the facts of that page only (and, for a merged target or a
 * retired exercise's old slug, what its repair would follow). Each repair claims its aliases one by
 * one (`ALIAS_CLAIM_PREFIX`): a rerun leaves out an alias an open repair holds, or whose finding its
 * last repair answered (what a repair left, a person must decide), whatever else breaks or is fixed
 * around it.
 */
import { z } from "zod";
import { modeSchema } from "../jobs/model";
import { stoppedByCancel, succeededIn, thrownByCancel } from "../jobs/outcomes";
import { catalogHandler, type CatalogDeps } from "./support/catalog-handler";
import { exercisesWithNameSlugs, getAliases } from "../catalog/repository";
import { isLiveExercise } from "../catalog/family-registry";
import { CATALOG_COLLECTIONS } from "../catalog/collections";
import { AliasFacts, type FactRequest, decideEach, resolveWithFacts } from "../catalog/alias-facts";
import { type AliasProblem, aliasProblem, leftForRetiredTarget, resolveAliases } from "../catalog/alias-resolution";
import { readAliasFacts } from "../catalog/reads";
import { FollowUpJobs } from "./support/follow-ups";
import { FollowUpClaims } from "./support/follow-up-claims";
import {
  ALIAS_REPAIR_BATCH,
  type AliasFinding,
  aliasRepairAsk,
  aliasRepairGroup,
  aliasRepairJob,
  oldSlugsOf,
  oldSlugsWithoutAlias,
} from "./plans/alias-invariant-scan";
import { pageCollection } from "../util/paging";
import type { Query } from "firebase-admin/firestore";
import { ScanProgress } from "./support/scan-progress";
import { aliasSlugSchema } from "../catalog/inputs";
import { applyDisabled } from "../apply/run-plan";

/** Problems listed in the summary; the counts cover all of them. */
const MAX_LISTED_PROBLEMS = 100;

/** The prefix of the claim each alias a repair asks about gets (`support/follow-up-claims.ts`). */
const ALIAS_CLAIM_PREFIX = "ALIAS_REPAIR:alias:";

/** A problem as judged: whether ALIAS_REPAIR would find its target retired without a successor. */
interface JudgedProblem extends AliasFinding {
  retiredTarget: boolean;
}

class ProblemLog {
  readonly byKind: Partial<Record<AliasProblem, number>> = {};
  readonly listed: Array<{ alias_slug: string; problem: AliasProblem }> = [];
  /** Problem aliases whose document id is no alias slug (legacy data): ALIAS_REPAIR cannot name them, so they are only reported. */
  readonly unrepairable: string[] = [];
  /**
   * Problems whose target is retired without a live successor, which ALIAS_REPAIR cannot repair, so they
   * are only reported: an alias whose only fault is a field, or whose merged target's merges end there
   * (it leaves those to a person), and the old slug of a retired exercise (no alias may be written to a
   * retired exercise).
   */
  readonly retiredTargets: string[] = [];
  /** By group (`aliasRepairGroup`), the findings not yet asked about, in the order found. */
  private readonly batches = new Map<number, AliasFinding[]>();
  /** The repairs found holding aliases so far: each counted once, however many of its aliases are found. */
  private readonly holders = new Set<string>();

  constructor(
    private readonly followUps: FollowUpJobs,
    /** The aliases' claims; none in a dry run, which looks nothing up (as `FollowUpJobs`). */
    private readonly claims: FollowUpClaims | null,
  ) {}

  /** Records the problems of a page, and batches for repair those ALIAS_REPAIR can repair that no repair holds. */
  async add(problems: readonly JudgedProblem[]): Promise<void> {
    const repairable: AliasFinding[] = [];
    for (const { slug, problem, found, retiredTarget } of problems) {
      this.byKind[problem] = (this.byKind[problem] ?? 0) + 1;
      if (this.listed.length < MAX_LISTED_PROBLEMS) this.listed.push({ alias_slug: slug, problem });
      if (!aliasSlugSchema.safeParse(slug).success) this.unrepairable.push(slug);
      else if (retiredTarget) this.retiredTargets.push(slug);
      else repairable.push({ slug, problem, found });
    }
    for (const finding of await this.unheld(repairable)) await this.batch(finding);
  }

  /** The findings no repair holds: an open one, or one that answered the same finding (a claim read per finding). */
  private async unheld(findings: readonly AliasFinding[]): Promise<readonly AliasFinding[]> {
    if (!this.claims) return findings;
    const held = await this.claims.holders(findings.map(aliasRepairAsk));
    for (const { jobId, dedupKey, reason } of held.values()) {
      if (this.holders.has(jobId)) continue;
      this.holders.add(jobId);
      this.followUps.heldBy("ALIAS_REPAIR", dedupKey, jobId, reason);
    }
    return findings.filter(({ slug }) => !held.has(slug));
  }

  private async batch(finding: AliasFinding): Promise<void> {
    const group = aliasRepairGroup(finding.slug);
    const batch = this.batches.get(group) ?? [];
    this.batches.set(group, batch);
    batch.push(finding);
    if (batch.length < ALIAS_REPAIR_BATCH) return;
    this.batches.delete(group);
    await this.request(batch);
  }

  /** Asks for the repair of `batch`, and claims its aliases for the job that answers them. */
  private async request(batch: readonly AliasFinding[]): Promise<void> {
    const followUp = aliasRepairJob(batch);
    const result = await this.followUps.requestJob(followUp);
    await this.claims?.claimFor(followUp, result, batch.map(aliasRepairAsk));
  }

  async flush(): Promise<void> {
    for (const group of [...this.batches.keys()].sort((a, b) => a - b)) await this.request(this.batches.get(group)!);
    this.batches.clear();
  }
}

/** The documents gone through so far, each page counted once judged (and its repairs asked for). */
interface Scanned {
  aliases: number;
  exercises: number;
}

/** What the scan's two walks share: where they read, what they record, and the run's signal. */
interface ScanWalk {
  deps: CatalogDeps;
  problems: ProblemLog;
  progress: ScanProgress;
  scanned: Scanned;
  signal: AbortSignal;
}

/** The payload of a ALIAS_INVARIANT_SCAN job. */
const aliasInvariantScanPayload = z.strictObject({ mode: modeSchema });

export const aliasInvariantScanHandler = catalogHandler({
  type: "ALIAS_INVARIANT_SCAN",
  lane: "maintenance",
  payload: aliasInvariantScanPayload,
  async run({ job, deps, ctx, engine }) {
    // Its repairs would run in apply mode and each end APPLY_DISABLED: one refusal says it once.
    if (job.payload.mode === "apply" && !deps.config.applyEnabled) return applyDisabled();
    const followUps = new FollowUpJobs(engine, job.payload.mode);
    const claims =
      job.payload.mode === "apply" ? new FollowUpClaims(deps.db, deps.now, deps.config.retainJobsMs, ALIAS_CLAIM_PREFIX) : null;
    const problems = new ProblemLog(followUps, claims);
    const progress = new ScanProgress(engine, async () => {
      const [aliases, exercises] = await Promise.all([aliasesRead(deps).count().get(), exercisesRead(deps).count().get()]);
      return aliases.data().count + exercises.data().count;
    });
    const scanned: Scanned = { aliases: 0, exercises: 0 };
    const summary = () => ({
      aliases_scanned: scanned.aliases,
      exercises_scanned: scanned.exercises,
      problems: Object.values(problems.byKind).reduce((sum, count) => sum + count, 0),
      problems_by_kind: problems.byKind,
      problems_listed: problems.listed,
      ...(problems.unrepairable.length > 0 ? { unrepairable_slugs: problems.unrepairable.slice(0, MAX_LISTED_PROBLEMS) } : {}),
      ...(problems.retiredTargets.length > 0 ? { retired_target_slugs: problems.retiredTargets.slice(0, MAX_LISTED_PROBLEMS) } : {}),
      ...followUps.summary(),
    });
    try {
      const walk: ScanWalk = { deps, problems, progress, scanned, signal: ctx.signal };
      await scanAliases(walk);
      await scanOldSlugs(walk);
    } catch (err) {
      // Stopped at a safe point (before a page, or a read of its facts): it ends with the repairs it asked for so far;
      // the problems still waiting in a batch are counted, and asked about by the next run.
      if (thrownByCancel(err, ctx.signal)) return stoppedByCancel(job.payload.mode, summary());
      throw err;
    }
    await problems.flush();
    await progress.finish();
    return succeededIn(job.payload.mode, summary());
  },
});

/** Every alias, as the scan reads them. */
function aliasesRead(deps: CatalogDeps): Query {
  return deps.db.collection(CATALOG_COLLECTIONS.aliases);
}

/** Every exercise's name slug and status, as the scan reads them. */
function exercisesRead(deps: CatalogDeps): Query {
  return deps.db.collection(CATALOG_COLLECTIONS.exercises).select("name_slug", "status");
}

async function scanAliases({ deps, problems, progress, scanned, signal }: ScanWalk): Promise<void> {
  for await (const page of pageCollection(aliasesRead(deps))) {
    signal.throwIfAborted();
    const facts = new AliasFacts();
    page.forEach((doc) => facts.aliases.set(doc.id, doc.data()));
    // Whether a live exercise has the slug as its name, for every alias of the page: an `in` query per 30.
    const slugs = page.map((doc) => doc.id);
    facts.recordNameHolders(slugs, await exercisesWithNameSlugs(deps.db, slugs));
    const read = (request: FactRequest) => readAliasFacts(deps.db, facts, request, signal);
    const found = await resolveWithFacts(
      () =>
        decideEach(page, (doc) => {
          const problem = aliasProblem(doc.id, doc.data(), facts);
          return problem ? { slug: doc.id, problem, found: doc.data() } : null;
        }),
      read,
    );
    // Merges too long to follow here are asked about: the repair reports them (CHAIN_TOO_LONG).
    const judged = await resolveWithFacts(
      (finalRound) =>
        decideEach(
          found,
          (finding) => ({ ...finding, retiredTarget: leftForRetiredTarget(finding.slug, finding.problem, facts) }),
          finalRound ? (finding) => ({ ...finding, retiredTarget: false }) : undefined,
        ),
      read,
    );
    await problems.add(judged);
    scanned.aliases += page.length;
    await progress.add(page.length);
  }
}

async function scanOldSlugs({ deps, problems, progress, scanned, signal }: ScanWalk): Promise<void> {
  // Old slugs counted missing so far: two exercises created with one slug (in two families) make one problem.
  const counted = new Set<string>();
  // Old slugs of retired exercises, decided together once every page is read (their facts read once).
  const ofRetired = new Map<string, string | undefined>();
  for await (const page of pageCollection(exercisesRead(deps))) {
    signal.throwIfAborted();
    const exercises = new Map(page.map((doc) => [doc.id, doc.data()]));
    const oldSlugs = oldSlugsOf([...exercises].map(([id, data]) => ({ id, data })));
    const aliases = await getAliases(deps.db, oldSlugs.keys());
    const withoutAlias = oldSlugsWithoutAlias(oldSlugs, aliases);
    // An old slug another live exercise now has as its own name is that exercise's: no alias may shadow it.
    const named = withoutAlias.length > 0 ? await exercisesWithNameSlugs(deps.db, withoutAlias) : [];
    const taken = new Set(named.filter(({ data }) => isLiveExercise(data)).map(({ data }) => data.name_slug));
    const missing = withoutAlias.filter((slug) => !taken.has(slug) && !counted.has(slug));
    const ofLive: JudgedProblem[] = [];
    for (const slug of missing) {
      counted.add(slug);
      // A retired exercise's old slug can only be restored to a live successor (one it was merged into).
      if (isLiveExercise(exercises.get(oldSlugs.get(slug) ?? "") ?? {})) ofLive.push(missingAlias(slug, oldSlugs.get(slug), false));
      else ofRetired.set(slug, oldSlugs.get(slug));
    }
    await problems.add(ofLive);
    scanned.exercises += page.length;
    await progress.add(page.length);
  }
  const unrestorable = ofRetired.size > 0 ? await unrestorableOldSlugs(deps, [...ofRetired.keys()], signal) : new Set<string>();
  await problems.add([...ofRetired].map(([slug, exerciseId]) => missingAlias(slug, exerciseId, unrestorable.has(slug))));
}

/** An old slug of `exerciseId` without an alias. */
function missingAlias(slug: string, exerciseId: string | undefined, retiredTarget: boolean): JudgedProblem {
  return { slug, problem: "missing_alias", found: { exercise_id: exerciseId }, retiredTarget };
}

/**
 * Of old slugs without an alias, those ALIAS_REPAIR would find no live exercise to restore to (it
 * would fail ALIAS_NOT_FOUND, answering nothing, so every scan would ask again): decided as the
 * repair decides them.
 */
async function unrestorableOldSlugs(deps: CatalogDeps, slugs: readonly string[], signal: AbortSignal): Promise<Set<string>> {
  const facts = new AliasFacts();
  // Just read: none of them has an alias.
  for (const slug of slugs) facts.aliases.set(slug, null);
  const repairs = await resolveWithFacts(
    (finalRound) => resolveAliases(slugs, facts, finalRound),
    (request) => readAliasFacts(deps.db, facts, request, signal),
  );
  return new Set(repairs.filter((repair) => repair.action === "not_found").map((repair) => repair.alias_slug));
}
