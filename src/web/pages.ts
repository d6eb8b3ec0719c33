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

/**
 * Scripts and styles only from this origin; no frames; the API is the same origin. No
 * 'unsafe-inline' anywhere: the build emits no inline script or style, and the pages set
 * their few computed styles through the CSSOM (element.style), which the policy does not govern.
 */
const POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "frame-ancestors 'none'",
  "form-action 'self'",
].join('; ');

/** On the pages and on their scripts and styles alike (nosniff matters most on the assets). */
const securityHeaders: RequestHandler = (_req, res, next) => {
  res.set({
    'Content-Security-Policy': POLICY,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'X-Frame-Options': 'DENY',
    'Cross-Origin-Opener-Policy': 'same-origin',
  });
  next();
};

/**
 * Source maps are built (dist/web/assets/*.map, for whoever debugs on the server) but not
 * referenced by the bundles (`sourcemap: 'hidden'`) nor handed out: the pages' readable
 * sources, comments included, are no business of a visitor's.
 */
const SOURCE_MAP = /\.map$/i;

export const webPages = (root: string = WEB_ROOT): Router => {
  const router = express.Router();
  const built = existsSync(join(root, 'index.html'));
  const assets = express.static(join(root, 'assets'), { immutable: true, maxAge: '365d', index: false, redirect: false, dotfiles: 'ignore', fallthrough: true });
  // Hashed file names: a build never changes a file in place, so they are cached for good.
  // Anything else under /assets is a 404 (never the page: a missing script is not a route of the app).
  router.use('/assets', securityHeaders, (req, res, next) => (SOURCE_MAP.test(req.path) ? next() : assets(req, res, next)), (req, res) =>
    sendProblem(res, problem(404, 'not-found', `No asset at ${req.originalUrl.split('?')[0]}.`)),
  );
  // A middleware, not a route: the pages are not operations of the API contract.
  router.use((req, res, next) => {
    if ((req.method !== 'GET' && req.method !== 'HEAD') || NOT_PAGES.test(req.path) || !wantsPage(req.get('accept'))) return next();
    if (!built) return sendProblem(res, problem(503, 'pages-not-built', 'The web pages are not built: run `npm run build`.'));
    const isConsole = req.path === '/console' || req.path.startsWith('/console/');
    const page = isConsole ? join(root, 'console', 'index.html') : join(root, 'index.html');
    securityHeaders(req, res, () => undefined);
    // The same address answers JSON to API clients (a 404): caches keep the two apart.
    res.vary('Accept');
    // The storefront is always asked again (a new build's index names new asset files) and answered
    // 304 while unchanged. The console is the operator's: never stored, by a shared cache or any other.
    res.set('Cache-Control', isConsole ? 'no-store' : 'no-cache');
    res.sendFile(page, { etag: true, lastModified: true, cacheControl: false });
  });
  return router;
};

/** A browser's navigation asks for HTML first; an API client asks for JSON or anything. */
const wantsPage = (accept: string | undefined): boolean => accept !== undefined && /\btext\/html\b/.test(accept);
