/** TARGETED_FIX: rename / patch / archive / mark_merged for the named exercises (see plans/targeted-fix). */
import { aliasesPointingAtExercises, getExercises, getFamilyRegistries } from "../../catalog/repository";
import type { JobHandler } from "../executor";
import { familyLockKey } from "../locks";
import { NO_SLUG_OWNERS } from "./rename-conflicts";
import { loadRenameOwners } from "./catalog-reads";
import { changePlan, runJobPlan } from "./change-plan";
import { fixReadIds, planTargetedFix } from "./plans/targeted-fix";

export const targetedFixHandler: JobHandler<"TARGETED_FIX"> = {
  async lockKeys({ payload }, deps) {
    const exercises = await getExercises(deps.db, payload.exercise_doc_ids);
    const families = [...exercises.values()].map((exercise) => exercise.family_slug).filter((slug): slug is string => typeof slug === "string");
    return [...new Set(families)].map(familyLockKey);
  },
  async run(input) {
    const { db } = input.deps;
    const { payload } = input.job;
    const exercises = await getExercises(db, fixReadIds(payload));
    const families = [...exercises.values()].map((exercise) => String(exercise.family_slug));
    const named = payload.exercise_doc_ids.flatMap((id) => {
      const data = exercises.get(id);
      return data ? [{ id, data }] : [];
    });
    const newName = payload.fix_data && "new_name" in payload.fix_data ? payload.fix_data.new_name.trim() : null;
    const [registries, owners, pointingAliases] = await Promise.all([
      getFamilyRegistries(db, families),
      newName ? loadRenameOwners(db, named, new Map(named.map(({ id }) => [id, newName]))) : NO_SLUG_OWNERS,
      payload.fix_type === "mark_merged" ? aliasesPointingAtExercises(db, payload.exercise_doc_ids) : [],
    ]);
    const fix = planTargetedFix({ payload, exercises, registries, owners, pointingAliases });
    const plan = changePlan(input.job, `${payload.fix_type} ${payload.exercise_doc_ids.join(", ")}`, fix.operations);
    return runJobPlan(input, plan, { fix_type: payload.fix_type, changed: fix.changed, unchanged: fix.unchanged });
  },
};
