export type Release = () => void;

export interface LimiterStats {
  readonly active: number;
  readonly queued: number;
  readonly capacity: number;
}

export interface Limiter {
  /** Resolves with an idempotent release once a slot is free; rejects with LimiterBusy or the abort reason. */
  acquire(signal?: AbortSignal): Promise<Release>;
  stats(): LimiterStats;
}

interface Waiter {
  grant: (release: Release) => void;
  cleanup: () => void;
}

/** A counting semaphore with a FIFO wait queue bounded in length and in time. */
export function createLimiter(options: { capacity: number; maxQueue: number; maxWaitMs: number }): Limiter {
  const { capacity, maxQueue, maxWaitMs } = options;
  let active = 0;
  const queue: Waiter[] = [];
  const retryAfterSeconds = Math.max(1, Math.ceil(maxWaitMs / 1000));

  const makeRelease = (): Release => {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = queue.shift();
      if (next) {
        next.cleanup();
        next.grant(makeRelease()); // the slot passes straight to the next waiter
      } else {
        active -= 1;
      }
    };
  };

  return {
    acquire(signal) {
      if (signal?.aborted) return Promise.reject(signal.reason as Error);
      if (active < capacity) {
        active += 1;
        return Promise.resolve(makeRelease());
      }
      if (queue.length >= maxQueue || maxWaitMs <= 0) {
        return Promise.reject(busy(retryAfterSeconds));
      }
      return new Promise<Release>((resolve, reject) => {
        const leave = () => {
          const i = queue.indexOf(waiter);
          if (i >= 0) queue.splice(i, 1);
        };
        const onAbort = () => {
          leave();
          waiter.cleanup();
          reject(signal?.reason as Error);
        };
        const timer = setTimeout(() => {
          leave();
          waiter.cleanup();
          reject(busy(retryAfterSeconds));
        }, maxWaitMs);
        const waiter: Waiter = {
          grant: resolve,
          cleanup: () => {
            clearTimeout(timer);
            signal?.removeEventListener("abort", onAbort);
          },
        };
        signal?.addEventListener("abort", onAbort, { once: true });
        queue.push(waiter);
      });
    },
    stats: () => ({ active, queued: queue.length, capacity }),
  };
}

/** No slot: the queue was full or the wait ran out. The HTTP layer makes it a 429 (turn-slot.ts). */
export class LimiterBusy extends Error {
  constructor(readonly retryAfterSeconds: number) {
    super("every slot is taken and the queue is full or the wait ran out");
    this.name = "LimiterBusy";
  }
}

function busy(retryAfterSeconds: number): LimiterBusy {
  return new LimiterBusy(retryAfterSeconds);
}
