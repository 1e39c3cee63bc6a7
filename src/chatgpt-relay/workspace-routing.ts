import { z } from "zod";

/**
 * `wham/accounts/check` as far as the relay reads it; every other field passes through untouched.
 * Codex takes a list of entries or a map of `{account: entry}` (codex-rs backend-client).
 */
const entry = z.looseObject({ workspace_backend_origin: z.string().nullish() });
const accountsCheck = z.looseObject({
  accounts: z.union([z.array(entry), z.record(z.string(), z.looseObject({ account: entry }))]),
});

/** What Codex reads as "no workspace constraint": the model stream then follows chatgpt_base_url's origin. */
const NO_CONSTRAINT = "NO_CONSTRAINT";

/**
 * With Codex's chatgpt_base_url on the relay, a workspace without a constraint would route the model
 * stream to the relay's own (plain http) origin, which Codex refuses. Naming the real backend's
 * origin instead is what Codex itself resolves without the relay, so the routing is unchanged.
 * Answers that do not parse, and https-less targets, pass through as they came.
 */
export function pinUnconstrainedOrigin(body: Buffer, backendOrigin: string): Buffer {
  if (!backendOrigin.startsWith("https://")) return body;
  let json: unknown;
  try {
    json = JSON.parse(body.toString("utf8"));
  } catch {
    return body;
  }
  const parsed = accountsCheck.safeParse(json);
  if (!parsed.success) return body;
  const entries = Array.isArray(parsed.data.accounts) ? parsed.data.accounts : Object.values(parsed.data.accounts).map((e) => e.account);
  const unconstrained = entries.filter((e) => e.workspace_backend_origin === NO_CONSTRAINT);
  if (unconstrained.length === 0) return body;
  for (const e of unconstrained) e.workspace_backend_origin = backendOrigin;
  return Buffer.from(JSON.stringify(parsed.data));
}
