import { z } from "zod";

/** Schemas for the parts of the pinned app-server protocol the adapter reads (see docs/codex-protocol.md). */

export const threadStartResult = z.object({ thread: z.object({ id: z.string() }), model: z.string() });
export const turnStartResult = z.object({ turn: z.object({ id: z.string() }) });

export const codexErrorInfo = z.union([z.string(), z.record(z.string(), z.unknown())]).nullable();

export const turnError = z.object({
  message: z.string(),
  codexErrorInfo: codexErrorInfo.optional(),
  additionalDetails: z.string().nullable().optional(),
});
export type TurnError = z.infer<typeof turnError>;

const turnScoped = { threadId: z.string(), turnId: z.string() };

export const agentMessageDelta = z.object({ ...turnScoped, itemId: z.string(), delta: z.string() });
export const reasoningDelta = z.object({ ...turnScoped, delta: z.string() });

const usageBreakdown = z.object({
  totalTokens: z.number(),
  inputTokens: z.number(),
  cachedInputTokens: z.number(),
  outputTokens: z.number(),
  reasoningOutputTokens: z.number(),
});
export const tokenUsageUpdated = z.object({ ...turnScoped, tokenUsage: z.object({ total: usageBreakdown }) });

export const errorNotification = z.object({ ...turnScoped, error: turnError, willRetry: z.boolean() });

export const turnCompleted = z.object({
  threadId: z.string(),
  turn: z.object({
    id: z.string(),
    status: z.enum(["completed", "interrupted", "failed", "inProgress"]),
    error: turnError.nullable(),
  }),
});

const rateLimitWindow = z
  .object({ usedPercent: z.number(), windowDurationMins: z.number().nullable().optional(), resetsAt: z.number().nullable().optional() })
  .nullable();
const credits = z.object({ hasCredits: z.boolean(), unlimited: z.boolean(), balance: z.string().nullable().optional() }).nullable();
const rateLimitSnapshot = z.object({
  primary: rateLimitWindow.optional(),
  secondary: rateLimitWindow.optional(),
  credits: credits.optional(),
  planType: z.string().nullable().optional(),
});
export const rateLimitsUpdated = z.object({ rateLimits: rateLimitSnapshot });
export type RateLimitsUpdated = z.infer<typeof rateLimitsUpdated>;
export const rateLimitsReadResult = z.object({ rateLimits: rateLimitSnapshot });
export type RateLimitSnapshot = z.infer<typeof rateLimitSnapshot>;

/** Of `account/read` only the kind of login and the plan are read: never the email. */
export const accountReadResult = z.object({
  account: z.object({ type: z.string(), planType: z.string().nullable().optional() }).nullable(),
  requiresOpenaiAuth: z.boolean(),
});

export const deviceCodeLoginStartResult = z.object({
  type: z.literal("chatgptDeviceCode"),
  loginId: z.string().min(1),
  verificationUrl: z.string().url(),
  userCode: z.string().min(1),
});

export const loginCompleted = z.object({
  loginId: z.string().nullable(),
  success: z.boolean(),
  error: z.string().nullable(),
});
export type LoginCompleted = z.infer<typeof loginCompleted>;

export const accountUpdated = z.object({ authMode: z.string().nullable(), planType: z.string().nullable() });
export type AccountUpdated = z.infer<typeof accountUpdated>;

export const cancelLoginResult = z.object({ status: z.string() });
export const logoutResult = z.object({});

export const authStatusResult = z.object({
  authMethod: z.string().nullable(),
  requiresOpenaiAuth: z.boolean().nullable(),
});

export const modelListResult = z.object({
  data: z.array(
    z.object({
      id: z.string(),
      displayName: z.string(),
      hidden: z.boolean(),
      isDefault: z.boolean(),
      supportedReasoningEfforts: z.array(z.object({ reasoningEffort: z.string() })),
      inputModalities: z.array(z.string()),
    }),
  ),
  nextCursor: z.string().nullable(),
});

/**
 * `item/started`: the item's kind (an `agentMessage` begins a message, a `reasoning` item its
 * summary, a `contextCompaction` means the conversation did not fit) and a message's phase.
 */
export const itemStarted = z.object({
  ...turnScoped,
  item: z.object({ type: z.string(), phase: z.string().nullable().optional(), id: z.string().optional(), query: z.string().optional() }),
});

/** `item/completed`: only a web search's end is read (its id and query). */
export const itemCompleted = itemStarted;

/** `item/reasoning/summaryPartAdded`: another part of the reasoning summary begins. */
export const reasoningSummaryPartAdded = z.object({ ...turnScoped, itemId: z.string(), summaryIndex: z.number() });

const urlCitation = z.object({ type: z.literal("url_citation"), url: z.string(), title: z.string().optional(), start_index: z.number(), end_index: z.number() });
const messageContent = z.array(z.object({ type: z.string(), annotations: z.array(z.union([urlCitation, z.object({ type: z.string() })])).optional() }));
export type RawMessageContent = z.infer<typeof messageContent>;

/**
 * `rawResponseItem/completed` (threads started with `experimentalRawEvents`): function calls, and
 * an assistant message's `url_citation`s (the only place Codex passes them on); anything else is
 * only its type.
 */
export const rawResponseItemCompleted = z.object({
  ...turnScoped,
  item: z.union([
    z.object({ type: z.literal("function_call"), call_id: z.string(), name: z.string(), arguments: z.string() }),
    z.object({
      type: z.literal("message"),
      role: z.literal("assistant"),
      content: messageContent,
    }),
    z.object({ type: z.string() }),
  ]),
});

/** `rawResponse/completed`: one upstream response ended; its usage is that response's alone. */
export const rawResponseCompleted = z.object({ ...turnScoped, usage: usageBreakdown.nullable() });

/** The server request `item/tool/call`: the model called a client (dynamic) tool. */
export const dynamicToolCallParams = z.object({ threadId: z.string(), turnId: z.string(), callId: z.string(), tool: z.string() });

/** `thread/loaded/list` (one page: no limit is asked for). */
export const threadLoadedList = z.object({ data: z.array(z.string()) });
