import { z } from "zod";

/**
 * Messages between bench/run.ts and the service worker it forks (one worker per backend,
 * so each adapter has its own process, event loop and resident memory).
 */
export const parentMessage = z.discriminatedUnion("type", [
  z.object({
    type: z.literal("start"),
    /** The adapter's own environment, handed to loadConfig as an object. */
    env: z.record(z.string(), z.string()),
    /** The parent environment startService filters for the Codex child. */
    childEnv: z.record(z.string(), z.string()),
  }),
  /** `gc`: collect garbage first when the worker runs with --expose-gc. */
  z.object({ type: z.literal("stats"), gc: z.boolean().optional() }),
  z.object({ type: z.literal("stop") }),
]);
export type ParentMessage = z.infer<typeof parentMessage>;

export const workerMessage = z.discriminatedUnion("type", [
  z.object({ type: z.literal("ready"), url: z.string() }),
  z.object({
    type: z.literal("stats"),
    rssBytes: z.number(),
    maxRssBytes: z.number(),
    heapUsedBytes: z.number(),
    heapTotalBytes: z.number(),
    /** Memory of C++ objects bound to JS (buffers and the like). */
    externalBytes: z.number(),
    codexPid: z.number().nullable(),
    codexRestarts: z.number().nullable(),
    /** Turns the app-server backend still routes notifications to; null for exec. */
    activeTurns: z.number().nullable(),
    /** Limiter slots taken and requests waiting for one. */
    slotsTaken: z.number(),
    queued: z.number(),
    gcRan: z.boolean(),
  }),
  z.object({ type: z.literal("stopped") }),
  z.object({ type: z.literal("error"), message: z.string() }),
]);
export type WorkerMessage = z.infer<typeof workerMessage>;
