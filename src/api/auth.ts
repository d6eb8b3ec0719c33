import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import { LruCache } from '../infrastructure/lru-cache.js';
import type { CustomerRole } from '../domain/customer/customer.js';
import { ForbiddenError, UnauthorizedError } from '../domain/shared/errors.js';
import type { AccountRoles, Standing } from './account-roles.js';
import { addressKey } from './client-address.js';
import { canonicalId } from './input/ids.js';

/**
 * Signed bearer tokens (HS256 JWT). The subject is the customer id; the role rides along
 * for the client's benefit only: what a request may do is decided by the account's
 * current role (AccountRoles), never by the token's claim. Expiry is required.
 */

/**
 * `expiresAt`: when the token it signed in with expires (ms since the epoch): what is held open on it (a live stream) ends then.
 * `issued`: when that token was issued and under what count of sign-outs: what is held open on it is let go once the account signs out everywhere since.
 */
export type Principal = { customerId: string; role: CustomerRole; expiresAt?: number; issued?: TokenIssue };

/** When a token was issued (ms) and, in a token of this version, the account's count of sign-outs then. */
export type TokenIssue = { issuedAt: number; signOuts?: number };

/** `signOuts`: the account's count of sign-outs everywhere when the token was issued (absent in tokens issued before it was counted). */
type Checked = { customerId: string; expiresAt: number; issuedAt: number; signOuts?: number };

const ISSUER = 'shop-backend';
const AUDIENCE = 'shop-api';

export class TokenIssuer {
  private readonly key: Uint8Array;
  /** Tokens already verified, until they expire: a client sends the same token with every request. */
  private readonly verified = new LruCache<string, Checked>(10_000);

  constructor(
    secret: string,
    private readonly ttlSeconds: number,
    /** The shop's clock (ms): a token's issue time is compared with its account's sign-out, recorded by the same clock. */
    private readonly now: () => number = Date.now,
  ) {
    this.key = new TextEncoder().encode(secret);
  }

  /**
   * `signOuts`: how many times the account was signed out everywhere as the state the token is
   * issued on says (a sign-in's, read before its password check): a sign-out or a new password saved
   * after that state makes the token dead, however the clocks read (claim `so`).
   */
  issue(principal: Principal, signOuts?: number): Promise<string> {
    // `iat` counts seconds: a sign-out needs the millisecond (a token signed in just after it lives).
    return new SignJWT({ role: principal.role, iat_ms: this.now(), ...(signOuts === undefined ? {} : { so: signOuts }) })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(principal.customerId)
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(`${this.ttlSeconds}s`)
      .sign(this.key);
  }

  /** The customer id a valid, unexpired token was issued to. */
  async verify(token: string): Promise<string> {
    return (await this.check(token)).customerId;
  }

  /** The customer id a valid, unexpired token was issued to, when it was issued and when it expires. */
  async check(token: string): Promise<Checked> {
    const known = this.verified.get(token);
    if (known && known.expiresAt > Date.now()) return known;
    try {
      const { payload } = await jwtVerify(token, this.key, {
        algorithms: ['HS256'],
        issuer: ISSUER,
        audience: AUDIENCE,
        requiredClaims: ['sub', 'exp'],
      });
      const customerId = typeof payload.sub === 'string' ? canonicalId(payload.sub) : undefined;
      if (customerId === undefined || typeof payload.exp !== 'number') throw new UnauthorizedError('malformed token');
      const issuedAt = typeof payload.iat_ms === 'number' ? payload.iat_ms : (payload.iat ?? 0) * 1000;
      const signOuts = typeof payload.so === 'number' ? { signOuts: payload.so } : {};
      const checked = { customerId, expiresAt: payload.exp * 1000, issuedAt, ...signOuts };
      this.verified.set(token, checked);
      return checked;
    } catch (error) {
      if (error instanceof joseErrors.JWTExpired) throw new UnauthorizedError('the token has expired');
      if (error instanceof UnauthorizedError) throw error;
      throw new UnauthorizedError('the token is not valid');
    }
  }
}

declare module 'express-serve-static-core' {
  interface Request {
    principal?: Principal;
    /** The body's bytes as received (JSON bodies under /api/v1): what a webhook's signature covers. */
    rawBody?: Buffer;
    /** How many names the body's objects hold, as its bytes read (countJsonNames): fewer once parsed, a name was given twice. */
    jsonNames?: number;
  }
}

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Reads the bearer token when there is one; a bad token is a 401 even on public routes.
 * The token must name an existing account, whose current role is the principal's.
 */
const BEARER = /^Bearer\s+(\S+)$/i;

/**
 * Who a request counts against for the per-client rate limit, before anything else is read:
 * the customer a valid token names (verified: a made-up token cannot pick another's count),
 * else the address. A bad token is counted by its address here and refused by authenticate.
 */
export const clientOf =
  (tokens: TokenIssuer) =>
  async (req: Request): Promise<string> => {
    const token = BEARER.exec(req.get('authorization') ?? '')?.[1];
    if (token !== undefined) {
      try {
        return `customer:${await tokens.verify(token)}`;
      } catch {
        // Counted by its address.
      }
    }
    return `address:${addressKey(req.ip ?? req.socket.remoteAddress ?? 'unknown')}`;
  };

export const authenticate =
  (tokens: TokenIssuer, accounts: AccountRoles): RequestHandler =>
  async (req: Request, _res: Response, next: NextFunction) => {
    const header = req.get('authorization');
    if (!header) return next();
    const match = BEARER.exec(header);
    if (!match) throw new UnauthorizedError('expected "Authorization: Bearer <token>"');
    const checked = await tokens.check(match[1]!);
    const { customerId, expiresAt, issuedAt, signOuts } = checked;
    // A write is refused from the moment the account's stream says it was erased (or demoted), in any process.
    const standing = await accounts.standingOf(customerId, { write: !READS.has(req.method) });
    if (!standing) throw new UnauthorizedError('the token names no account');
    // Signed out everywhere since this token was issued (a sign-out, a new password): it is dead, as an expired one.
    if (signedOutSince(checked, standing)) throw new UnauthorizedError('the token was signed out: sign in again');
    req.principal = { customerId, role: standing.role, expiresAt, issued: signOuts === undefined ? { issuedAt } : { issuedAt, signOuts } };
    next();
  };

/**
 * Whether the account was signed out everywhere after the token was issued: by the count of
 * sign-outs when both know it (a read model of an older version does not), else by the times
 * (tokens issued before the count: their issue time against the last sign-out's).
 */
export const signedOutSince = (token: TokenIssue, standing: Standing): boolean => {
  if (token.signOuts !== undefined && standing.signOuts !== undefined) return token.signOuts < standing.signOuts;
  return standing.signedOutAt !== undefined && token.issuedAt < Date.parse(standing.signedOutAt);
};

export const requireCustomer: RequestHandler = (req, _res, next) => {
  if (!req.principal) throw new UnauthorizedError('sign in first: this route needs a bearer token');
  next();
};

export const requireAdmin: RequestHandler = (req, _res, next) => {
  if (!req.principal) throw new UnauthorizedError('sign in first: this route needs a bearer token');
  if (req.principal.role !== 'admin') throw new ForbiddenError('this route is for admins');
  next();
};

/** The signed-in principal (routes behind requireCustomer / requireAdmin only). */
export const principalOf = (req: Request): Principal => {
  if (!req.principal) throw new UnauthorizedError('sign in first: this route needs a bearer token');
  return req.principal;
};
