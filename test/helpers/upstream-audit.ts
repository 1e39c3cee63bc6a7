import { BASE_INSTRUCTIONS, BASE_INSTRUCTIONS_WITH_TOOLS } from "../../src/backend/codex-hardening.ts";

/** A model request as the stand-ins receive it, as far as the audit reads it. */
export interface AuditedBody {
  readonly instructions?: string | undefined;
  readonly tools?: readonly { readonly type: string; readonly name?: string | undefined }[] | undefined;
  readonly input?: readonly ({ readonly type: string } & Record<string, unknown>)[] | undefined;
}

/** What Codex added of its own to one model request: tools and model-visible text the client and the adapter did not send. */
export interface UpstreamAudit {
  /** Tools that are not the client's functions, by `type:name`. */
  readonly codexTools: readonly string[];
  /** Input items (or `instructions`) that carry text neither the client nor the adapter wrote, by kind and first characters. */
  readonly codexText: readonly string[];
  /** Their size: the JSON of those tools and items, or the length of such text. */
  readonly codexBytes: number;
}

/** Items that are the conversation itself: the model's calls and their results, the model's own reasoning. */
const CONVERSATION_ITEMS = new Set(["function_call", "function_call_output", "reasoning"]);

/**
 * Splits a model request into the client's conversation and functions, the adapter's short
 * system prompt, and everything else: what Codex added of its own (its tools, instructions,
 * agent roles). `clientTexts` are every text the client sent (messages, system text) and the
 * model's earlier answers; `clientTools` the names of the client's functions.
 */
export function auditUpstream(body: AuditedBody, clientTexts: readonly string[], clientTools: readonly string[]): UpstreamAudit {
  const known = new Set([BASE_INSTRUCTIONS, BASE_INSTRUCTIONS_WITH_TOOLS, ...clientTexts]);
  const functions = new Set(clientTools);
  const codexTools: string[] = [];
  const codexText: string[] = [];
  let codexBytes = 0;
  for (const tool of body.tools ?? []) {
    if (tool.type === "function" && tool.name && functions.has(tool.name)) continue;
    codexTools.push(`${tool.type}:${tool.name ?? ""}`);
    codexBytes += JSON.stringify(tool).length;
  }
  const text = (kind: string, value: string) => {
    if (!value || known.has(value)) return;
    codexText.push(`${kind}: ${value.slice(0, 60)}`);
    codexBytes += value.length;
  };
  text("instructions", body.instructions ?? "");
  for (const item of body.input ?? []) {
    if (CONVERSATION_ITEMS.has(item.type)) continue;
    if (item.type !== "message" || !Array.isArray(item.content)) {
      codexText.push(`${item.type} item`);
      codexBytes += JSON.stringify(item).length;
      continue;
    }
    for (const part of item.content as { type: string; text?: string }[]) {
      if (typeof part.text === "string") text(`${String(item.role)} message`, part.text);
    }
  }
  return { codexTools, codexText, codexBytes };
}
