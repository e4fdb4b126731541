/**
 * ALIAS_INVARIANT_SCAN's pure parts: which old slugs of a page of exercises lack an alias, and the
 * ALIAS_REPAIR jobs a batch of broken alias slugs becomes. A batch's dedup key is derived from its
 * slugs, so a rerun that finds the same problems while their repair is still open adds nothing.
 */
import type { CatalogDoc } from "../../catalog/repository";
import { idSetKey, type FollowUp } from "../support/follow-ups";
import { creationSlugOf } from "../../catalog/slug-aliases";
import { type DocData } from "../../util/object-paths";
import type { AliasProblem } from "../../catalog/alias-resolution";

/** Alias slugs per ALIAS_REPAIR job (the payload allows 500). */
export const ALIAS_REPAIR_BATCH = 100;

/** Slug → exercise id for each exercise renamed away from the slug it was created with. */
export function oldSlugsOf(exercises: readonly CatalogDoc[]): Map<string, string> {
  const slugs = new Map<string, string>();
  for (const { id, data } of exercises) {
    const slug = creationSlugOf(id);
    if (slug !== null && slug !== data.name_slug) slugs.set(slug, id);
  }
  return slugs;
}

/** The old slugs among `oldSlugs` that no alias document holds. */
export function oldSlugsWithoutAlias(oldSlugs: ReadonlyMap<string, string>, aliases: ReadonlyMap<string, DocData>): string[] {
  return [...oldSlugs.keys()].filter((slug) => !aliases.has(slug));
}

/** A broken alias as the scan found it. */
export interface AliasFinding {
  slug: string;
  problem: AliasProblem;
}

/**
 * The ALIAS_REPAIR of a batch. It answers the batch's problems, so a batch ALIAS_REPAIR could not
 * repair (a person must decide) is asked for once, not on every run that finds it again.
 */
export function aliasRepairJob(batch: readonly AliasFinding[]): FollowUp {
  const { sorted, digest } = idSetKey(
    batch.map(({ slug }) => slug),
    24,
  );
  const problems = new Map(batch.map(({ slug, problem }) => [slug, problem]));
  return {
    type: "ALIAS_REPAIR",
    payload: { mode: "apply", alias_slugs: sorted },
    dedup_key: `ALIAS_REPAIR:${digest}`,
    answers: sorted.map((slug) => `${slug} ${problems.get(slug)}`).join("\n"),
  };
}
