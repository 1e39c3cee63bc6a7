import { BackendError } from "./backend-error.ts";
import type { TurnNotification } from "./codex-messages.ts";
import type { RawMessageContent } from "./app-server-protocol.ts";
import { mapTurnError, upstreamHttpStatus } from "./codex-error-map.ts";
import { addUsage, subtractUsage } from "./token-usage.ts";
import type { ChatEvent, Citation } from "./types.ts";
import { finish, still, type TurnContext, type TurnEffect, type TurnState, type TurnStep } from "./turn-state.ts";

/** The reaction of a turn streaming `segment` to one of its notifications (pure; part of reduceTurn). */
export function streamNotification(state: TurnState, segment: number, notification: TurnNotification, context: TurnContext): TurnStep {
  const { config } = context;
  switch (notification.method) {
    case "item/agentMessage/delta":
      return { state: { ...state, answerStarted: true }, effects: [{ type: "emit", event: { type: "text", delta: notification.params.delta } }] };
    case "item/reasoning/textDelta":
    case "item/reasoning/summaryTextDelta":
      return { state: { ...state, answerStarted: true }, effects: [{ type: "emit", event: { type: "reasoning", delta: notification.params.delta } }] };
    case "thread/tokenUsage/updated":
      // A turn with client tools spans requests: its usage is counted per upstream response instead.
      if (config.toolNames.size) return still(state);
      // The thread's running total, less its earlier turns.
      return still({ ...state, usage: subtractUsage(notification.params.tokenUsage.total, config.usedBefore) });
    case "rawResponseItem/completed": {
      const { item } = notification.params;
      if ("content" in item) {
        const citations = messageCitations(item.content);
        return citations.length ? emit(state, { type: "citations", citations }) : still(state);
      }
      if (!("call_id" in item) || !config.toolNames.has(item.name) || config.replayedCallIds.has(item.call_id)) return still(state);
      return still({ ...state, stepCalls: [...state.stepCalls, { callId: item.call_id, name: item.name, arguments: item.arguments }] });
    }
    case "rawResponse/completed": {
      if (!config.toolNames.size) return still(state);
      const { usage } = notification.params;
      const counted = usage ? { ...state, usage: addUsage(state.usage, usage) } : state;
      // Every call of this step is known now; Codex waits for their results before asking the model again.
      return counted.stepCalls.length ? pause(counted, segment) : still(counted);
    }
    case "item/started": {
      const { item } = notification.params;
      // Codex's phases: commentary, partial_answer, final_answer; anything but commentary is the answer.
      if (item.type === "agentMessage") return emit(state, { type: "message", phase: item.phase === "commentary" ? "commentary" : item.phase ? "final_answer" : null });
      if (item.type === "reasoning") return emit(state, { type: "reasoning_part" });
      if (item.type === "webSearch") return emit(state, { type: "web_search", id: item.id ?? "", query: item.query ?? "", status: "searching" });
      // Codex compacts (summarises) a conversation that does not fit the model's window before
      // answering; the client owns its conversation, so it gets the overflow and compacts it itself.
      if (item.type !== "contextCompaction") return still(state);
      return failed(state, new BackendError("context_too_long", "Codex would have to summarise it to fit (the adapter never answers from a summary): shorten or compact it."));
    }
    case "item/reasoning/summaryPartAdded":
      return emit(state, { type: "reasoning_part" });
    case "item/completed": {
      const { item } = notification.params;
      if (item.type !== "webSearch") return still(state);
      return emit(state, { type: "web_search", id: item.id ?? "", query: item.query ?? "", status: "completed" });
    }
    case "error": {
      const { error, willRetry } = notification.params;
      if (!willRetry) return still({ ...state, lastError: error }); // turn/completed with status failed follows
      // Codex retries upstream 429s itself for minutes; the client is better served by a prompt 429.
      if (upstreamHttpStatus(error.codexErrorInfo) === 429) return failed(state, mapTurnError(error, context.rateLimits, context.nowMs));
      // A retry starts the answer again from scratch: after part of it went out, the client would get it twice.
      if (state.answerStarted) {
        return failed(state, new BackendError("upstream", `the answer broke off midway (${error.additionalDetails ?? error.message}); retry the request`));
      }
      return still(state);
    }
    case "turn/completed": {
      const { turn } = notification.params;
      const ended: TurnState = finish({ ...state, codex: { phase: "ended" } });
      if (turn.status === "completed") return { state: ended, effects: [...usageEvent(state), { type: "emit", event: { type: "done" } }, { type: "end" }] };
      if (turn.status === "interrupted") return failed(ended, new BackendError("interrupted", "the turn was interrupted"));
      return failed(ended, mapTurnError(turn.error ?? state.lastError ?? { message: "Codex reported a failed turn" }, context.rateLimits, context.nowMs));
    }
  }
}

/** The `url_citation`s of an assistant message's text (one `output_text` part in practice; offsets are within the message). */
function messageCitations(content: RawMessageContent): Citation[] {
  return content.flatMap((part) =>
    (part.annotations ?? []).flatMap((a) => ("url" in a ? [{ url: a.url, title: a.title ?? a.url, start: a.start_index, end: a.end_index }] : [])),
  );
}

/** A boundary event (a message or a summary part begins): passed on, the answer not yet started by it. */
function emit(state: TurnState, event: ChatEvent): TurnStep {
  return { state, effects: [{ type: "emit", event }] };
}

/** Ends the segment on the step's tool calls; the turn stays open in Codex. */
function pause(state: TurnState, segment: number): TurnStep {
  const calls = state.stepCalls;
  return {
    state: { ...state, stepCalls: [], usage: undefined, consumer: { phase: "paused", segment } },
    effects: [...usageEvent(state), { type: "pause", calls }, { type: "emit", event: { type: "tool_calls", calls } }, { type: "end" }],
  };
}

/** The segment fails now; the request's own clean-up then interrupts the turn in Codex. */
function failed(state: TurnState, error: BackendError): TurnStep {
  return { state: finish(state), effects: [{ type: "fail", error }] };
}

function usageEvent(state: TurnState): TurnEffect[] {
  return state.usage ? [{ type: "emit", event: { type: "usage", usage: state.usage } }] : [];
}
