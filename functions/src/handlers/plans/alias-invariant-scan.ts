/**
 * ALIAS_INVARIANT_SCAN's pure parts: which old slugs of a page of exercises lack an alias, and the
 * ALIAS_REPAIR jobs a batch of broken alias slugs becomes. A batch's dedup key is derived from its
 * slugs, and each alias in it is claimed for its repair besides (`aliasRepairAsk`), so a rerun leaves
 * out an alias whose repair is still open or answered the same finding, however it batches the rest.
 */
import type { CatalogDoc } from "../../catalog/repository";
import { createHash } from "node:crypto";
import { idSetKey, type FollowUp } from "../support/follow-ups";
import type { ClaimAsk } from "../support/follow-up-claims";
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

/**
 * Groups of findings, by a hash of the slug, so a problem found or fixed changes only its own group's
 * batch: aliases found unclaimed (`aliasRepairAsk`) whose repair was asked for before (before aliases had
 * claims of their own, or their claims were not written: an outage between the job and its claims) are
 * batched as then, under the key of the job that knows what it answered.
 */
const ALIAS_REPAIR_GROUPS = 16;

/** The group of `slug` (see ALIAS_REPAIR_GROUPS). */
export function aliasRepairGroup(slug: string): number {
  return createHash("sha256").update(slug).digest()[0] % ALIAS_REPAIR_GROUPS;
}

/**
 * What a repair answers for one alias: the problem as found. An alias ALIAS_REPAIR could not repair (a
 * person must decide) is asked about once, not on every run that finds it again; one repaired and
 * broken again is found otherwise, and asked about again.
 */
export function aliasRepairAsk(finding: AliasFinding): ClaimAsk {
  const { slug, problem, found } = finding;
  return { id: slug, answers: canonicalJson({ slug, problem, found }) };
}

/** The ALIAS_REPAIR of a batch of one group; it answers what it answers for each alias (`aliasRepairAsk`). */
export function aliasRepairJob(batch: readonly AliasFinding[]): FollowUp {
  const { sorted, digest } = idSetKey(
    batch.map(({ slug }) => slug),
    24,
  );
  const answersOf = new Map(batch.map((finding) => [finding.slug, aliasRepairAsk(finding).answers]));
  return {
    type: "ALIAS_REPAIR",
    payload: { mode: "apply", alias_slugs: sorted },
    dedup_key: `ALIAS_REPAIR:${digest}`,
    answers: sorted.map((slug) => answersOf.get(slug)).join("\n"),
  };
}
