/** Sends a range of the soak mix with a fixed number of requests in flight and checks every answer. */
import { completion, streamingCompletion, type Outcome, type StreamOutcome, type Target } from "./client.ts";
import { expectedAnswer, soakRequest, type SoakRequest } from "./soak-mix.ts";

export interface SoakOutcome {
  readonly request: SoakRequest;
  readonly ok: boolean;
  readonly ms: number;
  readonly status: number;
  /** The adapter's `error.code`, or the soak's own name for a wrong answer. */
  readonly code: string | undefined;
  readonly problem: string | undefined;
}

export interface SoakBatch {
  readonly outcomes: SoakOutcome[];
  readonly wallMs: number;
}

/** What the soak itself finds wrong with an answer the adapter reported as a success. */
function answerProblem(request: SoakRequest, outcome: Outcome | StreamOutcome): { code: string; problem: string } | undefined {
  if (outcome.text !== expectedAnswer(request.index)) return { code: "soak_wrong_answer", problem: "the answer is not this request's" };
  if (request.stream && "sawUsage" in outcome && outcome.sawUsage !== request.includeUsage) {
    return { code: "soak_usage_chunk", problem: request.includeUsage ? "no usage chunk" : "a usage chunk nobody asked for" };
  }
  return undefined;
}

async function send(target: Target, request: SoakRequest): Promise<SoakOutcome> {
  const outcome = request.stream ? await streamingCompletion(target, request.body) : await completion(target, request.body);
  const wrong = outcome.ok ? answerProblem(request, outcome) : undefined;
  return {
    request,
    ok: outcome.ok && !wrong,
    ms: outcome.ms,
    status: outcome.status,
    code: wrong?.code ?? outcome.code,
    problem: wrong?.problem ?? outcome.problem,
  };
}

/**
 * Requests `first` .. `first + count - 1` of the mix, `concurrency` at a time: each lane sends
 * its next request as soon as its last one is fully read. `onDone` sees the running count.
 */
export async function runSoak(
  target: Target,
  first: number,
  count: number,
  concurrency: number,
  onDone?: (done: number) => void,
): Promise<SoakBatch> {
  const outcomes: SoakOutcome[] = [];
  let next = first;
  const lane = async () => {
    while (next < first + count) {
      const request = soakRequest(next++);
      outcomes.push(await send(target, request));
      onDone?.(outcomes.length);
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, lane));
  return { outcomes, wallMs: performance.now() - started };
}
