/** TARGETED_FIX: rename / patch / archive / mark_merged for the named exercises (see plans/targeted-fix). */
import { familyLockKey } from "../catalog/family-locks";
import { locksOutdated } from "./support/family-lock-check";
import { z } from "zod";
import { modeSchema } from "../jobs/model";
import { catalogReferenceSchema, docIdsSchema, nonEmptyTextSchema } from "../catalog/inputs";
import type { BasePayload } from "../jobs/model";
import { planHandler } from "./support/plan-handler";
import { aliasesPointingAtExercises, exercisesMergedInto, getExercises } from "../catalog/repository";
import { loadRenameOwners, readFamily } from "../catalog/reads";
import { changePlan, repointedExerciseFamilies } from "./support/change-plan";
import { type TargetedFixPayload, canonicalPatch, fixReadIds, patchNaming, planTargetedFix } from "./plans/targeted-fix";
import { NO_SLUG_OWNERS } from "../catalog/rename-conflicts";
import { type DocData } from "../util/object-paths";

/** The patch's paths that would retire an exercise, each with the fix_type that does it whole. */
function retiringPatches(patch: Readonly<Record<string, unknown>>): Array<[string, "archive" | "mark_merged"]> {
  const found: Array<[string, "archive" | "mark_merged"]> = [];
  // As the plan writes it: "Deprecated" is deprecated.
  const { status } = canonicalPatch(patch).patch;
  if (status === "deprecated") found.push(["status", "archive"]);
  if (status === "merged") found.push(["status", "mark_merged"]);
  if ("merged_into" in patch) found.push(["merged_into", "mark_merged"]);
  if ("deprecated_at" in patch) found.push(["deprecated_at", "archive"]);
  return found;
}

/** Why the names a fix leaves failing the quality scanner's name check are worth a curator's look. */
const SCANNER_NAME_WARNING =
  'the quality scan fails these names at its name check (it asks every name for its "(Equipment)" suffix) and will keep ' +
  "flagging them; FAMILY_NORMALIZE leaves a name its family's naming rule allows: a TARGETED_FIX rename to the name the problem asks for clears it";

/** The payload of a TARGETED_FIX job. */
const targetedFixPayload = z
  .strictObject({
    mode: modeSchema,
    exercise_doc_ids: docIdsSchema,
    fix_type: z.enum(["rename", "patch", "archive", "mark_merged"]),
    fix_data: z
      .union([
        z.strictObject({ new_name: nonEmptyTextSchema.max(200) }),
        z.strictObject({ merged_into: catalogReferenceSchema }),
        z.strictObject({ patch: z.record(z.string(), z.unknown()) }),
      ])
      .optional(),
    reason: z.string().max(2000).optional(),
  })
  .superRefine((p, ctx) => {
    const needs: Record<typeof p.fix_type, string | null> = {
      rename: "new_name",
      patch: "patch",
      mark_merged: "merged_into",
      archive: null,
    };
    const key = needs[p.fix_type];
    if (key && !(p.fix_data && key in p.fix_data)) {
      ctx.addIssue({ code: "custom", path: ["fix_data"], message: `fix_type ${p.fix_type} needs fix_data.${key}` });
    }
    // Archive takes nothing: a merged_into given to it would be dropped unread (mark_merged is the fix that takes one).
    if (!key && p.fix_data) {
      ctx.addIssue({ code: "custom", path: ["fix_data"], message: `fix_type ${p.fix_type} takes no fix_data` });
    }
    if (p.fix_type === "rename" && p.exercise_doc_ids.length !== 1) {
      ctx.addIssue({ code: "custom", path: ["exercise_doc_ids"], message: "a rename names exactly one exercise" });
    }
    // Retiring takes more than the fields: archive dates it, mark_merged moves the aliases to the successor.
    const patch = p.fix_data && "patch" in p.fix_data ? p.fix_data.patch : {};
    for (const [path, instead] of retiringPatches(patch))
      ctx.addIssue({
        code: "custom",
        path: ["fix_data", "patch", path],
        message: `retire with fix_type ${instead}, not a patch of ${path}`,
      });
  }) satisfies z.ZodType<BasePayload & TargetedFixPayload>;

