import { isUtf8 } from 'node:buffer';
import type * as http from 'node:http';
import express, { type RequestHandler } from 'express';
import { authenticate, clientOf } from './auth.js';
import { noStoreByDefault } from './caching.js';
import type { AppDeps } from './deps.js';
import { boundedJsonBodies, checkJsonBytes } from './input/json-shape.js';
import { requestObservation } from './observability.js';
import { series } from './middleware-series.js';
import { mount, serveThrough, type ChainedApp } from './request-chain.js';
import { crossOrigin } from './cross-origin.js';
import { ValidationError } from '../domain/shared/errors.js';
import { BODY_LIMIT } from './client-errors.js';
import { errorHandler, notFoundRoute, NOT_UTF8, problem, sendProblem, unreadableRequest } from './problems.js';
import { routeDispatch, routerOf } from './openapi/route-table.js';
import { ROUTE_TABLE } from './routes/index.js';
import { webPages } from '../web/pages.js';

/** The HTTP edge: gateway concerns first, then every context's routes under /api/v1, as one chain (request-chain.ts). */
export const createApp = (deps: AppDeps): ChainedApp => {
  const app = express();
  app.disable('x-powered-by');
  // ETags here are stream revisions, set by the routes; express's body hashes would only cost.
  app.set('etag', false);
  app.set('trust proxy', deps.config.trustProxy);
  app.set('query parser', 'simple');

  // The root routes (health, metrics, the contract) in the same stage as the gateway's first concerns.
  const root = ROUTE_TABLE.filter((g) => g.edge === 'root');
  // The API and the operations routes answer the paths the document lists, as written, and no
  // variant of them (`/API/V1/...`, `/health/`): API.md's unknown route is 404 (route-dispatch.ts).
  const strict = { strict: true };
  const api = routeDispatch(ROUTE_TABLE.filter((g) => g.edge === 'api'), deps, strict);
  return serveThrough(app, {
    stages: [
      series(requestObservation(deps.logger, deps.metrics), noSniffing, crossOrigin(deps.config.corsOrigins), routeDispatch(root.filter((g) => !g.prefix), deps, strict)),
      // A root group under a prefix keeps a router there: the docs serve static files by req.url under it.
      ...root.filter((g) => g.prefix).map((group) => mount(group.prefix, routerOf(group, deps))),
      // The gateway, in this order, then the API's routes.
      mount(
        '/api/v1',
        series(
          oversizedBodiesUnread,
          // Every request counts, those refused below included, and past the limit none is read further.
          deps.clientLimit.middleware(clientOf(deps.tokens)),
          // An unknown route is 404 (API.md), whatever its query, body or token would have been told.
          api.knownOnly(notFoundRoute),
          readableQuery,
          utf8BodiesOnly,
          declaredTooLarge,
          // The bytes are kept beside the parsed body (no copy): a webhook's signature covers them, not a re-serialisation.
          // Not strict: `null`, `5` or `"x"` are JSON, refused by the routes as `[]` is (not an object), not as malformed.
          express.json({ limit: BODY_LIMIT, strict: false, type: JSON_TYPE, verify: keepUtf8Bytes }),
          noStoreByDefault,
          boundedJsonBodies,
          jsonBodiesOnly,
          noQueryOnWrites,
          authenticate(deps.tokens, deps.accounts),
          deps.idempotency.middleware(),
          deps.sessions.middleware(),
          api,
        ),
        { sensitive: true },
      ),
      // The storefront at / and the console at /console (web/, built into dist/web).
      webPages(),
    ],
    notFound: notFoundRoute,
    onError: errorHandler(deps.logger),
  });
};

/** Every answer is read as the type it says (JSON, problem+json, text, an event stream), never sniffed by a browser into HTML or script. */
const noSniffing: RequestHandler = (_req, res, next) => {
  res.setHeader('X-Content-Type-Options', 'nosniff');
  next();
};

/**
 * The one media type the document lists for bodies. `application/*+json` is not taken: a
 * `merge-patch+json` or vendor type has its own meaning, which no route implements, so it is
 * refused (415) rather than read as plain JSON. type-is compares the type case-insensitively
 * (RFC 9110 §8.3.1) and leaves parameters to utf8BodiesOnly.
 */
const JSON_TYPE = 'application/json';

/**
 * Keeps a JSON body's bytes beside it, once they are known to be UTF-8. Decoded as they came,
 * bytes that are not would each become U+FFFD: stored so, and two passwords that differ only
 * there would sign in as one. Such a body is refused (400 `unreadable-request`) as a URL that
 * does not percent-decode is.
 */
