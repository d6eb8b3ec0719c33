import { expect } from 'chai';
import { registerGauges } from '../../src/api/gauges.js';
import { expectProblem, startTestApp, type TestApp } from '../support/test-app.js';

/** What an operator reads about the shop's processes and runners (the in-process app is one process running all). */
describe('HTTP cluster views', () => {
  let app: TestApp;
  let admin: string;
  beforeEach(async () => {
    app = await startTestApp();
    admin = await app.adminToken();
  });
  afterEach(async () => app.close());

  const runners = ['products', 'stock-levels', 'customer-profiles', 'carts', 'orders', 'payments', 'shipments', 'search', 'reviews', 'purchases', 'payment-methods', 'subscriptions', 'order-saga', 'notifications', 'subscription-renewals', 'erasures'];

  it('lists the live processes with what each holds (admins only)', async () => {
    const res = await app.http().get('/api/v1/admin/cluster').set('Authorization', `Bearer ${admin}`);
    expect(res.status).to.equal(200);
    const [process] = res.body.processes as Array<Record<string, any>>;
    expect(res.body.processes).to.have.length(1);
    expect(process).to.have.keys('id', 'pid', 'host', 'port', 'startedAt', 'lastSeenAt', 'holds');
    expect(process!.holds).to.have.members(runners);
    expect(Date.parse(process!.lastSeenAt)).to.be.a('number').and.not.NaN;
    const shopper = await app.customer();
    expectProblem(await app.http().get('/api/v1/admin/cluster').set('Authorization', `Bearer ${shopper.token}`), 403);
    expectProblem(await app.http().get('/api/v1/admin/cluster'), 401);
  });

  it('names the owner and epoch of every runner in the list of projections, and labels what this process holds in /metrics', async () => {
    const list = (await app.http().get('/api/v1/admin/projections').set('Authorization', `Bearer ${admin}`)).body as Array<Record<string, any>>;
    expect(list.map((r) => r.name)).to.have.members(runners);
    for (const runner of list) expect(runner, runner.name).to.include({ owner: 'test-process', epoch: 1 });
    registerGauges(app.deps);
    const metrics = (await app.http().get('/metrics')).text;
    for (const runner of runners) expect(metrics).to.include(`cluster_runner_held{runner="${runner}",process="test-process"} 1`);
    expect(metrics).to.match(/cluster_processes 1\n/);
  });
});
