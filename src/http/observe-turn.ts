import type { ChatEvent } from "../backend/types.ts";
import type { RequestTrace } from "./request-trace.ts";

/** Passes a turn's events through, noting the first token's time, web searches and the usage on the request's trace. */
export async function* observeTurn(events: AsyncIterable<ChatEvent>, trace: RequestTrace): AsyncGenerator<ChatEvent> {
  for await (const event of events) {
    if (event.type === "text" || event.type === "reasoning") trace.firstToken();
    else if (event.type === "usage") trace.usage(event.usage);
    else if (event.type === "web_search" && event.status === "completed") trace.webSearched();
    yield event;
  }
}
