/**
 * Wakes every waiter at once. A waiter that registers after `notify()` waits for the next one,
 * so a reader must check for work synchronously before calling `wait()`.
 */
export class Signal {
  private waiters: Array<() => void> = [];

  wait(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  get waiting(): number {
    return this.waiters.length;
  }
}
