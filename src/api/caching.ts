import { hash } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';

/**
 * Gateway caching (seed 003: the gateway handles "authentication, rate limiting, caching").
 * - What anyone may read the same way (the catalog, search, reviews, recommendations for a
 *   product: the routes marked `cache: 'public'`) is answered, to a caller not signed in, with
 *   an ETag and `Cache-Control: public, max-age=CACHE_MAX_AGE_S`; a request whose
 *   If-None-Match names that ETag gets 304 and no body. Shared caches (a CDN, a proxy) may keep
 *   these answers for that long; `Vary: Authorization` keeps a signed-in caller's apart.
 * - Everything else under /api/v1 is `no-store`, and `private, no-store` when the request is
 *   signed in (an Authorization header): a customer's cart or orders never sit in a cache.
 * - Problems are `no-store` wherever they are answered (../problems.ts).
 * The cacheable answer's ETag is a hash of the answer (weak: another serialisation of the same
 * JSON would be the same answer). Not the revision a product or review answers to a signed-in
 * caller (what its If-Match takes): a product's availability and rating change without its
 * revision, and a 304 must not confirm a stale count.
 */

export const NO_STORE = 'no-store';
export const PRIVATE_NO_STORE = 'private, no-store';
export const publicMaxAge = (maxAgeS: number) => `public, max-age=${maxAgeS}`;

const signedIn = (req: Request) => req.get('authorization') !== undefined;

/** The default of every /api/v1 answer: not stored. */
export const noStoreByDefault: RequestHandler = (req, res, next) => {
  res.set('Cache-Control', signedIn(req) ? PRIVATE_NO_STORE : NO_STORE);
  next();
};

/** For a public route: its 200 answers to anonymous callers are cacheable and revalidated by ETag. */
export const publicCache =
  (maxAgeS: number): RequestHandler =>
  (req, res, next) => {
    res.vary('Authorization');
    if (signedIn(req)) return next();
    const json = res.json.bind(res);
    res.json = (body: unknown) => {
      if (res.statusCode !== 200) return json(body);
      // Serialised once, for the hash and the answer (res.json would serialise it again).
      const text = JSON.stringify(body) as string | undefined;
      const etag = etagOf(text ?? '');
      res.set('ETag', etag);
      res.set('Cache-Control', publicMaxAge(maxAgeS));
      if (matches(req.get('if-none-match'), etag)) return notModified(res);
      if (text === undefined) return json(body);
      // What res.json does with the text it makes (this wrapper is the only one on a read).
      if (!res.get('Content-Type')) res.set('Content-Type', 'application/json');
      return res.send(text);
    };
    next();
  };

export const notModified = (res: Response): Response => {
  res.removeHeader('Content-Type');
  res.status(304).end();
  return res;
};

/** A weak ETag of a JSON answer: a hash of the JSON it is sent as. */
export const hashEtag = (body: unknown): string => etagOf(JSON.stringify(body) ?? '');

export const etagOf = (json: string): string => `W/"${hash('sha256', json, 'base64url').slice(0, 27)}"`;

/**
 * If-None-Match against the current ETag (RFC 9110 §13.1.2): `*` matches any answer; else a
 * comma-separated list of entity tags compared weakly (`W/"x"` and `"x"` are one tag).
 */
export const matches = (header: string | undefined, etag: string): boolean => {
  if (header === undefined) return false;
  if (header.trim() === '*') return true;
  const current = opaque(etag);
  return (header.match(/(?:W\/)?"[^"]*"/g) ?? []).some((tag) => opaque(tag) === current);
};

const opaque = (tag: string) => tag.trim().replace(/^W\//, '');
