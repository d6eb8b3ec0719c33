import { expect } from 'chai';
import { pino } from 'pino';
import { RateLimiterRes } from 'rate-limiter-flexible';
import { FailSafeLimitStore } from '../../src/infrastructure/limits/fail-safe-limit-store.js';
import { MemoryLimitStore, type Limiter, type LimitOptions, type LimitStore } from '../../src/infrastructure/limits/limit-store.js';

/** A shared store that fails (or hangs) while told to, and counts in memory otherwise. */
class FlakyLimitStore implements LimitStore {
  readonly kind = 'flaky';
  mode: 'answers' | 'fails' | 'hangs' = 'answers';
  calls = 0;
  private readonly inner = new MemoryLimitStore();

  limiter(options: LimitOptions): Limiter {
    const shared = this.inner.limiter(options);
    const call = <T>(op: () => Promise<T>): Promise<T> => {
      this.calls += 1;
      if (this.mode === 'fails') return Promise.reject(new Error('injected: the limit store is down'));
      if (this.mode === 'hangs') return new Promise<T>(() => undefined);
      return op();
    };
    return {
      consume: (key, points) => call(() => shared.consume(key, points)),
      penalty: (key, points) => call(() => shared.penalty(key, points)),
      reward: (key, points) => call(() => shared.reward(key, points)),
      delete: (key) => call(() => shared.delete(key)),
    };
  }

  async truncateJournal(): Promise<void> {}
  async close(): Promise<void> {}
}

describe('Fail-safe limit store', () => {
  let flaky: FlakyLimitStore;
  let now: number;
  let logs: Array<{ level: number; msg: string; countedInMemory?: number; store?: string }>;
  let store: FailSafeLimitStore;
  const options = { keyPrefix: 'test', points: 2, duration: 60 };

  beforeEach(() => {
    flaky = new FlakyLimitStore();
    now = 1_000_000;
    logs = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => logs.push(JSON.parse(line)) });
    store = new FailSafeLimitStore(flaky, logger, { timeoutMs: 20, retryMs: 5000 }, () => now);
  });

  const refused = (answer: Promise<unknown>) => answer.then(() => false, (rejection: unknown) => rejection instanceof RateLimiterRes);

  it('keeps limiting, in this process, while the store fails; says so once, and again when it answers', async () => {
    const limiter = store.limiter(options);
    flaky.mode = 'fails';
    await limiter.consume('k');
    await limiter.consume('k');
    expect(await refused(limiter.consume('k'))).to.equal(true);
    expect(logs.map((entry) => [entry.level, entry.store])).to.deep.equal([[50, 'flaky']]);
    expect(logs[0]!.msg).to.match(/counted by each process alone/);

    flaky.mode = 'answers';
    now += 5000;
    expect((await limiter.consume('k')).remainingPoints).to.equal(1);
    expect(logs[1]).to.include({ level: 30, countedInMemory: 3 });
    expect(logs[1]!.msg).to.match(/answers again/);
  });

  it('leaves a failed store alone for a while instead of making every request wait for it', async () => {
    const limiter = store.limiter(options);
    flaky.mode = 'fails';
    await limiter.consume('a');
    flaky.mode = 'hangs';
    await limiter.consume('b');
    await limiter.penalty('c', 1);
    expect(flaky.calls).to.equal(1);
    now += 5000;
    await limiter.consume('d');
    expect(flaky.calls).to.equal(2);
  });

  it('counts in memory when the store gives no answer in time', async () => {
    flaky.mode = 'hangs';
    const answer = await store.limiter(options).consume('k');
    expect(answer.remainingPoints).to.equal(1);
    expect(logs[0]!.msg).to.match(/rate-limit store failed/);
  });

  it('takes a refusal from the store as an answer, not a failure', async () => {
    const limiter = store.limiter(options);
    await limiter.consume('k');
    await limiter.consume('k');
    expect(await refused(limiter.consume('k'))).to.equal(true);
    expect(logs).to.deep.equal([]);
    expect(flaky.calls).to.equal(3);
  });
});
