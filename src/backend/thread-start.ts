import { BASE_INSTRUCTIONS, BASE_INSTRUCTIONS_WITH_TOOLS } from "./codex-hardening.ts";
import type { ToolDefinition } from "./types.ts";

/**
 * The `thread/start` params: an ephemeral, read-only thread with the adapter's short system
 * prompt; with client tools, those as dynamic tools and raw events on (tools are fixed here).
 */
export function threadStartParams(workDir: string, tools: readonly ToolDefinition[]): object {
  return {
    cwd: workDir,
    sandbox: "read-only",
    approvalPolicy: "never",
    ephemeral: true,
    baseInstructions: tools.length ? BASE_INSTRUCTIONS_WITH_TOOLS : BASE_INSTRUCTIONS,
    ...(tools.length ? { dynamicTools: tools.map(dynamicTool), experimentalRawEvents: true } : {}),
  };
}

/** A client tool as a Codex dynamic tool (Codex calls it back through `item/tool/call`). */
function dynamicTool(t: ToolDefinition): object {
  return { type: "function", name: t.name, description: t.description, inputSchema: t.parameters };
}
