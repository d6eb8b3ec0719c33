/**
 * The route dispatch (src/api/route-dispatch.ts) against express's own router: the same routes
 * (the API's whole table, and a table whose routes start with a parameter, as the docs' do),
 * registered both ways, must answer every request alike: the same route with the same
 * parameters, or the same 404, or the same 400 for a parameter that does not percent-decode.
 * Requests are built from the table's own segments in changed case, with and without trailing
 * or doubled slashes, encoded characters (good and broken) and every method.
 */
import { expect } from 'chai';
import express, { type ErrorRequestHandler, type Express, type RequestHandler } from 'express';
import fc from 'fast-check';
import { createServer, type Server } from 'node:http';
import { dispatch, type DispatchedRoute } from '../../src/api/route-dispatch.js';
import { ROUTE_TABLE } from '../../src/api/routes/index.js';
import { listening, sendRaw as send } from '../support/raw-http.js';

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

/** Each route answers its own name and the parameters it was given; a `guard` before it passes on with next(). */
const tableOf = (routes: ReadonlyArray<{ method: string; path: string }>): DispatchedRoute[] =>
  routes.map(({ method, path }, i) => {
    const guard: RequestHandler = (_req, _res, next) => next();
    const answer: RequestHandler = (req, res) => void res.json({ route: `${i} ${method} ${path}`, params: { ...req.params } });
    return { method: method.toUpperCase(), path, handlers: [guard, answer] };
  });

const finish = (app: Express) => {
  app.use((_req, res) => void res.status(404).json({ route: 'none' }));
  const onError: ErrorRequestHandler = (error: { status?: number; message?: string }, _req, res, _next) => void res.status(error.status ?? 500).json({ error: error.message });
  app.use(onError);
  return app;
};

/** The routes as express registers them: one route layer each, in table order, under /api/v1. */
const expressApp = (table: DispatchedRoute[]) => {
  const app = express();
  const api = express.Router();
  for (const route of table) api[route.method.toLowerCase() as 'get'](route.path, ...route.handlers);
  app.use('/api/v1', api);
  return finish(app);
};

const dispatchedApp = (table: DispatchedRoute[]) => {
  const app = express();
  const api = express.Router();
  api.use(dispatch(table));
  app.use('/api/v1', api);
  return finish(app);
};

/** Strict dispatch against express's strict, case-sensitive router, the routes' own trailing slashes dropped (as dispatch and the document drop them). */
const strictTable = (table: DispatchedRoute[]) => table.map((route) => ({ ...route, path: route.path === '/' ? '/' : route.path.replace(/\/+$/, '') }));
const strictExpressApp = (table: DispatchedRoute[]) => {
  const app = express();
  const api = express.Router({ caseSensitive: true, strict: true });
  for (const route of strictTable(table)) api[route.method.toLowerCase() as 'get'](route.path, ...route.handlers);
  app.use('/api/v1', api);
  return finish(app);
};
const strictDispatchedApp = (table: DispatchedRoute[]) => {
  const app = express();
  const api = express.Router();
  api.use(dispatch(table, { strict: true }));
  app.use('/api/v1', api);
  return finish(app);
};

const listen = (app: Express) => listening(createServer(app));

const API_ROUTES = ROUTE_TABLE.filter((g) => g.edge === 'api').flatMap((g) => Object.values(g.routes).map((r) => ({ method: r.method, path: `${g.prefix}${r.path}` })));
/** Routes whose first segment is a parameter are tried for every path, in their place among the others. */
const MIXED_ROUTES = [
  { method: 'get', path: '/' },
  { method: 'get', path: '/static/list' },
  { method: 'get', path: '/:asset' },
  { method: 'post', path: '/static/:id' },
  { method: 'get', path: '/static/:id' },
  { method: 'delete', path: '/:asset/:part' },
];

const segmentsOf = (routes: ReadonlyArray<{ path: string }>) => [...new Set(routes.flatMap((r) => r.path.split('/').filter((s) => s && !s.startsWith(':'))))];

const caseChanged = (text: string, flips: boolean[]) => [...text].map((c, i) => (flips[i % flips.length] ? c.toUpperCase() : c)).join('');

