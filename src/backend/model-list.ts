import type { z } from "zod";
import { modelListResult } from "./app-server-protocol.ts";
import type { JsonRpcClient } from "./jsonrpc-client.ts";
import { parseResult, rpc } from "./rpc-call.ts";
import type { ModelInfo } from "./types.ts";

type ModelPage = z.infer<typeof modelListResult>;

/** Every model Codex lists (`model/list`, page by page), hidden ones left out. */
export async function fetchModelList(client: JsonRpcClient, rpcTimeoutMs: number): Promise<readonly ModelInfo[]> {
  const models: ModelInfo[] = [];
  let cursor: string | null = null;
  do {
    const page: ModelPage = await rpc(client.request("model/list", { cursor }, rpcTimeoutMs).then((r) => parseResult(modelListResult, r)));
    for (const m of page.data) {
      if (m.hidden) continue;
      models.push({
        id: m.id,
        displayName: m.displayName,
        isDefault: m.isDefault,
        reasoningEfforts: m.supportedReasoningEfforts.map((e) => e.reasoningEffort),
        inputModalities: m.inputModalities,
      });
    }
    cursor = page.nextCursor;
  } while (cursor);
  return models;
}
