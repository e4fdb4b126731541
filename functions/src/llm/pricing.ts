/** What LLM calls cost: a per-model price table (USD per 1M tokens) and usage arithmetic. */
import { z } from "zod";
import { ConfigError, PARAMS } from "../config";
import type { LlmUsage } from "./types";

const modelPriceSchema = z.strictObject({
  input_per_million: z.number().nonnegative(),
  output_per_million: z.number().nonnegative(),
});
type ModelPrice = z.infer<typeof modelPriceSchema>;
export type PriceTable = Readonly<Record<string, ModelPrice>>;

/** Vertex AI list prices for the default models (standard context, USD per 1M tokens; thinking tokens bill as output). */
export const DEFAULT_PRICES: PriceTable = {
  "gemini-2.5-flash": { input_per_million: 0.3, output_per_million: 2.5 },
  "gemini-2.5-flash-lite": { input_per_million: 0.1, output_per_million: 0.4 },
  "gemini-2.5-pro": { input_per_million: 1.25, output_per_million: 10 },
};

/**
 * The default table with overrides from a JSON string (the LLM_PRICES_JSON param), e.g.
 * `{"gemini-2.5-flash": {"input_per_million": 0.3, "output_per_million": 2.5}}`. A malformed string
 * throws a ConfigError (CONFIG_INVALID, permanent): silently wrong cost figures are worse than a
 * configuration error, and retrying a job cannot mend a param.
 */
export function resolvePriceTable(overridesJson?: string): PriceTable {
  if (overridesJson === undefined || overridesJson.trim() === "") return DEFAULT_PRICES;
  const param = PARAMS.llmPricesJson.param.name;
  let raw: unknown;
  try {
    raw = JSON.parse(overridesJson);
  } catch (err) {
    throw new ConfigError(param, `is not valid JSON: ${(err as Error).message}`);
  }
  const parsed = z.record(z.string().min(1), modelPriceSchema).safeParse(raw);
  if (!parsed.success) throw new ConfigError(param, `is not a price table: ${z.prettifyError(parsed.error)}`);
  return { ...DEFAULT_PRICES, ...parsed.data };
}

/**
 * Price of a model: exact name first, else the longest table key that prefixes it, so that versioned
 * names ("gemini-2.5-flash-001") find their family without "-lite" matching plain "flash".
 */
function priceFor(model: string, prices: PriceTable): ModelPrice | undefined {
  if (prices[model]) return prices[model];
  const prefix = Object.keys(prices)
    .filter((key) => model.startsWith(`${key}-`))
    .sort((a, b) => b.length - a.length)[0];
  return prefix === undefined ? undefined : prices[prefix];
}

/** Whether `model` has a price in the table, found as `estimateCostUsd` finds it. */
export function hasPrice(model: string, prices: PriceTable): boolean {
  return priceFor(model, prices) !== undefined;
}

/** Micro-dollar rounding keeps sums of many calls free of float noise. */
function roundUsd(usd: number): number {
  return Math.round(usd * 1e6) / 1e6;
}

/** Estimated cost in USD; 0 for models without a price (the fake, unknown models). */
export function estimateCostUsd(model: string, inputTokens: number, outputTokens: number, prices: PriceTable = DEFAULT_PRICES): number {
  const price = priceFor(model, prices);
  if (!price) return 0;
  return roundUsd((inputTokens * price.input_per_million + outputTokens * price.output_per_million) / 1e6);
}

export const EMPTY_USAGE: LlmUsage = Object.freeze({
  model: "",
  input_tokens: 0,
  output_tokens: 0,
  latency_ms: 0,
  calls: 0,
  estimated_cost_usd: 0,
});

/** Distinct model names of both sides, comma-joined, so a summed usage still says which models ran. */
function mergeModelNames(a: string, b: string): string {
  const names = new Set([...a.split(","), ...b.split(",")].filter((name) => name !== ""));
  return [...names].join(",");
}

/** Sum of two usages (for a job's or attempt's totals). */
export function addUsage(a: LlmUsage, b: LlmUsage): LlmUsage {
  return {
    model: mergeModelNames(a.model, b.model),
    input_tokens: a.input_tokens + b.input_tokens,
    output_tokens: a.output_tokens + b.output_tokens,
    latency_ms: a.latency_ms + b.latency_ms,
    calls: a.calls + b.calls,
    estimated_cost_usd: roundUsd(a.estimated_cost_usd + b.estimated_cost_usd),
  };
}
