import { expect } from 'chai';
import { RateLimiterRes } from 'rate-limiter-flexible';
import { LoginThrottle } from '../../src/api/rate-limits.js';
import { TooManyRequestsError } from '../../src/domain/shared/errors.js';
import { BatchedLimiter } from '../../src/infrastructure/limits/batched-limiter.js';
import type { LimitStore } from '../../src/infrastructure/limits/limit-store.js';

/**
 * What every shared limit store keeps: two stores opened on one place (as two server
 * processes open it) count against the same numbers, atomically, and the numbers outlive
 * the store that wrote them.
 */
export const limitStoreContract = (
  adapter: string,
  open: () => Promise<LimitStore>,
  dispose: () => Promise<void>,
) => {
  describe(`limit store contract: ${adapter}`, () => {
    let first: LimitStore;
    let second: LimitStore;
    beforeEach(async () => {
      first = await open();
      second = await open();
    });
    afterEach(async () => {
      await first.close();
      await second.close();
      await dispose();
    });

    const options = { keyPrefix: 'test', points: 3, duration: 60 };
    const refusal = (answer: Promise<unknown>) =>
      answer.then(
        () => expect.fail('expected a refusal'),
        (rejection: unknown) => {
          expect(rejection).to.be.instanceOf(RateLimiterRes);
          return rejection as RateLimiterRes;
        },
      );

    it('counts what two processes spend against one limit, and refuses past it on both', async () => {
      const [a, b] = [first.limiter(options), second.limiter(options)];
      expect((await a.consume('k')).remainingPoints).to.equal(2);
      expect((await b.consume('k')).remainingPoints).to.equal(1);
      expect((await a.consume('k')).remainingPoints).to.equal(0);
      expect((await refusal(b.consume('k'))).msBeforeNext).to.be.within(1, 60_000);
      await refusal(a.consume('k'));
      expect((await b.consume('other')).remainingPoints).to.equal(2);
    });

    it('keeps one limit\'s keys apart from another\'s', async () => {
      await first.limiter({ ...options, points: 1 }).consume('k');
      expect((await second.limiter({ ...options, keyPrefix: 'another' }).consume('k')).remainingPoints).to.equal(2);
    });

    it('blocks a key that went over for the block duration, on both', async () => {
      const blocking = { ...options, duration: 60, blockDuration: 900 };
      const [a, b] = [first.limiter(blocking), second.limiter(blocking)];
      for (let i = 0; i < 3; i += 1) await a.consume('k');
      expect((await refusal(b.consume('k'))).msBeforeNext).to.be.above(60_000);
      expect((await refusal(a.consume('k'))).msBeforeNext).to.be.above(60_000);
    });

    it('gives points back (reward) and forgets a key (delete) for both', async () => {
      const [a, b] = [first.limiter(options), second.limiter(options)];
      for (let i = 0; i < 3; i += 1) await a.consume('k');
      await b.reward('k', 1);
      expect((await a.consume('k')).remainingPoints).to.equal(0);
      expect(await b.delete('k')).to.equal(true);
      expect((await a.consume('k')).remainingPoints).to.equal(2);
    });

    it('answers a penalty with what the window holds, never refusing', async () => {
      const [a, b] = [first.limiter(options), second.limiter(options)];
      expect((await a.penalty('k', 2)).consumedPoints).to.equal(2);
      const over = await b.penalty('k', 5);
      expect([over.consumedPoints, over.remainingPoints]).to.deep.equal([7, 0]);
    });

    it('keeps the counts when every store is closed and opened again', async () => {
      for (let i = 0; i < 3; i += 1) await first.limiter(options).consume('k');
      await first.close();
      await second.close();
      first = await open();
      second = await open();
      await refusal(second.limiter(options).consume('k'));
    });

    it('lets through at most the allowed sign-in attempts when guesses arrive at once at two processes', async () => {
      const throttles = [new LoginThrottle(3, 900, first), new LoginThrottle(3, 900, second)];
      const answers = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => throttles[i % 2]!.attempt('owner@test.local', '192.0.2.1')));
      expect(answers.filter((answer) => answer.status === 'fulfilled')).to.have.length(3);
      const refused = answers.filter((answer): answer is PromiseRejectedResult => answer.status === 'rejected');
      expect(refused.every((answer) => answer.reason instanceof TooManyRequestsError)).to.equal(true);
    });

    it('gives back an unchecked attempt and clears the account on success, for every process', async () => {
      const [a, b] = [new LoginThrottle(2, 900, first), new LoginThrottle(2, 900, second)];
      await a.attempt('owner@test.local', '192.0.2.1');
      await b.attempt('owner@test.local', '192.0.2.1');
      await a.unchecked('owner@test.local', '192.0.2.1');
      await b.attempt('owner@test.local', '192.0.2.1');
      await b.succeeded('owner@test.local', '192.0.2.1');
      await a.attempt('owner@test.local', '192.0.2.1');
      await b.attempt('owner@test.local', '192.0.2.1');
      const error = await a.attempt('owner@test.local', '192.0.2.1').catch((e: unknown) => e);
      expect(error).to.be.instanceOf(TooManyRequestsError);
      expect((error as TooManyRequestsError).retryAfterSeconds).to.be.within(1, 900);
    });

    it('counts an account\'s failures per client address, and all of them against a higher ceiling, in every process', async () => {
      const [a, b] = [new LoginThrottle(2, 900, first, 'key', 5), new LoginThrottle(2, 900, second, 'key', 5)];
      const from = (address: string, throttle: LoginThrottle) => throttle.attempt('owner@test.local', address).then(() => 'ok', (e: unknown) => e);
      // One address spends its two; another address still has its own.
      expect([await from('192.0.2.1', a), await from('192.0.2.1', b)]).to.deep.equal(['ok', 'ok']);
      const blocked = await from('192.0.2.1', a);
      expect(blocked).to.be.instanceOf(TooManyRequestsError);
      expect((blocked as Error).message).to.match(/from this address/);
      expect([await from('192.0.2.2', b), await from('192.0.2.2', a), await from('198.51.100.7', a)]).to.deep.equal(['ok', 'ok', 'ok']);
      // The sixth failure from anywhere: the account's ceiling (5), whatever the address.
      const ceiling = await from('203.0.113.9', b);
      expect(ceiling).to.be.instanceOf(TooManyRequestsError);
      expect((ceiling as Error).message).to.match(/reset the password/);
      // A right password (or a reset) gives the account back its attempts from anywhere.
      await a.succeeded('owner@test.local', '198.51.100.7');
      expect(await from('203.0.113.9', b)).to.equal('ok');
      // ... and leaves another address's count as it was.
      expect(await from('192.0.2.1', b)).to.be.instanceOf(TooManyRequestsError);
    });

    it('never lets more through than the limit when two processes take a client\'s points in batches', async () => {
      const limiters = [first, second].map((store) => new BatchedLimiter(store.limiter({ ...options, points: 100 }), 100, 10));
      const answers = await Promise.all(Array.from({ length: 300 }, (_, i) => limiters[i % 2]!.consume('client')));
      const allowed = answers.filter((answer) => answer.allowed).length;
      // At most one batch short: what the other process took and did not spend.
      expect(allowed).to.be.within(91, 100);
    });
  });
};
