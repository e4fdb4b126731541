/**
 * ALIAS_INVARIANT_SCAN's pure parts: which old slugs of a page of exercises lack an alias, and the
 * ALIAS_REPAIR jobs a batch of broken alias slugs becomes. A batch's dedup key is derived from its
 * slugs, so a rerun that finds the same problems while their repair is still open adds nothing.
 */
import type { CatalogDoc } from "../../catalog/repository";
import { createHash } from "node:crypto";
import { idSetKey, type FollowUp } from "../support/follow-ups";
import { canonicalJson } from "../../util/document-diff";
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
  /** What the scan judged: the alias document, or for a missing alias the exercise whose old slug it is. */
  found: DocData;
}

/** Groups of findings, by a hash of the slug: a problem found or fixed changes only its own group's jobs. */
const ALIAS_REPAIR_GROUPS = 16;

/** The group of `slug` (see ALIAS_REPAIR_GROUPS). */
export function aliasRepairGroup(slug: string): number {
  return createHash("sha256").update(slug).digest()[0] % ALIAS_REPAIR_GROUPS;
}

/**
 * The ALIAS_REPAIR of a batch of one group. It answers the batch's problems as found, so a batch
 * ALIAS_REPAIR could not repair (a person must decide) is asked for once, not on every run that
 * finds it again; an alias repaired and broken again is found otherwise, and asked about again.
 */
export function aliasRepairJob(batch: readonly AliasFinding[]): FollowUp {
  const { sorted, digest } = idSetKey(
    batch.map(({ slug }) => slug),
    24,
  );
  const bySlug = new Map(batch.map((finding) => [finding.slug, finding]));
  return {
    type: "ALIAS_REPAIR",
    payload: { mode: "apply", alias_slugs: sorted },
    dedup_key: `ALIAS_REPAIR:${digest}`,
    answers: sorted.map((slug) => canonicalJson(bySlug.get(slug))).join("\n"),
  };
}
