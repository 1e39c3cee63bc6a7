import { BASE_INSTRUCTIONS, BASE_INSTRUCTIONS_WITH_TOOLS } from "./codex-hardening.ts";
import type { ToolDefinition, WebSearchRequest } from "./types.ts";

/** What a thread is started with besides its conversation: fixed for its life. */
export interface ThreadTools {
  /** Client functions, offered as dynamic tools. */
  readonly tools: readonly ToolDefinition[];
  /** The model service's web search for this thread: Codex's `web_search` mode and the client's settings; undefined: none. */
  readonly webSearch: { readonly mode: "cached" | "live"; readonly request: WebSearchRequest } | undefined;
}

/**
 * The `thread/start` params: an ephemeral, read-only thread with the adapter's short system
 * prompt; with client tools, those as dynamic tools; with web search, that mode for this thread
 * alone (the process runs with it disabled). Either turns raw events on: function calls and
 * citations are read from them.
 */
export function threadStartParams(workDir: string, { tools, webSearch }: ThreadTools): object {
  return {
    cwd: workDir,
    sandbox: "read-only",
    approvalPolicy: "never",
    ephemeral: true,
    baseInstructions: tools.length ? BASE_INSTRUCTIONS_WITH_TOOLS : BASE_INSTRUCTIONS,
    ...(tools.length ? { dynamicTools: tools.map(dynamicTool) } : {}),
    ...(webSearch ? { config: webSearchConfig(webSearch.mode, webSearch.request) } : {}),
    ...(tools.length || webSearch ? { experimentalRawEvents: true } : {}),
  };
}

/** Codex's settings for the thread's search; dotted keys, so that the rest of the `tools` table (the hardening's) stays. */
function webSearchConfig(mode: "cached" | "live", request: WebSearchRequest): Record<string, unknown> {
  const { allowedDomains, contextSize, location } = request;
  return {
    web_search: mode,
    ...(allowedDomains?.length ? { "tools.web_search.allowed_domains": allowedDomains } : {}),
    ...(contextSize ? { "tools.web_search.context_size": contextSize } : {}),
    ...(location ? { "tools.web_search.location": { country: null, region: null, city: null, timezone: null, ...location } } : {}),
  };
}

/** A client tool as a Codex dynamic tool (Codex calls it back through `item/tool/call`). */
function dynamicTool(t: ToolDefinition): object {
  return { type: "function", name: t.name, description: t.description, inputSchema: t.parameters };
}
