/**
 * Forked by bench/run.ts and bench/soak.ts: runs one real adapter (startService with the real Codex binary)
 * in its own process and answers the parent's questions over IPC.
 */
import { AppServerBackend } from "../src/backend/app-server-backend.ts";
import type { Backend } from "../src/backend/types.ts";
import { loadConfig } from "../src/config.ts";
import { createLogger } from "../src/core/logger.ts";
import { startService, type Service } from "../src/service.ts";
import { parentMessage, type WorkerMessage } from "./protocol.ts";

function send(message: WorkerMessage): void {
  process.send?.(message);
}

interface CodexChild {
  readonly pid: number | null;
  readonly restarts: number | null;
  readonly activeTurns: number | null;
}

/** The long-lived Codex child's pid, restarts and turns in progress; only the app-server backend has one. */
function codexChild(backend: Backend | undefined): CodexChild {
  if (backend instanceof AppServerBackend) {
    const child = backend.runtime();
    return { pid: child.pid ?? null, restarts: child.restarts, activeTurns: child.activeTurns };
  }
  return { pid: null, restarts: null, activeTurns: null };
}

/** Answers the parent until it says stop or goes away; one adapter per process. */
function serveParent(): void {
  let service: Service | undefined;
  let stopping = false;

  async function stop(): Promise<void> {
    if (stopping) return;
    stopping = true;
    try {
      await service?.stop(0);
    } finally {
      send({ type: "stopped" });
      process.disconnect?.();
      // give the IPC channel a moment to flush, then leave even if a handle lingers
      setTimeout(() => process.exit(0), 200).unref();
    }
  }

  process.on("message", (raw: unknown) => {
    const parsed = parentMessage.safeParse(raw);
    if (!parsed.success) {
      send({ type: "error", message: "unexpected message from the bench" });
      return;
    }
    const message = parsed.data;
    switch (message.type) {
      case "start":
        if (service) return;
        (async () => {
          const config = loadConfig(message.env);
          service = await startService(config, message.childEnv, createLogger(config.logLevel));
          send({ type: "ready", url: service.url });
        })().catch((err: unknown) => {
          send({ type: "error", message: err instanceof Error ? err.message : String(err) });
        });
        return;
      case "stats": {
        const gc = message.gc ? globalThis.gc : undefined; // defined only under --expose-gc
        gc?.();
        const memory = process.memoryUsage();
        const child = codexChild(service?.backend);
        const limiter = service?.limiter.stats();
        send({
          type: "stats",
          rssBytes: memory.rss,
          maxRssBytes: process.resourceUsage().maxRSS * 1024,
          heapUsedBytes: memory.heapUsed,
          heapTotalBytes: memory.heapTotal,
          externalBytes: memory.external,
          codexPid: child.pid,
          codexRestarts: child.restarts,
          activeTurns: child.activeTurns,
          slotsTaken: limiter?.active ?? 0,
          queued: limiter?.queued ?? 0,
          gcRan: gc !== undefined,
        });
        return;
      }
      case "stop":
        void stop();
        return;
    }
  });

  // The bench went away (crashed or was killed): do not leave Codex running.
  process.on("disconnect", () => void stop());
}

serveParent();
