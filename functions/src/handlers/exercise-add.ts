/**
 * EXERCISE_ADD: creates a new exercise from an intent (see plans/exercise-add), and once it exists
 * in apply mode queues its enrichment (dedup-keyed per exercise), which claims the exercise as the
 * quality scan's enrichments claim theirs, so a scan asks for no second one while it is open. A dry
 * run queues nothing: it lists the enrichment apply would ask for, as the scans' dry runs list their
 * follow-ups. Whether an LLM could run the enrichment is read while planning, before anything is
 * written, so an LLM param that does not parse fails the job CONFIG_INVALID with the catalog unchanged.
 */
import type { Firestore } from "firebase-admin/firestore";
import { familyLockKey } from "../catalog/family-locks";
import { z } from "zod";
import { modeSchema } from "../jobs/model";
import { nonEmptyTextSchema } from "../catalog/inputs";
import { toNameSlug } from "../catalog/taxonomy";
import type { HandlerOutcome, JobScope } from "../jobs/handler";
import { isSuccessStatus } from "../jobs/lifecycle";
import type { BasePayload } from "../jobs/model";
import { planHandler } from "./support/plan-handler";
import { type LoadedFamily, type SlugHolders, loadRenameOwners, readAliasFacts, readFamily } from "../catalog/reads";
import { AliasFacts, decideEach, resolveWithFacts } from "../catalog/alias-facts";
import { liveExerciseOf } from "../catalog/alias-resolution";
import { changePlan } from "./support/change-plan";
import {
  type ExerciseIntent,
  type SpellingHolders,
  draftExercise,
  otherSpellings,
  placeExercise,
  planExerciseAdd,
} from "./plans/exercise-add";
import { exercisesCreatedByJob } from "../apply/journal";
import { type DocData, isNonEmptyString } from "../util/object-paths";
import { assertNotMergedAway, assertSlugNotAnAlias } from "./support/failures";
import { type FollowUp, FollowUpJobs } from "./support/follow-ups";
import { type ExerciseClaims, enrichmentClaims } from "./support/exercise-claims";

/** The summary field naming why no enrichment is asked for (no LLM configured): its code. */
const ENRICHMENT_NOT_REQUESTED = "enrichment_not_requested";

/** An equipment or muscle name of the intent. */
const intentNameSchema = nonEmptyTextSchema.max(100);

/** The payload of a EXERCISE_ADD job (firestore.rules holds a user's to these sizes: userSizedIntent). */
const exerciseAddPayload = z.strictObject({
  mode: modeSchema,
  intent: z.strictObject({
    base_name: nonEmptyTextSchema.max(200),
    equipment: z.array(intentNameSchema).min(1).max(10),
    category: z.string().min(1).optional(),
    muscles: z
      .strictObject({ primary: z.array(intentNameSchema).min(1).max(3), secondary: z.array(intentNameSchema).max(5).optional() })
      .optional(),
    description: z.string().optional(),
  }),
}) satisfies z.ZodType<BasePayload & { intent: ExerciseIntent }>;

export const exerciseAddHandler = planHandler({
  type: "EXERCISE_ADD",
  lane: "priority",
  payload: exerciseAddPayload,
  // A dry run writes nothing, so it holds no lock (as FAMILY_AUDIT): a user's previews, which any signed-in
  // user may ask for, never hold up a curator's change to the family nor wait behind one.
  lockKeys: ({ payload }) => (payload.mode === "dry_run" ? [] : [familyLockKey(draftExercise(payload.intent).family_slug)]),
  async plan(input) {
    const { db } = input.deps;
    // Read before anything is written, as the other LLM jobs read it; kept with the plan (its summary), so a
    // resumed run, which plans nothing, follows what this one decided.
    const enrichmentBlocked = input.deps.llmNotConfigured();
    const draft = draftExercise(input.job.payload.intent);
    const [family, createdBefore] = await Promise.all([readFamily(db, draft.family_slug), exercisesCreatedByJob(db, input.job.id)]);
    // Its base name decides the family: one merged away takes it under a base name of its successor.
    assertNotMergedAway(family, (successor) => `add the exercise to ${successor} instead, under a base name of that family`);
    // Placed as if an earlier attempt had not created it yet, so a retry plans what is left.
    const placed = placeExercise(draft, { ...family, members: family.members.filter(({ id }) => !createdBefore.includes(id)) });
    // The new exercise counts as a member whose name changes from nothing, so its slug's holders are
    // read; the family slug's alias, as a new family may not take an alias's slug; and, in the same
    // reads, the holders of its other spellings.
    const members = [...family.members, { id: placed.exercise_id, data: {} }];
    const spellings = otherSpellings(placed);
    const owners = await loadRenameOwners(db, members, placed.join.finalNames, [draft.family_slug], spellings);
    if (family.members.length === 0 && family.registry === null)
      assertSlugNotAnAlias(draft.family_slug, owners.aliases.get(draft.family_slug));
    const spellingHolders = await readSpellingHolders(db, toNameSlug(placed.name), spellings, owners, family);
    const addition = planExerciseAdd(placed, owners, spellingHolders, createdBefore.includes(placed.exercise_id));
    const plan = changePlan(input.job, `add exercise "${placed.name}"`, addition.operations);
    return {
      plan,
      summary: {
        exercise_id: addition.exercise_id,
        name: placed.name,
        family_slug: draft.family_slug,
        renamed: addition.renamed,
        ...(enrichmentBlocked ? { [ENRICHMENT_NOT_REQUESTED]: enrichmentBlocked.code } : {}),
      },
    };
  },
  afterRun(input, outcome) {
    // Added, or would have been (a dry run): its enrichment follows.
    if (outcome.kind !== "completed" || !isSuccessStatus(outcome.status)) return outcome;
    // As the quality scan does: no enrichment that could only fail; the next scan of the exercise asks for it.
    if (outcome.summary[ENRICHMENT_NOT_REQUESTED] !== undefined) return outcome;
    return outcome.status === "succeeded"
      ? queueEnrichment(input.engine, enrichmentClaims(input.deps), outcome)
      : previewEnrichment(input.engine, outcome);
  },
});

