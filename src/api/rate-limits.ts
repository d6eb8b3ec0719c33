import { createHmac } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import { RateLimiterRes } from 'rate-limiter-flexible';
import { TooManyRequestsError } from '../domain/shared/errors.js';
import { addressKey } from './client-address.js';
import { BatchedLimiter } from '../infrastructure/limits/batched-limiter.js';
import { MemoryLimitStore, type Limiter, type LimitStore } from '../infrastructure/limits/limit-store.js';
import type { PasswordGuesses } from '../infrastructure/security/password-guesses.js';

/**
 * Two limits, counted in the limit store every process of the shop shares (memory when a
 * test builds the app by hand):
 * - per client (the token's subject when signed in, else the address): generous, for abuse only;
 * - failed logins per account and client address, and per account (LoginThrottle, below):
 *   guessing one account's password is throttled, many shoppers behind one NAT signing in are
 *   not, and nobody locks another's account by failing on purpose.
 */

/**
 * Requests per client per minute. It runs on every request, so it takes a client's points
 * from the store in batches of 1% of the limit (at 3000 a minute, one store write per 30
 * requests of a client; none for a client already refused); limits under 200 a minute are
 * counted in the store request by request.
 */
export class ClientRateLimit {
  private readonly limiter: BatchedLimiter | undefined;

  /** `perMinute` 0 turns the limit off. */
  constructor(perMinute: number, limits: LimitStore = new MemoryLimitStore()) {
    if (perMinute === 0) return;
    const store = limits.limiter({ keyPrefix: 'client', points: perMinute, duration: 60 });
    this.limiter = new BatchedLimiter(store, perMinute, Math.max(1, Math.floor(perMinute / 100)));
  }

  /**
   * Counts every request, first of all: one refused later (malformed JSON, a bad token, a
   * body too large) counts as one answered does, and past the limit none is read further.
   * `clientOf` names the client: the subject of a valid token, else the address.
   */
  middleware(clientOf: (req: Request) => Promise<string>): RequestHandler {
    const limiter = this.limiter;
    if (!limiter) return (_req, _res, next) => next();
    return async (req, res, next) => {
      const allowance = await limiter.consume(await clientOf(req));
      if (!allowance.allowed) throw new TooManyRequestsError('too many requests from this client', seconds(allowance.msBeforeNext));
      res.set('RateLimit-Remaining', String(allowance.remaining));
      next();
    };
  }
}

/**
 * Password checks per client address (sign-ins and registrations): each hashes a password,
 * tens of milliseconds of a core on the shop's thread pool, so one client sending them as
 * fast as the general limit lets it queued everyone's sign-in behind its own (a probe's 32 at
 * a time took a real one from 145 ms to 6.4 s). Counted before the hash, whatever its outcome.
 * `perMinute` 0 turns it off.
 */
export class CredentialRateLimit {
  private readonly limiter: Limiter | undefined;

  constructor(perMinute: number, limits: LimitStore = new MemoryLimitStore()) {
    if (perMinute > 0) this.limiter = limits.limiter({ keyPrefix: 'credentials', points: perMinute, duration: 60 });
  }

  /** Takes one of the address's password checks, or throws 429 with Retry-After when none is left this minute. */
  async attempt(address: string): Promise<void> {
    if (!this.limiter) return;
    try {
      await this.limiter.consume(addressKey(address));
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) throw rejection;
      throw new TooManyRequestsError('too many failed sign-ins and registrations from this address; try again later', seconds(rejection.msBeforeNext));
    }
  }

  /**
   * A sign-in with the right password gives its check back: many customers signing in from one
   * address (an office, a carrier's NAT) are not throttled (API.md), while a flood of guesses,
   * which all fail, is.
   */
  async succeeded(address: string): Promise<void> {
    await this.limiter?.reward(addressKey(address), 1);
  }
}

/**
 * Failed password checks of an account (its customer id; an email no account has is counted
 * under the email), counted twice, under pseudonyms (an HMAC with `pseudonymKey`), never the
 * account or the email itself: the limit store (limits.db, a MongoDB collection) holds no address (issue
 * 17). Every process of a shop must be given the same key.
 * - per account AND client address, `maxFailures` (LOGIN_MAX_FAILURES): one client guessing is
 *   stopped after a few, and stopping it does not lock the account's owner out (was: counted per
 *   account alone, anyone knowing the address kept the account locked with 5 requests in 15 minutes);
 * - per account from every address, `accountMaxFailures` (LOGIN_ACCOUNT_MAX_FAILURES, 100 by
 *   default): guesses spread over many addresses. This one can still be filled by whoever has
 *   enough addresses: the owner's way back is a password reset, which clears it.
 */
export class LoginThrottle {
  private readonly fromAddress: Limiter;
  private readonly fromAnywhere: Limiter;

  constructor(
    maxFailures: number,
    lockoutSeconds: number,
    limits: LimitStore = new MemoryLimitStore(),
    private readonly pseudonymKey = 'login-throttle',
    accountMaxFailures = maxFailures * 20,
  ) {
    const window = { duration: lockoutSeconds, blockDuration: lockoutSeconds };
    this.fromAddress = limits.limiter({ keyPrefix: 'login-address', points: maxFailures, ...window });
    this.fromAnywhere = limits.limiter({ keyPrefix: 'login', points: accountMaxFailures, ...window });
  }

  private keyOf(account: string): string {
    return createHmac('sha256', this.pseudonymKey).update(account).digest('base64url');
  }

  private pairOf(account: string, address: string): string {
    return createHmac('sha256', this.pseudonymKey).update(`${account}\n${addressKey(address)}`).digest('base64url');
  }

  /**
   * Takes one of the account's attempts from this address, and one of its attempts from
   * anywhere, before its password is checked, or throws 429 when either is spent. Taken before,
   * not counted after a failure: guesses sent at once would otherwise all pass the check
   * before the first failure is counted.
   */
  async attempt(account: string, address: string): Promise<void> {
    try {
      await this.fromAddress.consume(this.pairOf(account, address));
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) throw rejection;
      throw new TooManyRequestsError('too many failed sign-ins for this account from this address; try again later', seconds(rejection.msBeforeNext));
    }
    try {
      await this.fromAnywhere.consume(this.keyOf(account));
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) throw rejection;
      await this.fromAddress.reward(this.pairOf(account, address), 1);
      throw new TooManyRequestsError('too many failed sign-ins for this account; try again later, or reset the password', seconds(rejection.msBeforeNext));
    }
  }

  /** An attempt whose password could not be checked (the store failed) is given back: it guessed nothing. */
  async unchecked(account: string, address: string): Promise<void> {
    await this.fromAddress.reward(this.pairOf(account, address), 1);
    await this.fromAnywhere.reward(this.keyOf(account), 1);
  }

  /** The account is gone (erased): nothing is kept under it (the counts per client address expire on their own, and a new account of its email has an id of its own). */
  async forget(account: string): Promise<void> {
    await this.fromAnywhere.delete(this.keyOf(account));
  }

  /** A right password (or a reset through the emailed link) gives the attempts back. */
  async succeeded(account: string, address: string): Promise<void> {
    await this.fromAddress.delete(this.pairOf(account, address));
    await this.fromAnywhere.delete(this.keyOf(account));
  }

  /** The checks of one client address, for a route that checks a signed-in customer's password again. */
  from(address: string): PasswordGuesses {
    return { attempt: (account) => this.attempt(account, address), succeeded: (account) => this.succeeded(account, address) };
  }
}

const seconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000));
