import { expect } from 'chai';
import cors from 'cors';
import express, { type RequestHandler } from 'express';
import request from 'supertest';
import { crossOrigin, RESPONSE_HEADERS } from '../../src/api/cross-origin.js';
import { series } from '../../src/api/middleware-series.js';
import { Metrics, requestObservation } from '../../src/api/observability.js';
import { loggerOptions } from '../../src/api/log-privacy.js';
import { pino } from 'pino';

/** The edge's own forms of express machinery must answer as the machinery does. */

const appWith = (...handlers: RequestHandler[]) => {
  const app = express();
  app.use(...handlers);
  app.get('/thing', (_req, res) => void res.json({ ok: true }));
  return app;
};

const corsHeaders = (headers: Record<string, string>) => ({
  allowOrigin: headers['access-control-allow-origin'],
  vary: headers['vary'],
  expose: headers['access-control-expose-headers'],
});

describe('The edge middleware', () => {
  describe('crossOrigin, on requests that are not preflights', () => {
    for (const origins of [[], ['https://shop.example.com'], ['https://a.example.com', 'https://shop.example.com'], ['*']]) {
      for (const origin of [undefined, 'https://shop.example.com', 'https://evil.example.net']) {
        it(`sets the headers the cors package sets (CORS_ORIGINS ${JSON.stringify(origins)}, Origin ${origin ?? 'none'})`, async () => {
          const reference = cors({ origin: origins.includes('*') ? '*' : origins, exposedHeaders: RESPONSE_HEADERS });
          const ask = (app: express.Express) => {
            const req = request(app).get('/thing');
            return origin ? req.set('Origin', origin) : req;
          };
          const ours = await ask(appWith(crossOrigin(origins)));
          const theirs = await ask(appWith(reference));
          expect(ours.status).to.equal(200);
          expect(corsHeaders(ours.headers)).to.deep.equal(corsHeaders(theirs.headers));
        });
      }
    }
  });

  describe('series', () => {
    const trace = (name: string, calls: string[]): RequestHandler => (_req, _res, next) => {
      calls.push(name);
      next();
    };

    it('runs the handlers in order, then the routes', async () => {
      const calls: string[] = [];
      const res = await request(appWith(series(trace('a', calls), trace('b', calls), trace('c', calls)))).get('/thing');
      expect(res.status).to.equal(200);
      expect(calls).to.deep.equal(['a', 'b', 'c']);
    });

    it('goes on after an asynchronous handler calls next', async () => {
      const calls: string[] = [];
      const later: RequestHandler = async (_req, _res, next) => {
        await new Promise((resolve) => setTimeout(resolve, 1));
        calls.push('later');
        next();
      };
      const res = await request(appWith(series(later, trace('after', calls)))).get('/thing');
      expect(res.status).to.equal(200);
      expect(calls).to.deep.equal(['later', 'after']);
    });

    for (const [how, failing] of [
      ['throws', (() => { throw new Error('boom'); }) as RequestHandler],
      ['rejects', (async () => { throw new Error('boom'); }) as RequestHandler],
      ['calls next(error)', ((_req, _res, next) => next(new Error('boom'))) as RequestHandler],
    ] as const) {
      it(`hands the error to the error handlers when a handler ${how}, running none after it`, async () => {
        const calls: string[] = [];
        const app = appWith(series(trace('a', calls), failing, trace('never', calls)));
        app.use(((error: Error, _req, res, _next) => void res.status(500).json({ error: error.message })) as express.ErrorRequestHandler);
        const res = await request(app).get('/thing');
        expect(res.status).to.equal(500);
        expect(res.body).to.deep.equal({ error: 'boom' });
        expect(calls).to.deep.equal(['a']);
      });
    }

    it("treats next('route') as the router does in a middleware (the next one runs) and next('router') as leaving the router", async () => {
      const calls: string[] = [];
      const skip: RequestHandler = (_req, _res, next) => next('route');
      expect((await request(appWith(series(skip, trace('b', calls)))).get('/thing')).status).to.equal(200);
      expect(calls).to.deep.equal(['b']);
      const router = express.Router();
      router.use(series((_req, _res, next) => next('router'), trace('never', calls)));
      router.get('/thing', (_req, res) => void res.json({ from: 'router' }));
      const app = express();
      app.use(router);
      app.get('/thing', (_req, res) => void res.json({ from: 'app' }));
      expect((await request(app).get('/thing')).body).to.deep.equal({ from: 'app' });
      expect(calls).to.deep.equal(['b']);
    });

    it('refuses error handlers, which the router would not run for a request', () => {
      const errorHandler: express.ErrorRequestHandler = (_error, _req, _res, next) => next();
      expect(() => series(errorHandler as unknown as RequestHandler)).to.throw(TypeError);
    });
  });

  describe('requestObservation', () => {
    it('logs one line per request at the level of its status (with the parent logger\'s level), and counts it under its route', async () => {
      const lines: Array<Record<string, unknown>> = [];
      const logger = pino(loggerOptions('info'), { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
      const metrics = new Metrics();
      const app = express();
      app.use(requestObservation(logger, metrics));
      app.get('/things/:id', (_req, res) => void res.json({ ok: true }));
      await request(app).get('/things/1?q=zoe@example.com').set('X-Request-Id', 'abc-1');
      await request(app).get('/nothing');
      logger.level = 'warn';
      await request(app).get('/things/2');
      await request(app).get('/nothing');
      const shapes = lines.map(({ level, req, res, msg, responseTime }) => ({ level, req, res, msg, timed: typeof responseTime === 'number' }));
      expect(shapes).to.have.length(3);
      expect(shapes[0]).to.deep.equal({ level: 30, req: { id: 'abc-1', method: 'GET', url: '/things/1?q' }, res: { statusCode: 200 }, msg: 'request completed', timed: true });
      expect(shapes.slice(1).map((s) => [s.level, s.res, (s.req as { url: string }).url])).to.deep.equal([
        [40, { statusCode: 404 }, '/nothing'],
        [40, { statusCode: 404 }, '/nothing'],
      ]);
      const counted = await metrics.registry.getSingleMetricAsString('http_requests_total');
      expect(counted).to.include('method="GET",route="/things/:id",status="200"} 2');
      expect(counted).to.include('method="GET",route="unmatched",status="404"} 2');
    });
  });
});
