import { z } from "zod";

/**
 * The chat completions body. Unknown fields pass (clients send many we cannot map, and a
 * needless 400 makes some clients change later requests); fields we act on are checked.
 */
const textPart = z.object({ type: z.literal("text"), text: z.string() });
const otherPart = z.object({ type: z.string() }).loose();
const contentPart = z.union([textPart, otherPart]);

const toolCall = z
  .object({ id: z.string().optional(), function: z.object({ name: z.string(), arguments: z.string().optional() }).loose() })
  .loose();

const message = z
  .object({
    role: z.enum(["system", "developer", "user", "assistant", "tool", "function"]),
    content: z.union([z.string(), z.array(contentPart), z.null()]).optional(),
    name: z.string().optional(),
    tool_calls: z.array(toolCall).optional(),
    tool_call_id: z.string().optional(),
  })
  .loose();
export type ChatMessage = z.infer<typeof message>;

export const chatRequestSchema = z
  .object({
    model: z.string().optional(),
    messages: z.array(message).min(1, "messages must contain at least one message"),
    stream: z.boolean().nullable().optional(),
    stream_options: z.object({ include_usage: z.boolean().nullable().optional() }).loose().nullable().optional(),
    n: z.number().nullable().optional(),
    reasoning_effort: z.string().nullable().optional(),
  })
  .loose();
export type ChatRequest = z.infer<typeof chatRequestSchema>;
