import { expect } from 'chai';
import { expireInvoices } from '../../src/commands/erasure-steps.js';
import { ERASED } from '../../src/domain/shared/erased.js';
import { ADDRESS, addToCart, buy, eventsOf, orderReaches, stockedProduct, type Shopper } from '../support/shop.js';
import { bearer, erasureDone } from '../support/erasure.js';
import { eventually } from '../support/temp-dir.js';
import { appendsNothing, startTestApp, type TestApp } from '../support/test-app.js';

/**
 * An admin's requests about a customer's order answer with its shipping address (a cancellation,
 * an amendment); their stored idempotent answers named the admin who asked, so the erasure,
 * which deleted the customer's own, missed them: the address stayed in read-models.db (for
 * 15 minutes), and a repeat of the admin's request with the same key answered it from there.
 */
describe("HTTP erasure and the stored answers to an admin's requests about the customer", () => {
  let app: TestApp;
  afterEach(async () => app?.close());

  it('deletes them with the customer\'s own; a repeat with the same key appends nothing', async () => {
    app = await startTestApp();
    const admin = await app.adminToken();
    const shopper: Shopper = await app.customer('Ulrike Answered');
    const { productId } = await stockedProduct(app, admin, 5);
    const orderId = await buy(app, shopper, productId);
    await orderReaches(app, shopper.token, orderId, ['Confirmed']);
    const amended = { line1: '9 Idempotent Row', city: 'Replayham', postalCode: 'RP1 9ZZ', country: 'GB' };
    const amend = await app.http().patch(`/api/v1/orders/${orderId}`).set(bearer(admin)).send({ shippingAddress: amended });
    expect(amend.status, JSON.stringify(amend.body)).to.equal(200);
    const cancel = () => app.http().post(`/api/v1/orders/${orderId}/cancel`).set(bearer(admin)).set('Idempotency-Key', 'admin-cancel-1').send();
    const cancelled = await cancel();
    expect(cancelled.status, JSON.stringify(cancelled.body)).to.equal(202);
    expect(cancelled.body.shippingAddress).to.deep.equal(amended);
    const answers = app.store.collection('idempotency_keys');
    const quoting = { $or: [{ 'body.shippingAddress.line1': amended.line1 }] };
    expect(await answers.countDocuments(quoting), 'stored under the admin first').to.be.greaterThan(0);
    await app.settled();

    expect((await app.http().delete('/api/v1/account/me').set(bearer(shopper.token)).send({ password: 'correct-horse' })).status).to.equal(202);
    await erasureDone(app, shopper.customerId);

    expect(await answers.countDocuments(quoting)).to.equal(0);
    expect(await answers.countDocuments({ 'body.orderId': orderId }), 'nor any other answer about the order').to.equal(0);
    // The repeat is recognised by the command handler: the order stays cancelled once.
    expect((await appendsNothing(app, cancel)).status).to.be.oneOf([202, 409]);
    expect(await eventsOf(app, 'OrderCancelled', (e) => e.data.orderId === orderId)).to.have.length(1);
  });

  it("deletes, when the invoices expire, what an admin's repeat stored after the erasure (the invoice key still open then)", async () => {
    app = await startTestApp({ invoiceRetentionDays: 30 });
    const admin = await app.adminToken();
    const shopper: Shopper = await app.customer('Ursula Repeated');
    const { productId } = await stockedProduct(app, admin, 5);
    const orderId = await buy(app, shopper, productId);
    await orderReaches(app, shopper.token, orderId, ['Confirmed']);
    const cancel = () => app.http().post(`/api/v1/orders/${orderId}/cancel`).set(bearer(admin)).set('Idempotency-Key', 'admin-cancel-again').send();
    expect((await cancel()).status).to.equal(202);
    await app.settled();
    expect((await app.http().delete('/api/v1/account/me').set(bearer(shopper.token)).send({ password: 'correct-horse' })).status).to.equal(202);
    await erasureDone(app, shopper.customerId);

    // The repeat after the erasure: the handler recognises it and answers the order, its address
    // still readable (the invoices are kept 30 days); the answer is stored again under the admin.
    const repeat = await appendsNothing(app, cancel);
    expect(repeat.status, JSON.stringify(repeat.body)).to.equal(202);
    expect(repeat.body.shippingAddress).to.deep.equal(ADDRESS);
    const answers = app.store.collection('idempotency_keys');
    const quoting = { 'body.shippingAddress.line1': ADDRESS.line1, 'body.orderId': orderId };
    expect(await answers.countDocuments(quoting), 'stored again').to.equal(1);

    await expireInvoices(app.erasure, { customerId: shopper.customerId, dueAt: new Date().toISOString() });
    expect(await answers.countDocuments(quoting)).to.equal(0);
    expect(await answers.countDocuments({ 'body.orderId': orderId }), 'nor any other answer about the order').to.equal(0);
  });
});

