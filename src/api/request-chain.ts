import type { ErrorRequestHandler, Express, NextFunction, Request, RequestHandler, Response } from 'express';
import { createServer, IncomingMessage, ServerResponse, type Server } from 'node:http';
import { hostRequired } from './client-errors.js';
import { match } from 'path-to-regexp';
import { oneAtATime } from './http-pipelining.js';
import { isThenable, runHandler as call } from './middleware-series.js';

/**
 * The app's requests run through ONE fixed chain held here, not through express's router.
 * Express hands every request to its router, which sets up its bookkeeping for it (closures,
 * the properties it saves and restores, the OPTIONS answer) and walks its layers, each matched
 * against the path with its own result objects: for the app's five layers, about a fifth of
 * what a product read allocated, and 7-8% of its server CPU (interleaved pairs, the router's
 * walk against this chain). The app's stages are known when it is made, so they run here in
 * order with the contract the router gave its layers:
 * - `next()` (or `next('route')`) runs the following stage;
 * - `next(error)`, a throw or a rejected promise goes to the error handler, which every later
 *   stage is skipped for; `next('router')` leaves the app: the 404;
 * - a stage mounted at a prefix (mount()) runs for paths under it as `app.use(prefix, ...)`
 *   ran it: `req.url` without the prefix, `req.baseUrl` with it, both restored when it passes on;
 * - `req.next` is the chain's `next` (a route that answers later hands its failure to it).
 * Everything else of express (its request and response, its settings) is as it was.
 */

export type Stage = RequestHandler & { readonly prefix?: string; readonly mounted?: RequestHandler };

export type Chain = {
  /** Run in order for every request. */
  stages: readonly Stage[];
  /** What answers a request that no stage answered (or one that left with `next('router')`). */
  notFound: RequestHandler;
  /** Every error of a stage (and of `notFound`). */
  onError: ErrorRequestHandler;
};

/** The app, whose requests now run through `chain` (it can no longer take middlewares with app.use). */
export type ChainedApp = Express & { readonly chain: Chain };

export const serveThrough = (app: Express, chain: Chain): ChainedApp => {
  const { stages, notFound, onError } = chain;
  const handle = (req: Request, res: Response, callback?: NextFunction): void => {
    // What express's app.handle does before its router: the two objects linked, its prototypes, locals.
    if (app.enabled('x-powered-by')) res.setHeader('X-Powered-By', 'Express');
    req.res = res;
    res.req = req;
    // (A request of the app's own server (serverFor) has them from its class: setting a prototype costs.)
    if (!app.request.isPrototypeOf(req)) Object.setPrototypeOf(req, app.request);
    if (!app.response.isPrototypeOf(res)) Object.setPrototypeOf(res, app.response);
    if (!res.locals) res.locals = Object.create(null) as Response['locals'];
    // What the router sets up: the request's base URL and original URL, parameters (none at the root),
    // put back for a caller whose own next goes on (the app mounted in another).
    const parent = callback && { baseUrl: req.baseUrl, next: req.next, params: req.params };
    req.originalUrl = req.originalUrl || req.url;
    req.baseUrl = '';
    req.params = {};
    let index = 0;
    let failed = false;
    // The end of the chain: a caller's own next (the app mounted in another), else ours.
    const end = (error?: unknown) => {
      if (!callback) return unhandled(req, res, error);
      Object.assign(req, parent);
      callback(error);
    };
    const fail = (error: unknown) => {
      // A throw of nothing goes on, as the router took it (next(undefined)).
      if (!error) return next();
      if (failed) return end(error);
      failed = true;
      try {
        const result: unknown = onError(error, req, res, end);
        if (isThenable(result)) result.then(undefined, (rejection: unknown) => end(rejection || new Error('Rejected promise')));
      } catch (thrown) {
        end(thrown);
      }
    };
    const next: NextFunction = (error?: unknown) => {
      if (error && error !== 'route') return error === 'router' ? call(notFound, req, res, end, fail) : fail(error);
      const stage = stages[index++];
      if (stage) call(stage, req, res, next, fail);
      else if (index === stages.length + 1) call(notFound, req, res, end, fail);
      else end();
    };
    req.next = next;
    next();
  };
  // express's app function calls app.handle for every request; middlewares or routes added
  // to its router now would never run, so adding them fails loudly (app.get(setting) still reads a setting).
  const refuse = () => {
    throw new Error("This app's requests run through its chain (src/api/request-chain.ts): add a stage there.");
  };
  for (const [name, value] of [['handle', handle], ['use', refuse], ['route', refuse]] as const) Object.defineProperty(app, name, { value });
  return Object.assign(app, { chain });
};

