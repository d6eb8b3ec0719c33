/**
 * The app's request chain (src/api/request-chain.ts) against express's own router: the same
 * stages, registered as app.use layers on one app and as the chain on another, must see every
 * request alike: the same `req.url`, `req.baseUrl`, `req.path` and `req.originalUrl` in each
 * stage (a mounted one and those after it), the same stage answering, the same errors reaching
 * the error handler, whichever way a stage fails (next(error), a throw, a rejected promise, a
 * failure reported later through req.next). Paths come in changed case, with trailing and
 * doubled slashes, query strings, encodings and in absolute form.
 */
import { expect } from 'chai';
import express, { type ErrorRequestHandler, type Express, type Request, type RequestHandler } from 'express';
import fc from 'fast-check';
import { createServer, type Server } from 'node:http';
import { series } from '../../src/api/middleware-series.js';
import { mount, serverFor, serveThrough, type ChainedApp, type Stage } from '../../src/api/request-chain.js';
import { listening, sendRaw as send, type RawAnswer as Answer } from '../support/raw-http.js';

type Traced = Request & { trace?: string[] };

/** What a stage sees of the request, added to its trace. */
const seen = (req: Traced, stage: string) => (req.trace ??= []).push(`${stage} url=${req.url} base=${req.baseUrl} path=${req.path} original=${req.originalUrl}`);
const failure = (what: string) => Object.assign(new Error(`failed: ${what}`), { status: 418 });

/** Under /api/v1, what the first segment after it says: answer, pass on, fail in one of the ways a handler fails. */
const behaviour: RequestHandler = (req, res, next) => {
  const how = req.path.split('/')[1]?.toLowerCase();
  if (how === 'answer') return void res.json({ answered: 'api', trace: (req as Traced).trace });
  if (how === 'fail') return next(failure('next'));
  if (how === 'throw') throw failure('throw');
  if (how === 'reject') return Promise.reject(failure('reject')) as unknown as void;
  if (how === 'route') return next('route');
  if (how === 'later') return void setImmediate(() => req.next!(failure('later')));
  if (how === 'nothing') throw undefined;
  next();
};

const stagesOf = (): Array<[prefix: string | undefined, handler: RequestHandler]> => {
  const docs = express.Router();
  docs.use((req, _res, next) => (seen(req, 'docs'), next()));
  docs.get('/page', (req, res) => void res.json({ answered: 'docs', trace: (req as Traced).trace }));
  return [
    [undefined, series((req, _res, next) => (seen(req, 'root'), next()))],
    ['/docs', docs],
    ['/api/v1', series((req, _res, next) => (seen(req, 'api'), next()), behaviour)],
    [undefined, (req, res, next) => (seen(req, 'after'), req.path.endsWith('/tail') ? void res.json({ answered: 'after', trace: (req as Traced).trace }) : next())],
  ];
};

const notFound: RequestHandler = (req, res) => void res.status(404).json({ answered: 'none', trace: (req as Traced).trace, url: req.url, base: req.baseUrl });
const onError: ErrorRequestHandler = (error: { status?: number; message?: string }, req, res, _next) =>
  void res.status(error.status ?? 500).json({ error: error.message, trace: (req as Traced).trace, url: req.url, base: req.baseUrl });

const routerApp = () => {
  const app = express();
  for (const [prefix, handler] of stagesOf()) {
    if (prefix) app.use(prefix, handler);
    else app.use(handler);
  }
  app.use(notFound);
  app.use(onError);
  return app;
};

const chainedApp = () =>
  serveThrough(express(), {
    stages: stagesOf().map(([prefix, handler]): Stage => (prefix ? mount(prefix, handler) : handler)),
    notFound,
    onError,
  });

const listen = (app: Express) => listening(createServer(app));

/** The app's own server (serverFor: express's prototypes set by the request's class, not per request). */
const serve = (app: ChainedApp) => listening(serverFor(app));

const BEHAVIOURS = ['answer', 'pass', 'fail', 'throw', 'reject', 'route', 'later', 'nothing', 'tail', 'page'];
const PREFIXES = ['/api/v1', '/API/v1', '/Api/V1', '/api/v1/', '/api/v1//', '/api/v1x', '/api', '/docs', '/DOCS/', '/docsx', '', '/tail'];

