import { z } from "zod";
import {
  accountUpdated,
  agentMessageDelta,
  dynamicToolCallParams,
  errorNotification,
  itemCompleted,
  itemStarted,
  loginCompleted,
  rateLimitsUpdated,
  rawResponseCompleted,
  rawResponseItemCompleted,
  reasoningDelta,
  reasoningSummaryPartAdded,
  tokenUsageUpdated,
  turnCompleted,
} from "./app-server-protocol.ts";

/**
 * The messages Codex sends on its own (notifications and server requests), parsed once where
 * they arrive into typed unions keyed by `method`. Unknown methods are ignored, never an error.
 */

const variant = <M extends string, P extends z.ZodType>(method: M, params: P) => z.object({ method: z.literal(method), params });

/** Notifications about one thread's turn: routed to that turn by their `threadId`. */
const turnNotification = z.discriminatedUnion("method", [
  variant("item/agentMessage/delta", agentMessageDelta),
  variant("item/reasoning/textDelta", reasoningDelta),
  variant("item/reasoning/summaryTextDelta", reasoningDelta),
  variant("item/reasoning/summaryPartAdded", reasoningSummaryPartAdded),
  variant("thread/tokenUsage/updated", tokenUsageUpdated),
  variant("rawResponseItem/completed", rawResponseItemCompleted),
  variant("rawResponse/completed", rawResponseCompleted),
  variant("item/started", itemStarted),
  variant("item/completed", itemCompleted),
  variant("error", errorNotification),
  variant("turn/completed", turnCompleted),
]);
export type TurnNotification = z.infer<typeof turnNotification>;
export type TurnMethod = TurnNotification["method"];

/** Notifications about the login and its usage limits: for the whole child. */
const accountNotification = z.discriminatedUnion("method", [
  variant("account/login/completed", loginCompleted),
  variant("account/updated", accountUpdated),
  variant("account/rateLimits/updated", rateLimitsUpdated),
]);
export type AccountNotification = z.infer<typeof accountNotification>;

const turnMethods: readonly string[] = turnNotification.options.map((o) => o.shape.method.value);
const isTurnMethod = (method: string): method is TurnMethod => turnMethods.includes(method);
const threadScoped = z.object({ threadId: z.string() });

/** What reaches a thread's turn: a notification, or one of a turn method whose payload broke the pinned schema. */
export type TurnMessage =
  | { readonly kind: "notification"; readonly notification: TurnNotification }
  | { readonly kind: "malformed"; readonly method: TurnMethod };

export type CodexNotification =
  | { readonly scope: "turn"; readonly threadId: string; readonly message: TurnMessage }
  | { readonly scope: "account"; readonly notification: AccountNotification }
  /** Unknown, not about a thread, or an account update that does not parse: nothing acts on it. */
  | { readonly scope: "ignored" };

export function parseCodexNotification(method: string, params: unknown): CodexNotification {
  if (isTurnMethod(method)) {
    const parsed = turnNotification.safeParse({ method, params });
    if (parsed.success) return { scope: "turn", threadId: parsed.data.params.threadId, message: { kind: "notification", notification: parsed.data } };
    // Off the schema, the thread is read on its own: such a payload still fails its own turn.
    const thread = threadScoped.safeParse(params);
    return thread.success ? { scope: "turn", threadId: thread.data.threadId, message: { kind: "malformed", method } } : { scope: "ignored" };
  }
  const account = accountNotification.safeParse({ method, params });
  return account.success ? { scope: "account", notification: account.data } : { scope: "ignored" };
}

type AccountParams = { readonly [M in AccountNotification["method"]]: Extract<AccountNotification, { method: M }>["params"] };
/** One handler per account notification: the table the backend dispatches through. */
export type AccountNotificationHandlers = { readonly [M in keyof AccountParams]: (params: AccountParams[M]) => void };
type AccountMessage<M extends keyof AccountParams> = { readonly [K in M]: { readonly method: K; readonly params: AccountParams[K] } }[M];

export function dispatchAccountNotification<M extends keyof AccountParams>(handlers: AccountNotificationHandlers, notification: AccountMessage<M>): void {
  handlers[notification.method](notification.params);
}

export type DynamicToolCall = z.infer<typeof dynamicToolCallParams>;

/** A request Codex sends: only `item/tool/call` is answered; approvals and the rest are refused. */
export type CodexRequest =
  | { readonly kind: "toolCall"; readonly params: DynamicToolCall }
  | { readonly kind: "malformedToolCall" }
  | { readonly kind: "unsupported"; readonly method: string };

export function parseCodexRequest(method: string, params: unknown): CodexRequest {
  if (method !== "item/tool/call") return { kind: "unsupported", method };
  const parsed = dynamicToolCallParams.safeParse(params);
  return parsed.success ? { kind: "toolCall", params: parsed.data } : { kind: "malformedToolCall" };
}
