/**
 * Waits for `pending` unless `signal` aborts first, then rejects with the abort reason;
 * `onLate` receives a value that arrives after the abort, so it can be released.
 */
export function unlessAborted<T>(pending: Promise<T>, signal: AbortSignal, onLate?: (value: T) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      reject(signal.reason as Error);
      pending.then((value) => onLate?.(value), () => undefined);
    };
    if (signal.aborted) return onAbort();
    signal.addEventListener("abort", onAbort, { once: true });
    pending.then(
      (value) => (signal.removeEventListener("abort", onAbort), resolve(value)),
      (err: unknown) => (signal.removeEventListener("abort", onAbort), reject(err as Error)),
    );
  });
}
