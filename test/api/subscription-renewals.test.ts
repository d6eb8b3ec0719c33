import { expect } from 'chai';
import { renewSubscription } from '../../src/commands/renewals.js';
import type { RecordedEvent } from '../../src/infrastructure/event-store/event-store.js';
import type { ProductView } from '../../src/projections/products/products.js';
import { CHECKPOINTS } from '../../src/projections/runner.js';
import { ADDRESS, addToCart, stockedProduct, type Shopper } from '../support/shop.js';
import { eventually } from '../support/temp-dir.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/**
 * Renewals through HTTP on the embedded stores (issue 16, part 3): each renewal places one
 * order through the order saga at the day's prices, caused by its renewal event; a job run
 * twice or an event delivered again places nothing more; a renewal whose payment fails is
 * tried twice more, a day apart, then the subscription is PastDue and the customer emailed;
 * a cancelled subscription renews no more, while the order it placed goes on.
 */

const DAY = 150;

describe('HTTP subscription renewals', function () {
  this.timeout(60_000);
  let app: TestApp;
  let admin: string;
  let shopper: Shopper;
  let product: { productId: string; sku: string };
  beforeEach(async () => {
    app = await startTestApp({ subscriptionDayMs: DAY });
    admin = await app.adminToken();
    shopper = await app.customer();
    product = await stockedProduct(app, admin, 100, 1500);
  });
  afterEach(async () => app.close());

  const as = (who: Shopper | string) => ({ Authorization: `Bearer ${typeof who === 'string' ? who : who.token}` });
  const saved = async (token: string) => {
    const res = await app.http().post('/api/v1/account/me/payment-methods').set(as(shopper)).send({ token });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    return res.body.paymentMethodId as string;
  };
  const subscribe = async (paymentMethodId: string, intervalDays: number) => {
    const res = await app.http().post('/api/v1/subscriptions').set(as(shopper)).send({ items: [{ productId: product.productId, quantity: 2 }], intervalDays, shippingAddress: ADDRESS, paymentMethodId });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    return res.body.subscriptionId as string;
  };
  const view = async (id: string) => (await app.http().get(`/api/v1/subscriptions/${id}`).set(as(shopper))).body as Record<string, any>;
  const post = (id: string, action: string) => app.http().post(`/api/v1/subscriptions/${id}/${action}`).set(as(shopper));
  const of = (id: string) => (e: RecordedEvent) => e.data.subscriptionId === id || (e.data.subscription as { subscriptionId?: string } | undefined)?.subscriptionId === id;
  const events = async (id: string, type: string) => (await app.events()).filter((e) => e.type === type && of(id)(e));
  /** Every try of every renewal placed exactly one order. */
  const oneOrderPerTry = async (id: string) => {
    const orders = await events(id, 'OrderCreated');
    const tries = orders.map((e) => JSON.stringify(e.data.subscription));
    expect(new Set(tries).size, 'one order per renewal and try').to.equal(tries.length);
    const renewed = await events(id, 'SubscriptionRenewed');
    expect(orders.map((e) => e.data.orderId).sort()).to.deep.equal(renewed.map((e) => e.data.orderId).sort());
    return orders;
  };
  /** Waits until no renewal job of the subscription is left (the due ones ran, whatever they decided). */
  const renewalJobsDone = async (id: string) => {
    const renewals = app.deps.processes.find((p) => p.name === 'subscription-renewals')!;
    expect(await renewals.waitFor(await app.head(), 10_000)).to.equal(true);
    await eventually(async () => ((await app.deps.readModels.collection('jobs').countDocuments({ kind: 'renew-subscription', 'payload.subscriptionId': id })) === 0 ? true : undefined));
  };
  /** Waits until the subscription is PastDue; its three tries failed for `reason`, each without an order. */
  const pastDueWithoutOrders = async (id: string, reason: string) => {
    await eventually(async () => ((await view(id)).status === 'PastDue' ? true : undefined), 30_000);
    const failed = await events(id, 'SubscriptionRenewalFailed');
    expect(failed.map((e) => [e.data.attempt, e.data.reason, e.data.orderId])).to.deep.equal([1, 2, 3].map((attempt) => [attempt, reason, null]));
  };
  /** The customer's notifications, once every email queued so far is sent. */
  const inbox = async () => {
    const notifications = app.deps.processes.find((p) => p.name === 'notifications')!;
    expect(await notifications.waitFor(await app.head(), 10_000)).to.equal(true);
    await eventually(async () => ((await app.deps.readModels.collection('jobs').countDocuments({ kind: 'send-notification' })) === 0 ? true : undefined));
    return (await app.http().get('/api/v1/account/me/notifications?pageSize=100').set(as(shopper))).body.items as Array<{ type: string; subject: string; subscriptionId?: string }>;
  };
  const renewalDeps = () => ({ commands: app.deps.commands, products: app.deps.readModels.collection<ProductView>('products'), clock: app.deps.clock, dayMs: DAY });

  it("places the first renewal's order when due, at the day's prices, through the order saga to Confirmed, caused by the renewal; the cart is left alone", async () => {
    const visa = await saved('tok_visa');
    await addToCart(app, shopper, product.productId, 1);
    const id = await subscribe(visa, 4);
    // The day's price is the one of the renewal's day, not the subscription's.
    expect((await app.http().patch(`/api/v1/products/${product.productId}`).set(as(admin)).send({ price: { amount: 1750, currency: 'USD' } })).status).to.equal(200);
    const renewal = await eventually(async () => {
      const shown = await view(id);
      return shown.renewals?.[0]?.order?.status === 'Confirmed' ? shown.renewals[0] : undefined;
    });
    expect((await post(id, 'pause')).status).to.equal(200);
    expect(renewal).to.include({ renewal: 1, attempt: 1, failureReason: null });
    expect(renewal.order.total).to.deep.equal({ amount: 3500, currency: 'USD' });
    const order = (await app.http().get(`/api/v1/orders/${renewal.orderId}`).set(as(shopper))).body;
    expect(order).to.include({ status: 'Confirmed', customerId: shopper.customerId });
    expect(order.lines).to.deep.equal([{ productId: product.productId, sku: product.sku, name: 'Widget', quantity: 2, unitPrice: { amount: 1750, currency: 'USD' } }]);
    const [renewed] = await events(id, 'SubscriptionRenewed');
    const [created] = await oneOrderPerTry(id);
    expect(created!.metadata.causationId, 'the renewal event caused the order').to.equal(renewed!.id);
    expect(created!.data.paymentMethod).to.deep.equal({ token: 'tok_visa', paymentMethodId: visa });
    expect(created!.metadata.correlationId).to.equal(renewed!.metadata.correlationId);
    const cart = (await app.http().get('/api/v1/cart').set(as(shopper))).body;
    expect(cart.items.map((i: { quantity: number }) => i.quantity), 'the cart still holds its line').to.deep.equal([1]);
    expect(await events(id, 'CartCheckedOut')).to.deep.equal([]);

    // The audit timeline of the order starts with its cause: the subscription's renewal.
    const audit = await app.http().get(`/api/v1/admin/audit/orders/${renewal.orderId}`).set(as(admin));
    expect(audit.status, JSON.stringify(audit.body)).to.equal(200);
    const timeline = audit.body.timeline as Array<{ type: string; streamName: string; metadata: Record<string, unknown> }>;
    expect(timeline[0]).to.include({ type: 'SubscriptionRenewed', streamName: `subscription-${id}` });
    expect(timeline[1]).to.include({ type: 'OrderCreated' });
    expect(timeline[1]!.metadata.causationId).to.equal(renewed!.id);
    expect(timeline.map((e) => e.type)).to.include.members(['PaymentProcessed', 'StockReserved', 'OrderConfirmed']);
  });

  it('places nothing more when the renewal job runs again or the events are delivered again', async () => {
    const id = await subscribe(await saved('tok_visa'), 3);
    await eventually(async () => ((await view(id)).renewals?.[0]?.order?.status === 'Confirmed' ? true : undefined));
    expect((await post(id, 'pause')).status).to.equal(200);
    await app.settled();
    const before = (await app.events()).length;
    const [renewed] = await events(id, 'SubscriptionRenewed');
    const [created] = await events(id, 'SubscriptionCreated');

    // The job of renewal 1 run again (a crash after its work, before its deletion).
    await renewSubscription(renewalDeps(), { subscriptionId: id, renewal: 1, attempt: 1, dueAt: String(created!.data.nextRenewalAt) });
    expect((await app.events()).length, 'a job run twice appends nothing').to.equal(before);

    // Every event delivered again to the subscriptions process manager, its jobs gone.
    expect((await post(id, 'resume')).status).to.equal(200);
    const subscriptions = app.deps.processes.find((p) => p.name === 'subscription-renewals')!;
    await subscriptions.stop();
    await app.deps.readModels.collection(CHECKPOINTS).deleteOne({ _id: 'process:subscription-renewals' });
    await app.deps.readModels.collection('saga_subscription_renewals').deleteMany({});
    await subscriptions.start();
    expect(await subscriptions.waitFor(await app.head(), 10_000)).to.equal(true);
    expect((await post(id, 'cancel')).status).to.equal(200);
    await renewalJobsDone(id);
    await app.settled();
    const orders = await oneOrderPerTry(id);
    const renewals = (await events(id, 'SubscriptionRenewed')).map((e) => e.data.renewal);
    expect(new Set(renewals).size).to.equal(renewals.length);
    expect(orders.filter((e) => (e.data.subscription as { renewal: number }).renewal === 1)).to.have.length(1);
    expect((await events(id, 'SubscriptionRenewed'))[0]!.id).to.equal(renewed!.id);
  });

  it('tries a declined renewal twice more, a day apart, then is PastDue and emails the customer; resumed with a good card, it renews at once', async () => {
    const poor = await saved('tok_insufficient_funds');
    // The next renewal twenty days on: renewal 1 has its three tries well before.
    const id = await subscribe(poor, 20);
    const pastDue = await eventually(async () => {
      const shown = await view(id);
      return shown.status === 'PastDue' ? shown : undefined;
    }, 30_000);
    expect(pastDue.nextRenewalAt).to.equal(null);
    const first = pastDue.renewals.filter((r: { renewal: number }) => r.renewal === 1);
    expect(first.map((r: Record<string, unknown>) => [r.attempt, r.failureReason])).to.deep.equal([
      [1, 'payment-declined'],
      [2, 'payment-declined'],
      [3, 'payment-declined'],
    ]);
    expect(first.every((r: { order: { status: string } }) => r.order.status === 'Failed')).to.equal(true);
    const failed = (await events(id, 'SubscriptionRenewalFailed')).filter((e) => e.data.renewal === 1);
    expect(failed.map((e) => e.data.attempt)).to.deep.equal([1, 2, 3]);
    for (const event of failed.slice(0, 2)) expect(Date.parse(String(event.data.retryAt)) - Date.parse(String(event.data.failedAt)), 'a day later').to.equal(DAY);
    expect(failed[2]!.data.retryAt).to.equal(null);
    const retries = (await events(id, 'SubscriptionRenewed')).filter((e) => e.data.renewal === 1).slice(1);
    retries.forEach((retry, i) => expect(Date.parse(String(retry.data.renewedAt))).to.be.at.least(Date.parse(String(failed[i]!.data.retryAt))));
    const [wentPastDue, ...again] = await events(id, 'SubscriptionPastDue');
    expect(again).to.deep.equal([]);
    await oneOrderPerTry(id);
    // Past due renews no more by itself: the renewal jobs still due run and start nothing.
    await renewalJobsDone(id);
    expect((await events(id, 'SubscriptionRenewed')).filter((e) => e.position > wentPastDue!.position)).to.deep.equal([]);
    expect((await inbox()).filter((n) => n.type === 'SubscriptionPastDue').map((n) => n.subscriptionId)).to.deep.equal([id]);

    const visa = await saved('tok_visa');
    expect((await app.http().patch(`/api/v1/subscriptions/${id}`).set(as(shopper)).send({ paymentMethodId: visa })).status).to.equal(200);
    const resumed = await post(id, 'resume');
    expect(resumed.status, JSON.stringify(resumed.body)).to.equal(200);
    expect(resumed.body.status).to.equal('Active');
    const next = await eventually(async () => (await view(id)).renewals.find((r: { order: { status: string } | null }) => r.order?.status === 'Confirmed'));
    expect(next).to.include({ attempt: 1 });
    expect(next.renewal).to.be.greaterThan(1);
    expect((await post(id, 'cancel')).status).to.equal(200);
  });

  it('with its payment method removed, fails three tries without an order and is PastDue; given a new card and resumed, it renews at once and then every interval', async () => {
    const visa = await saved('tok_visa');
    const id = await subscribe(visa, 3);
    expect((await app.http().delete(`/api/v1/account/me/payment-methods/${visa}`).set(as(shopper))).status).to.equal(200);
    await pastDueWithoutOrders(id, 'payment-method-removed');
    const card = await saved('tok_mastercard');
    expect((await app.http().patch(`/api/v1/subscriptions/${id}`).set(as(shopper)).send({ paymentMethodId: card })).status).to.equal(200);
    const resumed = await post(id, 'resume');
    expect(resumed.status, JSON.stringify(resumed.body)).to.equal(200);
    // Before, the resume named renewal 1 again, whose first try had run already: its job ran and placed nothing, ever.
    const confirmed = async (count: number) =>
      eventually(async () => {
        const renewals = (await view(id)).renewals.filter((r: { order: { status: string } | null }) => r.order?.status === 'Confirmed');
        return renewals.length >= count ? renewals : undefined;
      }, 20_000);
    const [first] = await confirmed(1);
    expect(first.renewal, 'a renewal no try had used').to.be.greaterThan(1);
    const [, second] = await confirmed(2);
    expect(second.renewal).to.equal(first.renewal + 1);
    expect((await post(id, 'cancel')).status).to.equal(200);
    await oneOrderPerTry(id);
  });

  it('with an item out of stock, fails three tries without an order (nothing charged, nothing refunded) and is PastDue, telling the customer it is stock, not payment', async () => {
    product = await stockedProduct(app, admin, 1, 1500); // the subscription wants 2
    const id = await subscribe(await saved('tok_visa'), 3);
    await pastDueWithoutOrders(id, 'out-of-stock');
    expect(await events(id, 'OrderCreated')).to.deep.equal([]);
    expect((await app.provider.entries()).filter((e) => e.kind === 'charge')).to.deep.equal([]);
    expect((await events(id, 'SubscriptionPastDue')).map((e) => e.data.reason)).to.deep.equal(['out-of-stock']);
    const notice = (await inbox()).find((n) => n.type === 'SubscriptionPastDue');
    expect(notice?.subject).to.match(/on hold: not in stock/).and.not.match(/Payment/);
  });

  it('the cancel flow: an order already placed goes on to Confirmed, and no renewal follows the cancellation', async () => {
    const id = await subscribe(await saved('tok_visa'), 2);
    const [created] = await eventually(async () => {
      const found = await events(id, 'OrderCreated');
      return found.length > 0 ? found : undefined;
    });
    const cancelled = await post(id, 'cancel');
    expect(cancelled.status).to.equal(200);
    const orderId = String(created!.data.orderId);
    await eventually(async () => ((await app.http().get(`/api/v1/orders/${orderId}`).set(as(shopper))).body.status === 'Confirmed' ? true : undefined));
    const renewedBefore = (await events(id, 'SubscriptionRenewed')).length;
    // The renewals scheduled before the cancellation fall due and place nothing.
    await renewalJobsDone(id);
    await app.settled();
    expect(await events(id, 'SubscriptionRenewed')).to.have.length(renewedBefore);
    expect((await app.events()).filter((e) => e.type === 'OrderCancelled' && e.data.orderId === orderId)).to.deep.equal([]);
    await oneOrderPerTry(id);
    expect((await view(id)).status).to.equal('Cancelled');
  });
});
