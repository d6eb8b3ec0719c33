import type { RequestHandler } from 'express';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { TooManyRequestsError } from '../domain/shared/errors.js';

/**
 * Two limits, both in memory of this process:
 * - per client (the token's subject when signed in, else the address): generous, for abuse only;
 * - failed logins per ACCOUNT, not per address: guessing one account's password is throttled,
 *   while many shoppers behind one NAT signing in are not.
 */

export const clientRateLimit = (perMinute: number): RequestHandler => {
  if (perMinute === 0) return (_req, _res, next) => next();
  const limiter = new RateLimiterMemory({ points: perMinute, duration: 60 });
  return async (req, res, next) => {
    const key = req.principal ? `customer:${req.principal.customerId}` : `address:${req.ip}`;
    try {
      const result = await limiter.consume(key);
      res.set('RateLimit-Remaining', String(result.remainingPoints));
    } catch (rejection) {
      throw new TooManyRequestsError('too many requests from this client', retryAfter(rejection));
    }
    next();
  };
};

export class LoginThrottle {
  private readonly failures: RateLimiterMemory;

  constructor(maxFailures: number, lockoutSeconds: number) {
    this.failures = new RateLimiterMemory({ points: maxFailures, duration: lockoutSeconds, blockDuration: lockoutSeconds });
  }

  /**
   * Takes one of the account's attempts before its password is checked, or throws 429 when
   * none is left. Taken before, not counted after a failure: guesses sent at once would
   * otherwise all pass the check before the first failure is counted.
   */
  async attempt(account: string): Promise<void> {
    try {
      await this.failures.consume(account);
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) throw rejection;
      throw new TooManyRequestsError('too many failed sign-ins for this account; try again later', retryAfter(rejection));
    }
  }

  /** An attempt whose password could not be checked (the store failed) is given back: it guessed nothing. */
  async unchecked(account: string): Promise<void> {
    await this.failures.reward(account, 1);
  }

  /** A right password gives the attempts back. */
  async succeeded(account: string): Promise<void> {
    await this.failures.delete(account);
  }
}

const retryAfter = (rejection: unknown) =>
  rejection instanceof RateLimiterRes ? Math.max(1, Math.ceil(rejection.msBeforeNext / 1000)) : 60;