const targetArbitrary = fc
  .tuple(
    fc.constantFrom(...PREFIXES),
    fc.array(fc.oneof(fc.constantFrom(...BEHAVIOURS), fc.constantFrom('x', 'a%20b', 'a%2Fb', '%zz', '..', 'ünï', 'page')), { maxLength: 3 }),
    fc.constantFrom('', '/', '//'),
    fc.constantFrom('', '?q=1', '?a=%2F&b'),
    fc.constantFrom('', 'http://shop.test', 'http://shop.test:8080'),
  )
  .map(([prefix, pieces, tail, query, origin]) => `${origin}${prefix}${pieces.length ? `/${pieces.join('/')}` : ''}${tail}${query}` || '/');

describe("the app's request chain: what express's router gave each stage", () => {
  let ours: { server: Server; port: number };
  let oursListened: { server: Server; port: number };
  let theirs: { server: Server; port: number };
  before(async () => {
    ours = await serve(chainedApp());
    oursListened = await listen(chainedApp());
    theirs = await listen(routerApp());
  });
  after(() => {
    for (const { server } of [ours, oursListened, theirs]) server.close();
  });

  /** The chain on its own server and on app.listen's (supertest's way) answers as express's router does. */
  const same = async (method: string, path: string) => {
    const [a, b, c] = await Promise.all([send(ours.port, method, path), send(oursListened.port, method, path), send(theirs.port, method, path)]);
    expect(a, `${method} ${path}`).to.deep.equal(c);
    expect(b, `${method} ${path} (app.listen)`).to.deep.equal(c);
    return a;
  };

  it('gives each behaviour the stage, the URLs and the error express gave it', async () => {
    const answers = new Map<string, Answer>();
    for (const how of BEHAVIOURS) answers.set(how, await same('GET', `/api/v1/${how}?x=1`));
    expect(answers.get('answer')!.status).to.equal(200);
    expect(JSON.parse(answers.get('answer')!.body).trace).to.deep.equal([
      'root url=/api/v1/answer?x=1 base= path=/api/v1/answer original=/api/v1/answer?x=1',
      'api url=/answer?x=1 base=/api/v1 path=/answer original=/api/v1/answer?x=1',
    ]);
    for (const how of ['fail', 'throw', 'reject', 'later']) {
      expect(answers.get(how)!.status, how).to.equal(418);
      expect(JSON.parse(answers.get(how)!.body).error).to.equal(`failed: ${how === 'fail' ? 'next' : how}`);
    }
    // Passing on (any way) leaves the mount with its URLs put back: the stage after it and the 404 see the request whole.
    for (const how of ['pass', 'route', 'nothing']) {
      const body = JSON.parse(answers.get(how)!.body);
      expect(answers.get(how)!.status, how).to.equal(404);
      expect(body.trace.at(-1)).to.equal(`after url=/api/v1/${how}?x=1 base= path=/api/v1/${how} original=/api/v1/${how}?x=1`);
      expect(body.url).to.equal(`/api/v1/${how}?x=1`);
    }
  });

  it('mounts a router under its prefix as app.use does', async () => {
    const answer = await same('GET', '/Docs/page/?y');
    expect(answer.status).to.equal(200);
    expect(JSON.parse(answer.body).trace.at(-1)).to.equal('docs url=/page/?y base=/Docs path=/page/ original=/Docs/page/?y');
  });

  it('treats every path, method and request target alike', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('GET', 'HEAD', 'POST', 'DELETE', 'OPTIONS'), targetArbitrary, async (method, target) => {
        await same(method, target);
      }),
      { numRuns: 400 },
    );
  });

  it("leaves the app on next('router') with the 404 of the chain, not express's page", async () => {
    const app = serveThrough(express(), { stages: [(_req, _res, next) => next('router')], notFound, onError });
    const server = await listen(app);
    try {
      const answer = await send(server.port, 'GET', '/anything');
      expect(answer.status).to.equal(404);
      expect(JSON.parse(answer.body)).to.include({ answered: 'none', url: '/anything' });
    } finally {
      server.server.close();
    }
  });

  it('refuses middlewares added to the app later, which would never run', () => {
    const app = chainedApp();
    expect(() => app.use((_req, _res, next) => next())).to.throw(/request-chain/);
    expect(() => app.get('/late', (_req, res) => void res.end())).to.throw(/request-chain/);
    expect(app.get('query parser fn')).to.be.a('function');
  });
});