/**
 * What the catalog holds at the new exercise's `slug` and its other `spellings`: the exercises named
 * with them and the aliases there, as `owners` read them, and the exercises those aliases and the
 * names of `spellings` lead to, through any merges (reading only what neither `owners` nor the family
 * holds already).
 */
async function readSpellingHolders(
  db: Firestore,
  slug: string,
  spellings: readonly string[],
  owners: SlugHolders,
  family: LoadedFamily,
): Promise<SpellingHolders> {
  const facts = new AliasFacts();
  for (const [id, data] of [...family.members.map(({ id, data }): [string, DocData] => [id, data]), ...owners.documents])
    facts.exercises.set(id, data);
  const aliasTargets = [slug, ...spellings].flatMap((spelling) => {
    const target = owners.aliases.get(spelling)?.exercise_id;
    return isNonEmptyString(target) ? [target] : [];
  });
  const named = [...owners.documents].filter(([, data]) => spellings.includes(String(data.name_slug))).map(([id]) => id);
  const targets = [...aliasTargets, ...named];
  // Each target's merges are followed as the plan follows them, reading each exercise on the way once.
  await resolveWithFacts(
    () => decideEach(targets, (target) => liveExerciseOf(target, (id) => facts.exercise(id))),
    (request) => readAliasFacts(db, facts, request),
  );
  const exercises = new Map([...facts.exercises].filter((entry): entry is [string, DocData] => entry[1] !== null));
  return { aliases: owners.aliases, exercises };
}

type Completed = HandlerOutcome & { kind: "completed" };

/** The new exercise's id, from the summary (the frozen plan's, on a resumed run). */
const addedExerciseId = (outcome: Completed): string => String(outcome.summary.exercise_id);

/** The new exercise's enrichment. */
function enrichmentOf(outcome: Completed): FollowUp {
  const exerciseId = addedExerciseId(outcome);
  return {
    type: "CATALOG_ENRICH_FIELD",
    payload: { mode: "apply", enrichment_spec: { spec_id: "exercise_add", spec_version: 1 }, exercise_doc_ids: [exerciseId] },
    dedup_key: `ENRICH:exercise_add:${exerciseId}`,
    // A retry after the enrichment ran (the job died before its end was written) asks for it again.
    onceKey: "enrichment",
  };
}

/** Queues the enrichment, which holds the exercise (`claims`) so a quality scan leaves it out while it is open. */
async function queueEnrichment(engine: Pick<JobScope, "createJob">, claims: ExerciseClaims, outcome: Completed): Promise<HandlerOutcome> {
  const enrichment = await engine.createJob(enrichmentOf(outcome));
  await claims.hold(enrichment.jobId, [addedExerciseId(outcome)]);
  return { ...outcome, summary: { ...outcome.summary, enrichment_job_id: enrichment.jobId, enrichment_job_created: enrichment.created } };
}

/** A dry run's summary lists the enrichment apply would ask for (`jobs_would_create`), as a scan's dry run lists its follow-ups. */
async function previewEnrichment(engine: Pick<JobScope, "createJob" | "requestIssues">, outcome: Completed): Promise<HandlerOutcome> {
  const followUps = new FollowUpJobs(engine, "dry_run");
  await followUps.request(enrichmentOf(outcome));
  return { ...outcome, summary: { ...outcome.summary, ...followUps.summary() } };
}
