import { expect } from 'chai';
import { BatchedLimiter } from '../../src/infrastructure/limits/batched-limiter.js';
import { MemoryLimitStore, type Limiter } from '../../src/infrastructure/limits/limit-store.js';

/** One store (what the processes share) and a count of the writes made to it. */
const sharedStore = (points: number) => {
  const inner = new MemoryLimitStore().limiter({ keyPrefix: 'client', points, duration: 60 });
  const writes = { count: 0 };
  const store: Limiter = {
    consume: (key, n) => inner.consume(key, n),
    penalty: (key, n) => {
      writes.count += 1;
      return inner.penalty(key, n);
    },
    reward: (key, n) => inner.reward(key, n),
    delete: (key) => inner.delete(key),
  };
  return { store, writes };
};

describe('Batched limiter', () => {
  it('counts every request in the store with a batch of 1: exact across processes', async () => {
    const { store } = sharedStore(4);
    const processes = [new BatchedLimiter(store, 4, 1), new BatchedLimiter(store, 4, 1)];
    const answers = [];
    for (let i = 0; i < 6; i += 1) answers.push(await processes[i % 2]!.consume('client'));
    expect(answers.map((answer) => (answer.allowed ? answer.remaining : 'refused'))).to.deep.equal([3, 2, 1, 0, 'refused', 'refused']);
  });

  it('writes to the store once a batch, not once a request', async () => {
    const { store, writes } = sharedStore(1000);
    const limiter = new BatchedLimiter(store, 1000, 10);
    for (let i = 0; i < 95; i += 1) expect((await limiter.consume('client')).allowed).to.equal(true);
    expect(writes.count).to.equal(10);
  });

  it('refuses a client that spent its window from memory, with the time left, touching the store no more', async () => {
    let now = 0;
    const { store, writes } = sharedStore(20);
    const limiter = new BatchedLimiter(store, 20, 5, () => now);
    for (let i = 0; i < 20; i += 1) await limiter.consume('client');
    const before = writes.count;
    now = 10_000;
    const refused = await limiter.consume('client');
    expect(refused).to.deep.include({ allowed: false });
    expect(refused.allowed ? 0 : refused.msBeforeNext).to.be.within(1, 60_000);
    await limiter.consume('client');
    expect(writes.count - before).to.equal(0);
  });

  it('lets exactly the limit through when a client\'s requests arrive at once', async () => {
    const { store } = sharedStore(20);
    const limiter = new BatchedLimiter(store, 20, 1);
    const answers = await Promise.all(Array.from({ length: 50 }, () => limiter.consume('client')));
    expect(answers.filter((answer) => answer.allowed)).to.have.length(20);
  });

  it('hands out only what is left of the limit when the last batch is short', async () => {
    const { store } = sharedStore(12);
    const [a, b] = [new BatchedLimiter(store, 12, 5), new BatchedLimiter(store, 12, 5)];
    const allowed = async (limiter: BatchedLimiter, n: number) => {
      let count = 0;
      for (let i = 0; i < n; i += 1) if ((await limiter.consume('client')).allowed) count += 1;
      return count;
    };
    expect(await allowed(a, 10)).to.equal(10);
    expect(await allowed(b, 10)).to.equal(2);
    expect(await allowed(a, 5)).to.equal(0);
  });
});
