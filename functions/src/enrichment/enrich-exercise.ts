/**
 * One exercise's holistic enrichment: prompt → LLM (JSON response schema) → a normalised, validated
 * patch limited to the fields in scope. Locked, unknown, invalid, unchanged and out-of-scope changes
 * are dropped with a reason, and so are changes to good stored values the spec does not name in
 * `fields_to_enrich`; fields written with style issues are named with them. What to write, and how,
 * is the caller's business.
 */
import type { LlmClient, LlmUsage } from "../llm/types";
import { heuristicScoreExercise } from "../reviewer/quality-scanner";
import { type UsageRecorder, generateRecorded } from "./llm-call";
import { ENRICH_CALL } from "./llm-calls";
import { type DroppedChange, type WrittenWithStyleIssues, normalizeEnrichmentChanges } from "./normalize";
import { type EnrichmentResponse, buildEnrichmentPrompt } from "./prompt";
import { type DocData } from "../util/object-paths";
import type { EnrichmentSpec } from "./spec";

export interface EnrichmentRequest {
  exerciseId: string;
  /** The exercise as stored. */
  exercise: Readonly<DocData>;
  spec: EnrichmentSpec;
  /** Ends the LLM call at once (see `LlmRequest.signal`). */
  signal?: AbortSignal;
}

export interface EnrichmentResult {
  /** Flat dotted paths → values, ready for a `patch_fields` operation; empty when nothing needs changing. */
  patch: Record<string, unknown>;
  dropped: DroppedChange[];
  /** Fields of `patch` with style issues the next scan will report (a missing field is filled all the same). */
  writtenWithStyleIssues: WrittenWithStyleIssues[];
  usage: LlmUsage;
  confidence: EnrichmentResponse["confidence"];
  reasoning: string;
}

/** Throws the LlmError of a failed call (transient: worth a retry; otherwise the answer was unusable). */
export async function enrichExercise(llm: LlmClient, request: EnrichmentRequest, recorder: UsageRecorder): Promise<EnrichmentResult> {
  const { exercise, spec } = request;
  const prompt = buildEnrichmentPrompt({ ...request, findings: heuristicScoreExercise(exercise) });
  const { data, usage } = await generateRecorded(
    llm,
    ENRICH_CALL,
    {
      prompt,
      tier: spec.use_pro_model ? "strong" : "fast",
      context: { exercise, fields_to_enrich: spec.fields_to_enrich },
      signal: request.signal,
    },
    recorder,
  );
  const normalized = normalizeEnrichmentChanges(data.changes, exercise, spec.fields_to_enrich);
  return {
    patch: normalized.patch,
    dropped: normalized.dropped,
    writtenWithStyleIssues: normalized.writtenWithStyleIssues,
    usage,
    confidence: data.confidence,
    reasoning: data.reasoning,
  };
}