/**
 * The app's HTTP server (what app.listen would make), whose requests and responses are made
 * with express's request and response prototypes already theirs. Express sets them on every
 * request and response it is given (Object.setPrototypeOf), which costs: about 11 µs per
 * object on this machine (node 20), and the objects no longer share a hidden class (each gets
 * its own), so every later property read on them misses V8's inline caches. Measured on the
 * shop: a product read's server CPU went from 260-360 µs to 110-130, a cart command's from
 * 470-520 to 345-360 (interleaved pairs). app.listen and supertest's servers still work: the
 * chain sets the prototypes of requests that do not have them. Pipelined requests are handled
 * one at a time (see oneAtATime).
 */
export const serverFor = (app: ChainedApp, timeouts: RequestTimeouts = REQUEST_TIMEOUTS): Server => {
  class AppRequest extends IncomingMessage {}
  Object.setPrototypeOf(AppRequest.prototype, app.request);
  class AppResponse extends ServerResponse {}
  Object.setPrototypeOf(AppResponse.prototype, app.response);
  // Host is checked in the chain (hostRequired): node's own check answers without a body.
  return createServer({ IncomingMessage: AppRequest, ServerResponse: AppResponse, requireHostHeader: false, ...timeouts }, oneAtATime<IncomingMessage, ServerResponse>(hostRequired<IncomingMessage, ServerResponse>(app)));
};

export type RequestTimeouts = { headersTimeout: number; requestTimeout: number; connectionsCheckingInterval: number };

/**
 * How long a client may take to send a request: its headers within 20 s, all of it (a body of
 * at most 1 MiB) within 30 s, checked every 5 s; then Node answers 408 and closes. Node's own
 * 60 s and 5 minutes (checked every 30 s) let a client dripping a body a byte at a time hold a
 * connection for 5 minutes (a probe's). An answer being streamed (an order's events) is not a
 * request being received: these do not end it.
 */
export const REQUEST_TIMEOUTS: RequestTimeouts = { headersTimeout: 20_000, requestTimeout: 30_000, connectionsCheckingInterval: 5_000 };

/** What is left when even the error handler passed an error on (or failed): the connection closed, or a bare 500. */
const unhandled = (req: Request, res: Response, error: unknown): void => {
  if (res.headersSent) {
    req.socket.destroy();
    return;
  }
  const status = error ? 500 : 404;
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/problem+json');
  res.setHeader('Cache-Control', 'no-store');
  res.end(JSON.stringify({ type: 'about:blank', title: status === 500 ? 'Internal Server Error' : 'Not Found', status }));
};

/**
 * `handler` for the requests whose path is under `prefix`, as `app.use(prefix, handler)` runs
 * it (express's router: path-to-regexp, not case-sensitive, the prefix ending at a `/` or at
 * the path's end, a trailing slash of its own optional): `req.url` without the prefix (`/`
 * when nothing is left), `req.baseUrl` with it as the path spelled it, both put back when
 * the handler passes on or fails. Other requests go on untouched. `sensitive`: the prefix
 * only in its own case (`/API/V1` is not `/api/v1`), as express's `caseSensitive` router.
 */
export const mount = (prefix: string, handler: RequestHandler, { sensitive = false }: { sensitive?: boolean } = {}): Stage => {
  const literal = prefix.replace(/\/+$/, '');
  if (literal === '') throw new TypeError('mount() takes a prefix; a stage for every path is the handler itself');
  // The match starts at the path's start and ends at a `/` or the path's end (path-to-regexp's lookahead).
  const under = match(literal, { sensitive, end: false, trailing: true });
  const mounted: RequestHandler = (req, res, next) => {
    const found = under(req.path);
    if (!found) return next();
    const removed = found.path;
    const parentUrl = req.baseUrl;
    const protohost = protohostOf(req.url);
    req.url = protohost + req.url.slice(protohost.length + removed.length);
    const slashAdded = !protohost && req.url[0] !== '/';
    if (slashAdded) req.url = `/${req.url}`;
    req.baseUrl = parentUrl + (removed.endsWith('/') ? removed.slice(0, -1) : removed);
    // req.next, while the handler holds the request, also puts the URLs back first (the router's next did).
    const parentNext = req.next;
    let restored = false;
    const back = (error?: unknown) => {
      if (restored) return next(error);
      restored = true;
      let url = req.url;
      if (slashAdded && (url === '/' || url.startsWith('/?') || (removed.endsWith('/') && url[0] === '/'))) url = url.slice(1);
      req.baseUrl = parentUrl;
      req.url = protohost + removed + url.slice(protohost.length);
      if (req.next === back) req.next = parentNext;
      next(error);
    };
    req.next = back;
    call(handler, req, res, back, back);
  };
  return Object.assign(mounted, { prefix, mounted: handler });
};

/** `http://host` of an absolute-form request target (`GET http://host/path`), as express's router reads it; '' otherwise. */
const protohostOf = (url: string): string => {
  if (url.length === 0 || url[0] === '/') return '';
  const query = url.indexOf('?');
  const scheme = url.slice(0, query === -1 ? url.length : query).indexOf('://');
  return scheme === -1 ? '' : url.substring(0, url.indexOf('/', 3 + scheme));
};
