import cors from 'cors';
import type { RequestHandler } from 'express';

/** Headers a browser client sends and reads beyond the simple ones. */
const REQUEST_HEADERS = ['Authorization', 'Content-Type', 'If-Match', 'If-None-Match', 'Idempotency-Key', 'X-Request-Id', 'X-Min-Position', 'Last-Event-ID'];
export const RESPONSE_HEADERS = ['ETag', 'Location', 'X-Request-Id', 'X-Position', 'Idempotent-Replayed', 'Retry-After', 'RateLimit-Remaining', 'WWW-Authenticate'];

/**
 * CORS for browser clients on the origins configured (CORS_ORIGINS; none by default).
 * Preflights are answered here, before authentication: a browser never sends credentials
 * with them. An origin not on the list gets no Access-Control-Allow-Origin, so its page
 * cannot read the answer. Tokens travel in a header, never cookies: no credentials mode.
 * Preflights go to the cors package; every other request gets here the very headers it would
 * set (Allow-Origin for an origin on the list, `Vary: Origin` unless any origin is allowed,
 * Expose-Headers), without its per-request copies of the options.
 */
export const crossOrigin = (origins: string[]): RequestHandler => {
  const any = origins.includes('*');
  const preflight = cors({
    origin: any ? '*' : origins,
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowedHeaders: REQUEST_HEADERS,
    exposedHeaders: RESPONSE_HEADERS,
    maxAge: 600,
    optionsSuccessStatus: 204,
  });
  const exposed = RESPONSE_HEADERS.join(',');
  return (req, res, next) => {
    if (req.method === 'OPTIONS') return preflight(req, res, next);
    const origin = req.headers.origin;
    if (any) res.setHeader('Access-Control-Allow-Origin', '*');
    else {
      if (origin !== undefined && origins.includes(origin)) res.setHeader('Access-Control-Allow-Origin', origin);
      res.vary('Origin');
    }
    res.setHeader('Access-Control-Expose-Headers', exposed);
    next();
  };
};
