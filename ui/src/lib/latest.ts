// Search-as-you-type plumbing: a debounce, and a guard that drops answers to requests that
// were overtaken by newer ones (a slow answer must never replace a newer one).

export function debounce<A extends unknown[]>(ms: number, fn: (...args: A) => void) {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const call = (...args: A) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
  call.cancel = () => clearTimeout(timer);
  call.now = (...args: A) => {
    clearTimeout(timer);
    fn(...args);
  };
  return call;
}

/** Runs requests so that only the most recent one's answer is delivered. */
export class Latest {
  private counter = 0;

  async run<T>(
    work: () => Promise<T>,
    deliver: (value: T) => void,
    fail: (error: unknown) => void,
  ): Promise<boolean> {
    const ticket = ++this.counter;
    try {
      const value = await work();
      if (ticket !== this.counter) return false;
      deliver(value);
      return true;
    } catch (error) {
      if (ticket === this.counter) fail(error);
      return false;
    }
  }

  /** Makes every request in flight stale. */
  cancel(): void {
    this.counter += 1;
  }
}
