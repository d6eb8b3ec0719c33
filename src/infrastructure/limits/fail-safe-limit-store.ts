import type { Logger } from 'pino';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import type { Limiter, LimitOptions, LimitStore } from './limit-store.js';
import { within } from '../within.js';

/**
 * A shared limit store that fails safe: while it does not answer (an error, or no answer
 * within `timeoutMs`), each limiter counts in this process's memory instead, so limits keep
 * holding, each process by itself, rather than every request failing or none being limited.
 * After a failure the store is left alone for `retryMs` (requests do not each wait for a
 * store that is down), then tried again. The first failure of an outage is logged, and so is
 * the recovery, with how many counts were kept in memory meanwhile.
 *
 * rate-limiter-flexible's `insuranceLimiter` falls back the same way, but silently and after
 * trying the store on every call: hence this wrapper.
 */

export type FailSafeOptions = { timeoutMs: number; retryMs: number };

const DEFAULTS: FailSafeOptions = { timeoutMs: 1000, retryMs: 5000 };

export class FailSafeLimitStore implements LimitStore {
  private retryAt = 0;
  /** Counts kept in memory since the store last answered; undefined while it answers. */
  private fallbacks: number | undefined;

  constructor(
    private readonly store: LimitStore,
    private readonly logger: Logger,
    private readonly options: FailSafeOptions = DEFAULTS,
    private readonly now: () => number = Date.now,
  ) {}

  get kind(): string {
    return this.store.kind;
  }

  limiter(options: LimitOptions): Limiter {
    const shared = this.store.limiter(options);
    const local = new RateLimiterMemory(options);
    const run = <T>(call: (limiter: Limiter) => Promise<T>) => this.run(() => call(shared), () => call(local));
    return {
      consume: (key, points) => run((limiter) => limiter.consume(key, points)),
      penalty: (key, points) => run((limiter) => limiter.penalty(key, points)),
      reward: (key, points) => run((limiter) => limiter.reward(key, points)),
      delete: (key) => run((limiter) => limiter.delete(key)),
    };
  }

  truncateJournal(): Promise<void> {
    return this.store.truncateJournal();
  }

  close(): Promise<void> {
    return this.store.close();
  }

  private async run<T>(shared: () => Promise<T>, local: () => Promise<T>): Promise<T> {
    if (this.now() < this.retryAt) return this.fallBack(local);
    try {
      const answer = await within(shared(), this.options.timeoutMs);
      this.answered();
      return answer;
    } catch (error) {
      // A refusal is an answer: the key went over.
      if (error instanceof RateLimiterRes) {
        this.answered();
        throw error;
      }
      this.failed(error);
      return this.fallBack(local);
    }
  }

  private fallBack<T>(local: () => Promise<T>): Promise<T> {
    this.fallbacks = (this.fallbacks ?? 0) + 1;
    return local();
  }

  private failed(error: unknown): void {
    this.retryAt = this.now() + this.options.retryMs;
    if (this.fallbacks !== undefined) return;
    this.fallbacks = 0;
    this.logger.error(
      { err: error, store: this.store.kind, retryMs: this.options.retryMs },
      'rate-limit store failed: limits and sign-in lockouts are counted by each process alone until it answers again',
    );
  }

  private answered(): void {
    if (this.fallbacks === undefined) return;
    this.logger.info({ store: this.store.kind, countedInMemory: this.fallbacks }, 'rate-limit store answers again: limits are shared again');
    this.fallbacks = undefined;
  }
}
