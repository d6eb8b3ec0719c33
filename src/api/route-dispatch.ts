import type { Request, RequestHandler } from 'express';
import { match, type MatchFunction } from 'path-to-regexp';
import { series } from './middleware-series.js';

/**
 * A table's routes as ONE middleware that finds the request's route by its path's first
 * segment, instead of one layer per route that express's router walks in turn (a product
 * read was the 16th route of the API, a cart write the 29th: each layer tried costs its
 * path match and the router's bookkeeping around it, about a tenth of a read's CPU in all).
 *
 * The routes of one first segment (and those whose first segment is a parameter) are tried
 * in table order, each matched as express's router matches it (path-to-regexp, the library
 * it uses, with its options: case-insensitive, one trailing slash optional, parameters
 * percent-decoded, a parameter that does not decode is a 400 error), so a request gets the
 * route it got before:
 * - the first route in table order whose path matches and whose method is the request's
 *   (HEAD is answered by the GET route);
 * - a path that matches no route, or none of its method, goes on to what follows (the 404);
 * - a parameter that does not percent-decode, in a route whose path matches, is an error
 *   with status 400, whatever the method, as it was.
 * The route's handlers run one after the other (series): `next()` from the last one goes
 * on past the whole table, not to a later route of it (no route of ours does that).
 *
 * `strict`: the paths the document lists and no others, for the API and the operations
 * routes (an unknown route is 404, API.md): case-sensitive, and no trailing slash
 * (`/products/` and `/PRODUCTS` are 404). A route's own trailing slash (`/cart` + `/`) is
 * dropped, as the document drops it. The docs page keeps express's loose matching: it is
 * served at `/docs/`.
 */

export type DispatchedRoute = {
  /** Upper case, as `req.method`. */
  method: string;
  /** The express path (`/products/:id`). */
  path: string;
  handlers: RequestHandler[];
};

/**
 * The middleware, with the routes it serves (method and path, in table order) for those who
 * list them, and `knownOnly`: a middleware for the front of a chain that finds the request's
 * route before anything reads its body or query, and answers a request for none with
 * `notFound` (an unknown route is 404, not a 400 or 415 about what was sent to it). The
 * dispatcher then runs the route found there without matching again.
 */
export type Dispatcher = RequestHandler & {
  readonly routes: ReadonlyArray<{ method: string; path: string }>;
  knownOnly: (notFound: RequestHandler) => RequestHandler;
};

type Entry = { index: number; method: string; matches: MatchFunction<Record<string, string>>; handle: RequestHandler };
type Found = { entry: Entry; params: Record<string, string> };

export type DispatchOptions = { strict?: boolean };

export const dispatch = (routes: readonly DispatchedRoute[], { strict = false }: DispatchOptions = {}): Dispatcher => {
  const bySegment = new Map<string, Entry[]>();
  // Routes whose first segment is not static (`/:asset`) are candidates for every request, in their place in the table.
  const anySegment: Entry[] = [];
  routes.forEach((route, index) => {
    const entry: Entry = { index, method: route.method.toUpperCase(), matches: matcher(route.path, strict), handle: series(...route.handlers) };
    const segment = firstSegment(route.path);
    if (PATTERN.test(segment)) anySegment.push(entry);
    else bySegment.set(segment, [...(bySegment.get(segment) ?? []), entry]);
  });
  for (const [segment, entries] of bySegment) bySegment.set(segment, [...entries, ...anySegment].sort((a, b) => a.index - b.index));
  /** The request's route and its parameters; throws for a parameter that does not percent-decode. */
  const find = (req: Request): Found | undefined => {
    const path = req.path;
    const method = req.method === 'HEAD' ? 'GET' : req.method;
    for (const entry of bySegment.get(firstSegment(path)) ?? anySegment) {
      const found = entry.matches(path);
      if (found && entry.method === method) return { entry, params: found.params };
    }
    return undefined;
  };
  const foundEarlier = new WeakMap<Request, Found>();
  const handler: RequestHandler = (req, res, next) => {
    let found = foundEarlier.get(req);
    if (!found) {
      try {
        found = find(req);
      } catch (error) {
        return next(error);
      }
    }
    if (!found) return next();
    req.params = found.params;
    return found.entry.handle(req, res, next);
  };
  const knownOnly =
    (notFound: RequestHandler): RequestHandler =>
    (req, res, next) => {
      let found;
      try {
        found = find(req);
      } catch (error) {
        return next(error);
      }
      if (!found) return notFound(req, res, next);
      foundEarlier.set(req, found);
      next();
    };
  return Object.assign(handler, { routes: routes.map(({ method, path }) => ({ method: method.toUpperCase(), path })), knownOnly });
};

/** What makes a path segment a pattern for path-to-regexp rather than a name. */
const PATTERN = /[:*{}()[\]+?!\\]/;

/** `/products/:id` → `products`; case-insensitive (a strict route's own match then tells the case apart). */
const firstSegment = (path: string): string => {
  const end = path.indexOf('/', 1);
  return (end < 0 ? path.slice(1) : path.slice(1, end)).toLowerCase();
};

/**
 * As express's router (router/lib/layer.js) matches a route's path: trailing slashes loosened,
 * not case-sensitive, not strict; or, `strict`, the path exactly as written, in its case.
 */
const matcher = (path: string, strict: boolean): MatchFunction<Record<string, string>> =>
  match<Record<string, string>>(path === '/' ? path : path.replace(/\/+$/, ''), { sensitive: strict, end: true, trailing: !strict, decode: decodeParam });

/** A parameter that does not percent-decode is the client's error (400), as express's router reports it. */
const decodeParam = (value: string): string => {
  if (value.length === 0 || !value.includes('%')) return value;
  try {
    return decodeURIComponent(value);
  } catch (error) {
    if (error instanceof URIError) throw Object.assign(new URIError(`Failed to decode param '${value}'`), { status: 400, statusCode: 400 });
    throw error;
  }
};
