import { expect } from 'chai';
import { verify } from '../../src/operations/verify.js';
import { ALL_PROJECTIONS } from '../../src/projections/index.js';
import type { Shopper } from '../support/shop.js';
import { appendsNothing, expectProblem, startTestApp, type TestApp, type TestAppOptions } from '../support/test-app.js';
import { walletCalls } from './payment-methods-fixture.js';

/**
 * Saved payment methods end to end (issue 16, part 4), once saved: listing, removing, choosing
 * the default, and the read model rebuilt and audited. Saving: payment-methods.test.ts.
 */

describe('HTTP saved payment methods: the wallet', () => {
  let app: TestApp;
  let shopper: Shopper;
  const start = async (options: TestAppOptions = {}) => {
    app = await startTestApp(options);
    shopper = await app.customer();
  };
  beforeEach(() => start());
  afterEach(async () => app.close());
  const { as, list, remove, makeDefault, appendedBy, saved } = walletCalls(() => ({ app, shopper }));

  describe('listing', () => {
    it("shows only the caller's own methods", async () => {
      await saved('tok_visa');
      const other = await app.customer('Other');
      expect(await list(other)).to.deep.equal([]);
      expect(await list()).to.have.length(1);
    });

    it('reads its own write at once (the read waits for the read model to reach it)', async () => {
      const visa = await saved('tok_visa');
      const res = await app.http().get('/api/v1/account/me/payment-methods').set(as(shopper));
      expect(res.body.items.map((m: { paymentMethodId: string }) => m.paymentMethodId)).to.deep.equal([visa]);
      expect(res.headers['cache-control']).to.equal('private, no-store');
    });

    it('is for signed-in customers: 401 without a token', async () => expectProblem(await app.http().get('/api/v1/account/me/payment-methods'), 401));
  });

  describe('removing', () => {
    it('removes the default (200 with the methods left): the oldest left becomes the default', async () => {
      const visa = await saved('tok_visa');
      const mastercard = await saved('tok_mastercard');
      const res = await remove(visa);
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      expect(res.body).to.deep.equal({ items: [{ paymentMethodId: mastercard, brand: 'mastercard', last4: '4444', label: null, isDefault: true }] });
      expect(await appendedBy(res)).to.deep.equal(['PaymentMethodRemoved', 'DefaultPaymentMethodChanged']);
      expect(await list()).to.deep.equal(res.body.items);
    });

    it('removes one that is not the default: PaymentMethodRemoved alone', async () => {
      await saved('tok_visa');
      const mastercard = await saved('tok_mastercard');
      expect(await appendedBy(await remove(mastercard))).to.deep.equal(['PaymentMethodRemoved']);
    });

    it("answers 404 for another customer's method, an unknown one, one removed already and an id that is no UUID, appending nothing", async () => {
      const visa = await saved('tok_visa');
      const other = await app.customer('Other');
      expectProblem(await appendsNothing(app, () => remove(visa, other)), 404);
      expectProblem(await appendsNothing(app, () => remove('3f2b8c4e-9a7d-4e1f-8b6a-0c5d2e7f9a1b')), 404);
      expect((await remove(visa)).status).to.equal(200);
      expectProblem(await appendsNothing(app, () => remove(visa)), 404);
      expectProblem(await appendsNothing(app, () => remove('not-an-id')), 404);
      expect(await list()).to.deep.equal([]);
    });
  });

  describe('choosing the default', () => {
    it('makes another method the default (200); again changes nothing', async () => {
      const visa = await saved('tok_visa');
      const mastercard = await saved('tok_mastercard');
      const res = await makeDefault(mastercard);
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      expect(res.body).to.include({ paymentMethodId: mastercard, isDefault: true });
      expect(await appendedBy(res)).to.deep.equal(['DefaultPaymentMethodChanged']);
      expect((await list()).map((m) => [m.paymentMethodId, m.isDefault])).to.deep.equal([[visa, false], [mastercard, true]]);
      const again = await appendsNothing(app, () => makeDefault(mastercard));
      expect(again.status).to.equal(200);
    });

    it("answers 404 for another customer's method and a removed one, appending nothing", async () => {
      const visa = await saved('tok_visa');
      const other = await app.customer('Other');
      expectProblem(await appendsNothing(app, () => makeDefault(visa, other)), 404);
      await remove(visa);
      expectProblem(await appendsNothing(app, () => makeDefault(visa)), 404);
    });
  });

  describe('the read model', () => {
    it('is rebuilt from the log to the same list, and verifies without divergence', async () => {
      const visa = await saved('tok_visa', 'Home');
      const mastercard = await saved('tok_mastercard');
      await makeDefault(mastercard);
      await saved('tok_insufficient_funds');
      await remove(visa);
      const before = await list();
      expect(before.map((m) => m.last4)).to.deep.equal(['4444', '9995']);
      await (await app.deps.rebuilds.run(['payment-methods'])).retired;
      expect(await list()).to.deep.equal(before);
      const report = await verify({ ...app.deps, store: app.store }, ALL_PROJECTIONS);
      expect(report.divergences).to.deep.equal([]);
      expect(report.invariants.violations).to.deep.equal([]);
    });

    it('shows the wallet in the audit trail (admins) with its state after each event', async () => {
      const admin = await app.adminToken();
      await saved('tok_visa');
      const audit = await app.http().get(`/api/v1/admin/audit/streams/wallet-${shopper.customerId}`).set('Authorization', `Bearer ${admin}`);
      expect(audit.status, JSON.stringify(audit.body)).to.equal(200);
      expect(audit.body.events.map((e: { type: string }) => e.type)).to.deep.equal(['PaymentMethodSaved']);
      expect(audit.body.events[0].stateAfter.methods[0]).to.include({ brand: 'visa', last4: '4242' });
    });
  });
});
