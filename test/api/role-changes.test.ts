import { expect } from 'chai';
import { expectProblem, startTestApp, type TestApp } from '../support/test-app.js';

/**
 * A role changed by this process takes effect at the next request, even while the
 * `customers` read model (where roles are looked up) has not caught up with the change:
 * the lookup must not read the old role back and keep it.
 */
describe('HTTP role changes while the read models lag', () => {
  let app: TestApp;
  beforeEach(async () => (app = await startTestApp()));
  afterEach(async () => app.close());

  const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
  const adminRoute = (token: string) => app.http().get('/api/v1/admin/parked-events').set(bearer(token));
  const setRole = (admin: string, customerId: string, role: string) =>
    app.http().put(`/api/v1/admin/customers/${customerId}/role`).set(bearer(admin)).send({ role });

  it('demotes an admin at once, though the read model still shows them as admin', async () => {
    const admin = await app.adminToken();
    const staff = await app.customer('Staff');
    expect((await setRole(admin, staff.customerId, 'admin')).status).to.equal(200);
    await app.settled();
    expect((await adminRoute(staff.token)).status).to.equal(200);

    await app.deps.projections.stop(); // the read model falls behind from here
    expect((await setRole(admin, staff.customerId, 'customer')).status).to.equal(200);
    expectProblem(await adminRoute(staff.token), 403);
    expectProblem(await adminRoute(staff.token), 403);
  });

  it('promotes a customer at once, though the read model still shows them as customer', async () => {
    const admin = await app.adminToken();
    const staff = await app.customer('Staff');
    await app.settled();
    expectProblem(await adminRoute(staff.token), 403);

    await app.deps.projections.stop();
    expect((await setRole(admin, staff.customerId, 'admin')).status).to.equal(200);
    expect((await adminRoute(staff.token)).status).to.equal(200);
  });
});
