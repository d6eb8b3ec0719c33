import { Router, type Express, type RequestHandler } from 'express';
import type { JsonSchema } from '../../projections/json-schema.js';
import { requireAdmin, requireCustomer } from '../auth.js';
import { publicCache } from '../caching.js';
import type { AppDeps } from '../deps.js';
import { dispatch, type DispatchedRoute, type DispatchOptions, type Dispatcher } from '../route-dispatch.js';
import { refuseUnread, type RouteInputs } from './unread-inputs.js';

/**
 * THE route table: each route's method, path, role, input DTOs, answers and headers, next to
 * its handler. The routers are registered from it and the OpenAPI document is built from it,
 * so what is served and what is described are one list.
 */

export type Role = 'anonymous' | 'customer' | 'admin';
export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
/** A class-validator DTO: its JSON Schema comes from its decorators. */
export type DtoClass = new () => object;

/** Headers a route reads or answers beyond those every route of its edge does (see ./gateway.ts). */
export type RouteHeader = 'If-Match' | 'ETag' | 'Location' | 'X-Carrier-Signature' | 'Last-Event-ID';

export type RouteSpec = {
  method: Method;
  /** Express path inside its group (`/:id/cancel`). */
  path: string;
  role: Role;
  summary: string;
  description?: string;
  body?: DtoClass;
  /** The body may be left out altogether (every field is optional). */
  bodyOptional?: boolean;
  query?: DtoClass;
  /** Path parameters by name (`:id` → `{ id: uuid() }`). */
  params?: Record<string, JsonSchema>;
  /** The success answer; more than one status when the route has several (a review created or replaced). */
  success: { status: number | number[]; description: string; schema?: JsonSchema; contentType?: string };
  /** The problem+json statuses of this route beyond the gateway's (400 for bad input is the gateway's). */
  problems: number[];
  /** A 409 of this route that carries an ETag (a checkout refused as `prices-changed`: the cart's revision after): what it names. */
  conflictEtag?: string;
  headers?: RouteHeader[];
  /**
   * `false`: a write that runs no command on a stream (a sign-in, an operation on the runners).
   * It takes no If-Match (400 when one is sent, rather than a precondition silently ignored)
   * and answers no ETag or X-Position.
   */
  command?: false;
  /**
   * `false`: a command on a stream whose revision its client cannot know (notify-me appends to the
   * SKU's stock stream, which no answer names). It refuses If-Match (400) and answers no ETag; the
   * document lists neither, nor 412.
   */
  ifMatch?: false;
  /**
   * `false`: a read that serves no read model (the log, the runners' own state, parked work).
   * It does not wait for the read models to reach the caller's writes (../consistency.ts), and
   * so answers while they are behind: an operator looks at the runners and the audit then.
   */
  readModels?: false;
  /**
   * `public`: a read anyone may get the same way (../caching.ts). Its 200 answers to callers
   * not signed in carry an ETag and `Cache-Control: public, max-age=CACHE_MAX_AGE_S`, and
   * If-None-Match naming that ETag is answered 304.
   * `file`: a file served as it lies on disk (express.static): a weak ETag and Last-Modified of
   * the file, `Cache-Control: public, max-age=0`, 304 to If-None-Match or If-Modified-Since.
   */
  cache?: 'public' | 'file';
  /**
   * `once-written`: a read of a resource every caller has before its stream exists (a cart): its
   * ETag is answered once the stream has had a write and not before (there is no revision to
   * name), so the document describes the header as optional and says when it is there.
   */
  etag?: 'once-written';
  /** One example: the request's body or query, and the answer. */
  example: { body?: unknown; query?: Record<string, string>; response?: unknown };
  /**
   * `true`: the document names the path with its trailing slash (`/docs/`, a page whose assets
   * are relative to it), which the route serves apart from the path without it (a redirect).
   */
  slash?: true;
};