/**
 * A carrier's reason may quote the address it could not serve (the inventory classifies it as
 * invoice data: the log keeps it under the invoice key, no read model keeps a copy once the
 * customer is erased). The admins are told of a refused booking with the reason in the text;
 * those copies are stored under each admin, not under the customer, so the erasure's deletion
 * of the customer's notifications missed them: after the erasure the reason stayed in
 * read-models.db for good (a check that greps the files after an erasure finds it).
 */
describe('HTTP erasure and the admins\' notices about the customer', () => {
  let app: TestApp;
  afterEach(async () => app?.close());

  it('scrubs the carrier\'s reason from the admins\' notices about the erased customer\'s orders, keeping the notice', async () => {
    app = await startTestApp();
    const admin = await app.adminToken();
    const shopper = await app.customer('Quentin Refused');
    const { productId } = await stockedProduct(app, admin, 5);
    await addToCart(app, shopper, productId, 1);
    // The simulated carrier refuses postal code 00000, naming it in its reason.
    const placed = await app.http().post('/api/v1/checkout').set(bearer(shopper.token)).send({ shippingAddress: { ...ADDRESS, postalCode: '00000' }, paymentMethod: { token: 'tok_visa' } });
    expect(placed.status, JSON.stringify(placed.body)).to.equal(202);
    const orderId = placed.body.orderId as string;
    const order = await eventually(async () => {
      const confirmed = await orderReaches(app, shopper.token, orderId, ['Confirmed']);
      return confirmed.shipment ? confirmed : undefined;
    });
    expect((await app.http().post(`/api/v1/shipments/${order.shipment.shipmentId}/dispatch`).set(bearer(admin))).status).to.equal(422);
    const notices = app.store.collection('notifications');
    const reasonQuoted = { orderId, type: 'ShipmentBookingRefused', text: { $regex: 'postal code 00000' } };
    await eventually(async () => ((await notices.countDocuments(reasonQuoted)) > 0 ? true : undefined));

    expect((await app.http().post(`/api/v1/orders/${orderId}/cancel`).set(bearer(shopper.token))).status).to.equal(202);
    await app.settled();
    const erased = await app.http().delete('/api/v1/account/me').set(bearer(shopper.token)).send({ password: 'correct-horse' });
    expect(erased.status, JSON.stringify(erased.body)).to.equal(202);
    await erasureDone(app, shopper.customerId);

    expect(await notices.countDocuments(reasonQuoted), 'no notice quotes the reason any more').to.equal(0);
    const kept = await notices.find({ orderId, type: 'ShipmentBookingRefused' });
    expect(kept.length, 'the admins keep the notice').to.be.greaterThan(0);
    for (const notice of kept) expect(notice).to.include({ text: ERASED, subject: `Carrier refused shipment of order ${orderId.slice(0, 8).toUpperCase()}` });
    for (const collection of ['jobs', 'parked_jobs']) {
      expect(await app.store.collection(collection).countDocuments({ 'payload.orderId': orderId, 'payload.text': { $regex: '00000' } }), collection).to.equal(0);
    }
  });
});

/**
 * The command handler keeps the states it folded lately (an LRU of streams): an order's state
 * held the address in clear after the erasure had destroyed the key that sealed it, so a
 * command on that order (an admin cancelling it again) answered the address, while every read
 * model and the audit read [erased].
 */
describe("HTTP erasure and the command handler's states of the customer's streams", () => {
  let app: TestApp;
  afterEach(async () => app?.close());

  it('a command on an order of the erased customer answers [erased] once the invoices have expired', async () => {
    app = await startTestApp({ invoiceRetentionDays: 0 });
    const admin = await app.adminToken();
    const shopper: Shopper = await app.customer('Viktor Cached');
    const { productId } = await stockedProduct(app, admin, 5);
    const orderId = await buy(app, shopper, productId);
    await orderReaches(app, shopper.token, orderId, ['Confirmed']);
    const cancel = () => app.http().post(`/api/v1/orders/${orderId}/cancel`).set(bearer(admin)).send();
    const first = await cancel();
    expect(first.status, JSON.stringify(first.body)).to.equal(202);
    expect(first.body.shippingAddress).to.deep.equal(ADDRESS);
    await app.settled();

    expect((await app.http().delete('/api/v1/account/me').set(bearer(shopper.token)).send({ password: 'correct-horse' })).status).to.equal(202);
    await erasureDone(app, shopper.customerId);
    await eventually(async () => ((await eventsOf(app, 'CustomerInvoicesExpired', (e) => e.data.customerId === shopper.customerId)).length > 0 ? true : undefined), 15_000);

    const again = await appendsNothing(app, cancel);
    expect(again.status, JSON.stringify(again.body)).to.equal(202);
    expect(again.body.shippingAddress).to.deep.equal({ line1: ERASED, city: ERASED, postalCode: ERASED, country: ERASED });
  });
});