const keepUtf8Bytes = (req: http.IncomingMessage, _res: http.ServerResponse, bytes: Buffer): void => {
  if (!isUtf8(bytes)) throw Object.assign(new Error('the request body is not valid UTF-8'), { type: NOT_UTF8 });
  // Before JSON.parse: a body of a few hundred thousand tiny values costs its parse and walk to refuse.
  (req as express.Request).jsonNames = checkJsonBytes(bytes);
  (req as express.Request).rawBody = bytes;
};

/**
 * A body whose Content-Length says it is over the limit is never read, whatever the answer:
 * 413 (declaredTooLarge), or a refusal before that check (429 past the limit, 400 for a query
 * that does not decode, 415 for a charset). Each closes the connection, and what the client
 * still sends meanwhile is read and dropped for 5 s at most, so that closing with bytes unread
 * does not reset the connection under the answer. Kept open, a refused connection read on
 * (a probe: 4.5 GB in 8 s after a 429).
 */
const oversizedBodiesUnread: RequestHandler = (req, res, next) => {
  if (!(Number(req.get('content-length')) > BODY_LIMIT)) return next();
  res.set('Connection', 'close');
  const cut = setTimeout(() => req.socket.destroy(), 5_000);
  req.socket.once('close', () => clearTimeout(cut));
  res.once('finish', () => req.resume());
  next();
};

/**
 * Such a body is refused at once (413), not once it has all come in: body-parser reads a body
 * it refuses to its end first (a 150 MB upload took its whole time to send to be told).
 */
const declaredTooLarge: RequestHandler = (req, res, next) => {
  if (!(Number(req.get('content-length')) > BODY_LIMIT)) return next();
  sendProblem(res, problem(413, 'payload-too-large', 'The request body is larger than 1 MiB.'));
};

/** A body that is there but is not JSON would otherwise reach the routes as "no body". */
const jsonBodiesOnly: RequestHandler = (req, res, next) => {
  const hasBody = Number(req.get('content-length') ?? 0) > 0 || req.get('transfer-encoding') !== undefined;
  if (hasBody && !req.is(JSON_TYPE)) {
    return sendProblem(res, problem(415, 'unsupported-media-type', 'Send the request body as application/json.'));
  }
  next();
};

/**
 * JSON travels as UTF-8 (RFC 8259 §8.1): a body whose Content-Type names another charset is
 * refused (415), as latin1 was. body-parser decoded any `utf-*` (UTF-16 and UTF-7 went
 * through, UTF-16BE and UTF-32 were "not JSON") yet refused `utf8`, the alias many clients
 * send, which is read here as what it means.
 */
const utf8BodiesOnly: RequestHandler = (req, res, next) => {
  const type = req.headers['content-type'];
  const charset = type === undefined ? undefined : CHARSET.exec(type)?.[1]?.toLowerCase();
  if (charset === undefined || charset === 'utf-8') return next();
  if (charset !== 'utf8') return sendProblem(res, problem(415, 'unsupported-charset', 'Send the request body as UTF-8 (charset=utf-8, or none).'));
  req.headers['content-type'] = type!.replace(CHARSET, '; charset=utf-8');
  next();
};

const CHARSET = /;\s*charset\s*=\s*"?([^";\s]*)"?/i;

/**
 * A query string that does not percent-decode (`?q=%ff`) is refused as such a path is: node's
 * querystring would read it as U+FFFD and search for that.
 */
const readableQuery: RequestHandler = (req, res, next) => {
  const at = req.originalUrl.indexOf('?');
  if (at < 0) return next();
  try {
    for (const part of req.originalUrl.slice(at + 1).split(/[&=]/)) decodeURIComponent(part.replace(/\+/g, ' '));
  } catch {
    return sendProblem(res, unreadableRequest());
  }
  next();
};

/**
 * Writes read no query string. One sent with a write (`?dryRun=true`) would be ignored while
 * the write goes ahead, so it is refused like any field the route does not take.
 */
const noQueryOnWrites: RequestHandler = (req, _res, next) => {
  if (req.method === 'GET' || req.method === 'HEAD') return next();
  const fields = Object.keys(req.query ?? {});
  if (fields.length > 0) throw new ValidationError('this route reads no query string', fields.map((field) => ({ field, message: 'should not exist' })));
  next();
};
