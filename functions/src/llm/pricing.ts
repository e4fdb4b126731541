/** What LLM calls cost: a per-model price table (USD per 1M tokens). Usage is summed by jobs/attempt-log.ts's `addUsage`. */
import { z } from "zod";
import { ConfigError, PARAMS } from "../config";
import { NO_LLM_USAGE, roundUsd } from "../jobs/attempt-log";
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

/** Estimated cost in USD; 0 for models without a price (the fake, unknown models). */
export function estimateCostUsd(model: string, inputTokens: number, outputTokens: number, prices: PriceTable = DEFAULT_PRICES): number {
  const price = priceFor(model, prices);
  if (!price) return 0;
  return roundUsd((inputTokens * price.input_per_million + outputTokens * price.output_per_million) / 1e6);
}

/** The usage of a request that reached no model. */
export const EMPTY_USAGE: LlmUsage = Object.freeze({ ...NO_LLM_USAGE, model: "", latency_ms: 0 });
