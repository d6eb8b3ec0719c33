import express, { type RequestHandler, type Router } from 'express';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { problem, sendProblem } from '../api/problems.js';

/**
 * The shop's pages, built from web/ by `npm run build` into dist/web: the storefront at `/`
 * and the operator console at `/console`, served by the same app as the API. Their scripts
 * talk to the API only through the documented contract; this only hands out the files.
 *
 * A page's own paths (`/products/…`, `/console/orders/…`) are the app's routes in the
 * browser: a browser asking for one (Accept: text/html) gets the app's index.html, which
 * then draws the page. Anything else not found stays a problem+json 404, so an API client
 * never receives HTML.
 */

/** dist/web beside dist/src/web, where this file is compiled to. */
export const WEB_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'web');

/** Paths the pages never own: the API and the operations routes answer (or 404) as JSON. */
const NOT_PAGES = /^\/(api|docs|openapi\.json|health|ready|metrics)(\/|$)/;

/** Scripts and styles only from this origin; no frames; the API is the same origin. */
const POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "frame-ancestors 'none'",
  "form-action 'self'",
].join('; ');

const securityHeaders: RequestHandler = (_req, res, next) => {
  res.set({ 'Content-Security-Policy': POLICY, 'X-Content-Type-Options': 'nosniff', 'Referrer-Policy': 'no-referrer', 'X-Frame-Options': 'DENY' });
  next();
};

export const webPages = (root: string = WEB_ROOT): Router => {
  const router = express.Router();
  const built = existsSync(join(root, 'index.html'));
  // Hashed file names: a build never changes a file in place, so they are cached for good.
  router.use('/assets', express.static(join(root, 'assets'), { immutable: true, maxAge: '365d', index: false, fallthrough: true }));
  // A middleware, not a route: the pages are not operations of the API contract.
  router.use((req, res, next) => {
    if ((req.method !== 'GET' && req.method !== 'HEAD') || NOT_PAGES.test(req.path) || !wantsPage(req.get('accept'))) return next();
    if (!built) return sendProblem(res, problem(503, 'pages-not-built', 'The web pages are not built: run `npm run build`.'));
    const page = req.path === '/console' || req.path.startsWith('/console/') ? join(root, 'console', 'index.html') : join(root, 'index.html');
    securityHeaders(req, res, () => undefined);
    // Always asked again (a new build's index names new asset files), answered 304 while unchanged.
    res.set('Cache-Control', 'no-cache');
    res.sendFile(page, { etag: true, lastModified: true, cacheControl: false });
  });
  return router;
};

/** A browser's navigation asks for HTML first; an API client asks for JSON or anything. */
const wantsPage = (accept: string | undefined): boolean => accept !== undefined && /\btext\/html\b/.test(accept);
