import { expect } from 'chai';
import express from 'express';
import request from 'supertest';
import type { RunnerState } from '../../src/cluster/view.js';
import type { AppDeps } from '../../src/api/deps.js';
import { Metrics } from '../../src/api/observability.js';
import { routerOf } from '../../src/api/openapi/route-table.js';
import { operationsRoutes } from '../../src/api/routes/operations.js';

/**
 * `/ready` of one process of a shop that several run, as a load balancer polls it: the shop's
 * runners as this process sees them (its own, and those held elsewhere or by nobody) are set
 * by the test.
 */
describe('/ready of one process among several', () => {
  let runners: RunnerState[];
  const cluster = { processId: 'me', runners: async () => runners };
  const deps = { cluster, eventStore: { headPosition: async () => 10 }, readModels: { ping: async () => undefined }, metrics: new Metrics() };
  let app: express.Express;
  beforeEach(() => {
    app = express().use(routerOf(operationsRoutes, deps as unknown as AppDeps));
    runners = [projection('products', 'me'), projection('orders', 'other'), manager('order-saga', 'other'), manager('notifications', 'me')];
  });
  const ready = () => request(app).get('/ready');
  const set = (name: string, change: Partial<RunnerState>) => (runners = runners.map((r) => (r.name === name ? { ...r, ...change } : r)));

  it('is not ready, once started, until every runner of the shop follows the log, wherever it runs', async () => {
    set('orders', { status: 'catching-up', caughtUp: false });
    const res = await ready();
    expect(res.status).to.equal(503);
    expect(res.body.checks.projections).to.equal('catching-up');
    set('orders', { status: 'live', caughtUp: true });
    expect((await ready()).status).to.equal(200);
  });

  it('stays ready while a runner another process held is given back, or taken over by yet another, and says so under shop', async () => {
    expect((await ready()).status).to.equal(200);
    set('orders', { owner: null, status: 'unassigned', caughtUp: false });
    set('order-saga', { owner: null, status: 'unassigned', caughtUp: false });
    const given = await ready();
    expect(given.status, JSON.stringify(given.body)).to.equal(200);
    expect(given.body.checks).to.deep.equal({ eventStore: 'ok', readModels: 'ok', projections: 'ok', processManagers: 'ok' });
    expect(given.body.shop).to.deep.equal({ projections: 'unassigned', processManagers: 'order-saga: unassigned' });
    set('orders', { owner: 'successor', status: 'starting', caughtUp: false });
    expect((await ready()).status).to.equal(200);
  });

  it('is not ready while a runner it holds itself falls behind or fails', async () => {
    expect((await ready()).status).to.equal(200);
    set('notifications', { status: 'retrying: the store did not answer', caughtUp: false });
    const res = await ready();
    expect(res.status).to.equal(503);
    expect(res.body.checks.processManagers).to.equal('notifications: retrying: the store did not answer');
  });
});

const projection = (name: string, owner: string): RunnerState => ({ name, kind: 'projection', owner, epoch: 1, position: 10, status: 'live', caughtUp: true });
const manager = (name: string, owner: string): RunnerState => ({ name, kind: 'process-manager', owner, epoch: 1, position: 10, status: 'live', caughtUp: true });