const pathArbitrary = (segments: string[]) => {
  const piece = fc.oneof(
    fc.tuple(fc.constantFrom(...segments), fc.array(fc.boolean(), { minLength: 1, maxLength: 4 })).map(([s, flips]) => caseChanged(s, flips)),
    fc.constantFrom('0b7c5a5e-8a39-4d4c-9d5a-6f7d2b9c1e11', 'SKU-1', 'x', 'a%20b', 'caf%C3%A9', 'a%2Fb', '%E0%A4%A', '%', '%zz', '..', '.', 'ünï', 'a;b', 'a:b'),
    fc.stringMatching(/^[A-Za-z0-9._~-]{1,8}$/),
  );
  return fc
    .tuple(fc.array(piece, { minLength: 0, maxLength: 5 }), fc.constantFrom('', '/', '//'), fc.constantFrom('', '?q=1'), fc.boolean())
    .map(([pieces, tail, query, doubled]) => `/api/v1/${pieces.join(doubled ? '//' : '/')}${tail}${query}`);
};

describe('route dispatch: the route express would have taken', () => {
  for (const [name, routes] of [
    ['the API table', API_ROUTES],
    ['routes that start with a parameter', MIXED_ROUTES],
  ] as const) {
    describe(name, () => {
      let ours: { server: Server; port: number };
      let theirs: { server: Server; port: number };
      before(async () => {
        const table = tableOf(routes);
        ours = await listen(dispatchedApp(table));
        theirs = await listen(expressApp(table));
      });
      after(() => {
        ours.server.close();
        theirs.server.close();
      });

      const same = async (method: string, path: string) => {
        const [a, b] = await Promise.all([send(ours.port, method, path), send(theirs.port, method, path)]);
        expect(a, `${method} ${path}`).to.deep.equal(b);
        return a;
      };

      it("answers every route's own path, its parameters decoded, as express does", async () => {
        for (const route of routes) {
          const path = `/api/v1${route.path.replace(/:([a-zA-Z]+)/g, 'p%C3%A9-$1')}`;
          const answer = await same(route.method.toUpperCase(), path);
          expect(answer.status, path).to.equal(200);
        }
      });

      it('answers a parameter that does not percent-decode with 400 whatever the method, as express does', async () => {
        const withParam = routes.find((r) => r.path.includes('/:'))!;
        const path = `/api/v1${withParam.path.replace(/:([a-zA-Z]+)/g, '%E0%A4%A')}`;
        for (const method of METHODS) {
          const answer = await same(method, path);
          if (method !== 'HEAD') expect(JSON.parse(answer.body), `${method} ${path}`).to.have.property('error').that.matches(/Failed to decode param/);
          expect(answer.status).to.equal(400);
        }
      });

      it('takes the same route (or none) for paths made of the table\'s segments in any case, slashes and encodings', async () => {
        await fc.assert(
          fc.asyncProperty(fc.constantFrom(...METHODS), pathArbitrary(segmentsOf(routes)), async (method, path) => {
            await same(method, path);
          }),
          { numRuns: 300 },
        );
      });
    });
  }
});

describe('strict route dispatch: the paths as written, in their case, without a trailing slash', () => {
  let ours: { server: Server; port: number };
  let theirs: { server: Server; port: number };
  before(async () => {
    const table = tableOf(API_ROUTES);
    ours = await listen(strictDispatchedApp(table));
    theirs = await listen(strictExpressApp(table));
  });
  after(() => {
    ours.server.close();
    theirs.server.close();
  });

  it('answers a route in another case or with a trailing slash with the 404, and the route as written with itself', async () => {
    const cases: Array<[string, number]> = [
      ['/api/v1/products', 200],
      ['/api/v1/cart', 200],
      ['/api/v1/products/0b7c5a5e-8a39-4d4c-9d5a-6f7d2b9c1e11', 200],
      ['/api/v1/products/', 404],
      ['/api/v1/cart/', 404],
      ['/api/v1/Products', 404],
      ['/api/v1/products/0b7c5a5e-8a39-4d4c-9d5a-6f7d2b9c1e11/', 404],
    ];
    for (const [path, status] of cases) {
      const answer = await send(ours.port, 'GET', path);
      expect(answer.status, path).to.equal(status);
      if (status === 404) expect(JSON.parse(answer.body), path).to.deep.equal({ route: 'none' });
    }
  });

  it("takes the same route (or none) as express's strict, case-sensitive router for any path", async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...METHODS), pathArbitrary(segmentsOf(API_ROUTES)), async (method, path) => {
        const [a, b] = await Promise.all([send(ours.port, method, path), send(theirs.port, method, path)]);
        expect(a, `${method} ${path}`).to.deep.equal(b);
      }),
      { numRuns: 300 },
    );
  });
});