export const targetedFixHandler = planHandler({
  type: "TARGETED_FIX",
  lane: "priority",
  payload: targetedFixPayload,
  smallerJobs: "name fewer exercise_doc_ids in each job",
  // Every exercise the fix reads, a merge target too (its aliases change, and a FAMILY_MERGE of its family could retire it),
  // and those merged earlier into an exercise it marks merged (re-pointed to the successor). Read before the locks are
  // taken: `plan` checks, from its own reads under them, that they still cover the exercises.
  async lockKeys({ payload }, deps) {
    const [exercises, mergedIntoNamed] = await Promise.all([
      getExercises(deps.db, fixReadIds(payload)),
      payload.fix_type === "mark_merged" ? exercisesMergedInto(deps.db, payload.exercise_doc_ids) : [],
    ]);
    const families = [...familiesOf(exercises), ...repointedExerciseFamilies(mergedIntoNamed, payload.exercise_doc_ids)];
    return [...new Set(families)].map(familyLockKey);
  },
  async plan(input) {
    const { db } = input.deps;
    const { payload } = input.job;
    const exercises = await getExercises(db, fixReadIds(payload));
    const named = payload.exercise_doc_ids.flatMap((id) => {
      const data = exercises.get(id);
      return data ? [{ id, data }] : [];
    });
    const namedFamilies = familiesOf(new Map(named.map(({ id, data }) => [id, data])));
    // An exercise moved to another family between the read that chose the locks and taking them: take them again.
    const outdated = locksOutdated(
      input.engine.lockKeys,
      familiesOf(exercises),
      input.deps.now(),
      (unlocked) => `exercises moved to ${unlocked}`,
    );
    if (outdated) return outdated;
    const canonical = payload.fix_data && "patch" in payload.fix_data ? canonicalPatch(payload.fix_data.patch) : null;
    const patch = canonical?.patch;
    const fixPayload = patch ? { ...payload, fix_data: { patch } } : payload;
    const merging = payload.fix_type === "mark_merged";
    const [familyList, pointingAliases, mergedIntoNamed] = await Promise.all([
      Promise.all(namedFamilies.map((slug) => readFamily(db, slug))),
      merging ? aliasesPointingAtExercises(db, payload.exercise_doc_ids) : [],
      merging ? exercisesMergedInto(db, payload.exercise_doc_ids) : [],
    ]);
    // An exercise merged into a named one after the job chose its locks: take them again.
    const repointed = locksOutdated(
      input.engine.lockKeys,
      repointedExerciseFamilies(mergedIntoNamed, payload.exercise_doc_ids),
      input.deps.now(),
      (unlocked) => `exercises of ${unlocked} merged into ${payload.exercise_doc_ids.join(", ")}`,
    );
    if (repointed) return repointed;
    const families = new Map(familyList.map((family) => [family.slug, family]));
    // As given: the plan's respelling of it (`canonicalNewName`) keeps its slug, which the owners are read for.
    const newName = payload.fix_data && "new_name" in payload.fix_data ? payload.fix_data.new_name.trim() : null;
    // A patch's renames: those its family's naming rule asks for once it is applied.
    const { renames, finalNames } = patchNaming(fixPayload, families);
    const owners = newName
      ? await loadRenameOwners(db, named, new Map(named.map(({ id }) => [id, newName])))
      : renames.length > 0
        ? await loadRenameOwners(
            db,
            renames.map(({ member }) => member),
            finalNames,
          )
        : NO_SLUG_OWNERS;
    const fix = planTargetedFix({ payload: fixPayload, exercises, families, owners, pointingAliases, mergedIntoNamed });
    const plan = changePlan(input.job, `${payload.fix_type} ${payload.exercise_doc_ids.join(", ")}`, fix.operations);
    const normalized = { ...canonical?.normalized, ...fix.normalized };
    if (fix.namesFailingScanner.length > 0)
      input.attempt.event("names_failing_scanner", {
        exercises: fix.namesFailingScanner,
        message: SCANNER_NAME_WARNING,
      });
    const summary = {
      fix_type: payload.fix_type,
      changed: fix.changed,
      unchanged: fix.unchanged,
      ...(Object.keys(normalized).length > 0 ? { normalized } : {}),
      ...(canonical?.contribution ? { contribution_renormalized: canonical.contribution } : {}),
      ...(fix.renamed.length > 0 ? { renamed: fix.renamed } : {}),
      ...(fix.namesFailingScanner.length > 0 ? { names_failing_scanner: fix.namesFailingScanner } : {}),
    };
    return { plan, summary };
  },
});

/** The distinct families of the exercises: the registries a fix may change. */
function familiesOf(exercises: ReadonlyMap<string, DocData>): string[] {
  return [
    ...new Set([...exercises.values()].map((exercise) => exercise.family_slug).filter((slug): slug is string => typeof slug === "string")),
  ];
}
