import { UnavailableError, UnknownError } from '@eventstore/db-client';
import { expect } from 'chai';
import { registerGauges } from '../../src/api/gauges.js';
import { EsdbEventStore } from '../../src/infrastructure/event-store/esdb-event-store.js';
import { CHECKPOINTS } from '../../src/projections/runner.js';
import { EsdbServerModel, refusedPosition } from '../support/esdb-server-model.js';
import { eventually } from '../support/temp-dir.js';
import { createProduct, startTestApp, type TestApp } from '../support/test-app.js';

/**
 * The projections and process managers on EventStoreDB (a model of its server): what /ready
 * and the admin's projections list say when their subscription is lost or refused, and
 * their lag, in events (EventStoreDB's positions are byte offsets).
 */
describe('Followers of the log on EventStoreDB (a model of its server)', () => {
  let server: EsdbServerModel;
  let app: TestApp;
  let admin: string;
  beforeEach(async () => {
    server = new EsdbServerModel();
    app = await startTestApp({ eventStore: () => new EsdbEventStore(server.client(), { resubscribeBackoff: { initialMs: 5, maxMs: 20 } }) });
    admin = await app.adminToken();
    await app.settled();
  });
  afterEach(async () => {
    server.failSubscriptions(undefined);
    await app.close();
  });

  const ready = () => app.http().get('/ready');
  const listed = async () => (await app.http().get('/api/v1/admin/projections').set('Authorization', `Bearer ${admin}`)).body as Array<Record<string, unknown>>;
  const notReady = () => eventually(async () => ((await ready()).status === 503 ? ready() : undefined));

  it('are not ready while their subscription is being retried, say why, and are ready again once it is back', async () => {
    server.failSubscriptions(new UnavailableError(undefined, 'connection refused'));
    const res = await eventually(async () => {
      const r = await ready();
      return r.body.checks.projections !== 'ok' && r.body.checks.processManagers !== 'ok' ? r : undefined;
    });
    expect(res.status).to.equal(503);
    expect(res.body.checks.projections).to.equal('retrying: UnavailableError: connection refused');
    expect(res.body.checks.processManagers).to.match(/^(order-saga|notifications): retrying: UnavailableError: connection refused$/);
    const statuses = new Set((await listed()).map((p) => p.status));
    expect([...statuses]).to.deep.equal(['retrying: UnavailableError: connection refused']);

    server.failSubscriptions(undefined);
    await eventually(async () => ((await ready()).status === 200 ? true : undefined));
    expect(new Set((await listed()).map((p) => p.status))).to.deep.equal(new Set(['live']));
  });

  it('stop on an error that retrying cannot mend, and say so', async () => {
    const invalid = Object.assign(new UnknownError(undefined, 'Trying to read from an invalid position.'), { code: 3 });
    server.failSubscriptions(invalid);
    await notReady();
    const failed = 'failed: reading $all failed for good: UnknownError: Trying to read from an invalid position.';
    const res = await eventually(async () => {
      const r = await ready();
      return r.body.checks.projections === failed && r.body.checks.processManagers !== 'ok' ? r : undefined;
    });
    expect(res.body.checks.processManagers).to.match(/^(order-saga|notifications): failed: reading \$all failed for good/);
    await eventually(async () => ((await listed()).every((p) => p.status === failed) ? true : undefined));

    // Stopped, not retrying: no subscription is opened again, even once the server would accept it.
    const opened = server.subscriptionsOpened.length;
    server.failSubscriptions(undefined);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(server.subscriptionsOpened.length).to.equal(opened);
    expect((await ready()).status).to.equal(503);
  });

  it('stop when the server refuses the checkpoint they catch up from, and say why in /ready and the list', async () => {
    // Checkpoints kept from another store (the embedded one numbers events 1, 2, 3...): on
    // EventStoreDB such a position is inside a record, and its `$all` read answers UNKNOWN.
    await app.deps.projections.stop();
    const inside = (await app.head()) - 1;
    await app.store.collection(CHECKPOINTS).updateMany({}, { $set: { position: inside } });
    await app.deps.projections.start();
    const failed = 'failed: reading $all failed for good: UnknownError: 2 UNKNOWN: Unexpected ReadAllResult: InvalidPosition';
    const res = await eventually(async () => {
      const r = await ready();
      return r.body.checks.projections === failed ? r : undefined;
    });
    expect(res.status).to.equal(503);
    const list = await app.http().get('/api/v1/admin/projections').set('Authorization', `Bearer ${admin}`);
    expect(list.status, JSON.stringify(list.body)).to.equal(200);
    const projections = (list.body as Array<Record<string, unknown>>).filter((p) => p.kind === 'projection');
    for (const projection of projections) {
      expect(projection, String(projection.name)).to.include({ status: failed, position: inside, lag: null, lagExact: false });
      expect(projection.lagError).to.match(/InvalidPosition/);
    }
    // The metrics still answer (without the lags they cannot count).
    registerGauges(app.deps);
    const metrics = await app.http().get('/metrics');
    expect(metrics.status).to.equal(200);
    expect(metrics.text).to.match(/eventstore_head_position \d+/).and.not.match(/projection_lag_events\{/);
  });

  it('end a rebuild whose reads cannot succeed as failed, with the reason, instead of waiting for it forever', async () => {
    server.forwardReadError = refusedPosition('read');
    const res = await app.http().post('/api/v1/admin/projections/orders/rebuild').set('Authorization', `Bearer ${admin}`);
    expect(res.status).to.equal(202);
    const rebuild = await eventually(async () => (await app.deps.rebuilds.statuses()).find((r) => r._id === 'orders' && r.status !== 'running'));
    expect(rebuild).to.include({ status: 'failed' });
    expect(String((rebuild as { error?: unknown }).error)).to.match(/the rebuild failed: reading \$all failed for good: UnknownError: 2 UNKNOWN: Unexpected ReadAllResult: InvalidPosition/);
    server.forwardReadError = undefined;
  });

  it('report their lag in events, in the list and the metrics, not in byte positions', async () => {
    registerGauges(app.deps);
    const { sku } = await createProduct(app, admin);
    await app.settled();
    await app.deps.projections.stop();
    for (const quantity of [1, 2, 3]) {
      const res = await app.http().post(`/api/v1/inventory/${sku}/receipts`).set('Authorization', `Bearer ${admin}`).send({ quantity });
      expect(res.status).to.equal(200);
    }
    const projections = (await listed()).filter((p) => p.kind === 'projection');
    for (const projection of projections) expect(projection, String(projection.name)).to.include({ lag: 3, lagExact: true });
    const metrics = (await app.http().get('/metrics')).text;
    expect(metrics).to.match(/projection_lag_events\{projection="stock-levels"\} 3\n/);
    expect(metrics).to.match(/# HELP projection_lag_events Events each projection has still to read/);
    // The positions themselves are EventStoreDB's byte offsets: far apart for three events.
    const head = await app.head();
    expect(head - (projections[0]!.position as number)).to.be.greaterThan(3);
  });
});
