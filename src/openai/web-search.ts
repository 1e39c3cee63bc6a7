import { z } from "zod";
import type { WebSearchRequest } from "../backend/types.ts";

/** Where a user is, roughly (OpenAI's and Anthropic's `user_location` alike). */
export const approximateLocation = z
  .object({
    country: z.string().max(100).nullish(),
    region: z.string().max(100).nullish(),
    city: z.string().max(100).nullish(),
    timezone: z.string().max(100).nullish(),
  })
  .loose();

/**
 * Chat Completions' `web_search_options`: its presence asks for web search. The Responses and
 * Messages search tools are translated into it, so `filters.allowed_domains` (theirs) is read too.
 */
export const webSearchOptions = z
  .object({
    search_context_size: z.enum(["low", "medium", "high"]).nullish(),
    user_location: z.object({ type: z.literal("approximate").nullish(), approximate: approximateLocation.nullish() }).loose().nullish(),
    filters: z.object({ allowed_domains: z.array(z.string().min(1).max(253)).max(100).nullish() }).loose().nullish(),
  })
  .loose();
export type WebSearchOptions = z.infer<typeof webSearchOptions>;
export type ApproximateLocation = z.infer<typeof approximateLocation>;

/** The Responses API's search tool, in each of its names (`web_search`, `web_search_preview`, dated ones). */
export const RESPONSES_WEB_SEARCH = /^web_search(_preview)?(_\d{4}_\d{2}_\d{2})?$/;

/** Anthropic's server tool for search (`web_search_20250305`, what Claude Code's WebSearch sends, and later dates). */
export const MESSAGES_WEB_SEARCH = /^web_search_\d{8}$/;

/** The search the backend runs for these options (what is unset stays the model service's choice). */
export function webSearchRequest(options: WebSearchOptions): WebSearchRequest {
  const domains = options.filters?.allowed_domains ?? [];
  const where = options.user_location?.approximate;
  const location = where ? definedFields({ country: where.country, region: where.region, city: where.city, timezone: where.timezone }) : {};
  return {
    ...(domains.length ? { allowedDomains: domains } : {}),
    ...(options.search_context_size ? { contextSize: options.search_context_size } : {}),
    ...(Object.keys(location).length ? { location } : {}),
  };
}

function definedFields(fields: Record<string, string | null | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(fields).filter((e): e is [string, string] => typeof e[1] === "string" && e[1] !== ""));
}