export type RouteGroup<K extends string = string> = {
  /** Where the group's router is mounted under its edge (`/orders`). */
  prefix: string;
  /** `api`: under /api/v1, behind the gateway (auth, limits, idempotency); `root`: outside it. */
  edge: 'api' | 'root';
  tag: string;
  routes: Record<K, RouteSpec>;
  /** One handler per route, made once per app with its dependencies. */
  handlers: (deps: AppDeps) => Record<K, RequestHandler>;
};

/** Keeps the keys of a group's routes and its handlers the same at compile time. */
export const defineRoutes = <K extends string>(group: RouteGroup<K>): RouteGroup<K> => group;

const GUARDS: Record<Role, RequestHandler[]> = { anonymous: [], customer: [requireCustomer], admin: [requireAdmin] };

/**
 * The route's metrics label, taken while the route runs: an error reaches the app's error handler
 * outside the /api/v1 router, where express has taken its base URL off (a 409 of a registration
 * was counted under `/account/register`, its 201s under `/api/v1/account/register`).
 */
const routeLabel =
  (path: string): RequestHandler =>
  (req, res, next) => {
    res.locals.route = `${req.baseUrl}${path}`;
    next();
  };

/** A group's express router, registered from its table in table order (express matches in that order). */
export const routerOf = (group: RouteGroup, deps: AppDeps): Router => mountRoutes(Router(), [{ ...group, prefix: '' }], deps);

/**
 * Registers the groups' routes on one router (or the app) as ONE middleware that finds the
 * request's route (see ../route-dispatch.ts), each at its prefix and path (`/cart` +
 * `/items`), matched in table order as express matched them: express walked into and out of
 * every router whose prefix matched a request, then tried every route layer in turn. A path
 * and its trailing slash match alike, and metrics name a route as before (base URL +
 * `/cart/`). Only for handlers that do not read `req.url` (static files do: see app.ts).
 */
export const mountRoutes = <R extends Router | Express>(router: R, groups: readonly RouteGroup[], deps: AppDeps): R => {
  (router as Router).use(routeDispatch(groups, deps));
  return router;
};

/** The groups' routes as one middleware (see mountRoutes), for a series of the app's own; `strict`: see ../route-dispatch.ts. */
export const routeDispatch = (groups: readonly RouteGroup[], deps: AppDeps, options: DispatchOptions = {}): Dispatcher => {
  const routes: DispatchedRoute[] = [];
  for (const group of groups) {
    const handlers = group.handlers(deps);
    for (const [id, spec] of Object.entries(group.routes)) {
      const caching = spec.cache === 'public' ? [publicCache(deps.config.cacheMaxAgeS)] : [];
      const path = `${group.prefix}${spec.path}`;
      const reads = waitsForReadModels(group, spec) ? [deps.sessions.reads()] : [];
      routes.push({ method: spec.method, path, handlers: [routeLabel(path), ...GUARDS[spec.role], ...refuseUnread(inputsOf(group, spec)), ...reads, ...caching, handlers[id]!] });
    }
  }
  return dispatch(routes, options);
};

/** What a route reads of a request beyond its path (the rest is refused: ./unread-inputs.ts). */
const inputsOf = (group: RouteGroup, spec: RouteSpec): RouteInputs => ({
  api: group.edge === 'api',
  read: spec.method === 'get',
  query: spec.query !== undefined,
  body: spec.body !== undefined,
  ifMatch: spec.method !== 'get' && spec.command !== false && spec.ifMatch !== false,
  waits: waitsForReadModels(group, spec),
});

/** A read of the API that serves read models: it waits for the caller's writes (read-your-writes) and for X-Min-Position. */
export const waitsForReadModels = (group: RouteGroup, spec: RouteSpec): boolean => group.edge === 'api' && spec.method === 'get' && spec.readModels !== false;

/** `/:id/cancel` → `/{id}/cancel`. */
export const openApiPath = (path: string): string => path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

export const fullPath = (group: RouteGroup, spec: RouteSpec): string => {
  const path = `${group.edge === 'api' ? '/api/v1' : ''}${group.prefix}${spec.path}`.replace(/(.)\/$/, '$1');
  return spec.slash && path !== '/' ? `${path}/` : path;
};
