import { BackendError } from "./backend-error.ts";
import {
  agentMessageDelta,
  errorNotification,
  itemStarted,
  rawResponseCompleted,
  rawResponseItemCompleted,
  reasoningDelta,
  tokenUsageUpdated,
  turnCompleted,
  type RateLimitSnapshot,
} from "./app-server-protocol.ts";
import { mapTurnError, upstreamHttpStatus } from "./codex-error-map.ts";
import type { TurnSink } from "./turn-sink.ts";

/**
 * Applies one turn-scoped notification to its turn. Returns an error when the turn must end
 * now (the caller interrupts it in Codex); throws when the payload does not match the pinned protocol.
 */
export function applyTurnNotification(
  sink: TurnSink,
  method: string,
  params: unknown,
  rateLimits: RateLimitSnapshot | undefined,
  nowMs: number,
): BackendError | undefined {
  switch (method) {
    case "item/agentMessage/delta":
      sink.events.push({ type: "text", delta: agentMessageDelta.parse(params).delta });
      sink.answerStarted = true;
      return undefined;
    case "item/reasoning/textDelta":
    case "item/reasoning/summaryTextDelta":
      sink.events.push({ type: "reasoning", delta: reasoningDelta.parse(params).delta });
      sink.answerStarted = true;
      return undefined;
    case "thread/tokenUsage/updated": {
      const t = tokenUsageUpdated.parse(params).tokenUsage.total;
      // A turn with client tools spans requests: its usage is counted per upstream response instead.
      if (sink.toolNames.size) return undefined;
      sink.usage = {
        inputTokens: t.inputTokens,
        cachedInputTokens: t.cachedInputTokens,
        outputTokens: t.outputTokens,
        reasoningOutputTokens: t.reasoningOutputTokens,
        totalTokens: t.totalTokens,
      };
      return undefined;
    }
    case "rawResponseItem/completed": {
      const { item } = rawResponseItemCompleted.parse(params);
      if ("call_id" in item && sink.toolNames.has(item.name) && !sink.replayedCallIds.has(item.call_id)) {
        sink.stepCalls.push({ callId: item.call_id, name: item.name, arguments: item.arguments });
      }
      return undefined;
    }
    case "rawResponse/completed": {
      const { usage } = rawResponseCompleted.parse(params);
      if (!sink.toolNames.size) return undefined;
      if (usage) sink.addUsage(usage);
      // Every call of this step is known now; Codex waits for their results before asking the model again.
      if (sink.stepCalls.length) sink.pause();
      return undefined;
    }
    case "item/started":
      // Codex compacts (summarises) a conversation that does not fit the model's window before
      // answering; the client owns its conversation, so it gets the overflow and compacts it itself.
      if (itemStarted.parse(params).item.type !== "contextCompaction") return undefined;
      return new BackendError("context_too_long", "Codex would have to summarise it to fit (the adapter never answers from a summary): shorten or compact it.");
    case "error": {
      const p = errorNotification.parse(params);
      if (!p.willRetry) {
        sink.lastError = p.error; // turn/completed with status failed follows
        return undefined;
      }
      // Codex retries upstream 429s itself for minutes; the client is better served by a prompt 429.
      if (upstreamHttpStatus(p.error.codexErrorInfo) === 429) return mapTurnError(p.error, rateLimits, nowMs);
      // A retry starts the answer again from scratch: after part of it went out, the client would get it twice.
      if (sink.answerStarted) {
        return new BackendError("upstream", `the answer broke off midway (${p.error.additionalDetails ?? p.error.message}); retry the request`);
      }
      return undefined;
    }
    case "turn/completed": {
      const { turn } = turnCompleted.parse(params);
      sink.codexEnded = true;
      if (turn.status === "completed") sink.complete();
      else if (turn.status === "interrupted") sink.fail(new BackendError("interrupted", "the turn was interrupted"));
      else sink.fail(mapTurnError(turn.error ?? sink.lastError ?? { message: "Codex reported a failed turn" }, rateLimits, nowMs));
      return undefined;
    }
    default:
      return undefined;
  }
}
