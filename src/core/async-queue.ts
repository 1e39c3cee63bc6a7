/** A push-fed async iterable: a producer pushes values, ends or fails it; one consumer iterates. */
export class AsyncQueue<T> implements AsyncIterable<T> {
  readonly #items: T[] = [];
  #waiting: ((r: IteratorResult<T>) => void) | undefined;
  #failWaiting: ((e: Error) => void) | undefined;
  #ended = false;
  #error: { value: Error } | undefined;

  push(item: T): void {
    if (this.#ended) return;
    const w = this.#waiting;
    if (w) {
      this.#clearWaiter();
      w({ value: item, done: false });
    } else {
      this.#items.push(item);
    }
  }

  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    const w = this.#waiting;
    if (w && this.#items.length === 0) {
      this.#clearWaiter();
      w({ value: undefined, done: true });
    }
  }

  fail(reason: unknown): void {
    if (this.#ended) return;
    const error = reason instanceof Error ? reason : new Error(String(reason));
    this.#error = { value: error };
    this.#ended = true;
    const f = this.#failWaiting;
    if (f && this.#items.length === 0) {
      this.#clearWaiter();
      f(error);
    }
  }

  get ended(): boolean {
    return this.#ended;
  }

  #clearWaiter(): void {
    this.#waiting = undefined;
    this.#failWaiting = undefined;
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return {
      next: () => {
        const item = this.#items.shift();
        if (item !== undefined) return Promise.resolve({ value: item, done: false });
        if (this.#error) return Promise.reject(this.#error.value);
        if (this.#ended) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve, reject) => {
          this.#waiting = resolve;
          this.#failWaiting = reject;
        });
      },
    };
  }
}
