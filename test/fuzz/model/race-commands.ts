import { expect } from 'chai';
import { derivedId } from '../../../src/domain/shared/ids.js';
import { trackingNumberOf } from '../../../src/domain/shipping/shipment.js';
import { Pick, type ShopCommand } from './cart-commands.js';
import { checkAll } from './checks.js';
import { ADDRESSES, predictCancel, predictDispatch, repricedLines, settleNewOrder, shortLines, type Order, type ShopModel, type Token } from './model.js';
import { describe, expectStatus, type Shop } from './system.js';

/**
 * Writes that race the saga or each other: the model cannot say which one wins, only what
 * each winner leaves behind. Once the shop is quiet the model takes the winner the answers
 * name and checks that everything else (stock, payment, shipment, history) follows from it.
 */

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Histories a cancellation that raced the saga may leave (API.md: only open orders cancel). */
const CANCELLED_AT_ONCE = ['Pending,Cancelled', 'Pending,Paid,Cancelled', 'Pending,Paid,Confirmed,Cancelled'];

const newOrder = (model: ShopModel, owner: number, orderId: string, address: number): Order => ({
  label: `o${model.orders.length}`, orderId, owner, lines: model.customers[owner]!.cart, status: 'Pending', history: ['Pending'],
  payment: 'Pending', shipment: null, failureReason: null, trackingNumber: null, address: ADDRESSES[address]!,
});

/** Checkout, then cancel a few ms later, while the saga is still paying, reserving or confirming. */
export class CheckoutThenCancel implements ShopCommand {
  private readonly c: Pick;
  constructor(c: number, private readonly token: Token, private readonly delayMs: number) {
    this.c = new Pick('c', c);
  }
  check = () => true;
  async run(model: ShopModel, shop: Shop) {
    const owner = this.c.at(model.customers.length);
    const customer = model.customers[owner]!;
    if (customer.cart.length === 0 || repricedLines(model, customer).length > 0 || shortLines(model, customer).length > 0) return; // an empty, re-priced or short cart is Checkout's case
    const body = { shippingAddress: ADDRESSES[0], paymentMethod: { token: this.token } };
    const placed = await shop.request('post', '/api/v1/checkout', customer.token, body);
    expectStatus(placed, 202);
    await sleep(this.delayMs);
    const cancel = await shop.request('post', `/api/v1/orders/${placed.body.orderId}/cancel`, customer.token);
    await shop.quiesce();
    const order = newOrder(model, owner, placed.body.orderId, 0);
    customer.cart = [];
    if (cancel.status === 409) {
      // Too late: the saga had failed it already; the order is as if never cancelled.
      settleNewOrder(model, order, this.token);
      expect(order.status, `${describe(cancel)}: refused, yet the model has the order ${order.status}`).to.equal('Failed');
    } else {
      expectStatus(cancel, 202);
      await this.takeCancelled(shop, customer.token, order);
    }
    shop.tally(`race checkout then cancel: ${order.history.join(' → ')}, payment ${order.payment}`);
    model.orders.push(order);
    await checkAll(shop, model);
  }

  /** The history the race left, if legal, becomes the model's; payment and shipment must follow from it. */
  private async takeCancelled(shop: Shop, token: string, order: Order) {
    const view = (await shop.request('get', `/api/v1/orders/${order.orderId}`, token)).body;
    const history = (view.history as Array<{ status: Order['status'] }>).map((h) => h.status);
    expect(CANCELLED_AT_ONCE, `${order.label}: history ${history.join(' → ')}`).to.include(history.join(','));
    const paid = history.includes('Paid');
    const payments = paid ? ['Refunded'] : this.token === 'tok_visa' ? ['Failed', 'Refunded'] : ['Failed'];
    expect(payments, `${order.label}: payment of an order cancelled ${paid ? 'after' : 'before'} paying`).to.include(view.payment.status);
    Object.assign(order, { status: 'Cancelled', history, payment: view.payment.status, shipment: history.includes('Confirmed') ? 'Cancelled' : null });
  }

  toString = () => `checkoutThenCancel(${this.c}, ${this.token}, after ${this.delayMs} ms)`;
}

/**
 * Cancel while the provider has not been called (the job runner held back): the payment is
 * voided, never charged, and the order is Cancelled straight from Pending.
 */
export class CancelBeforePayment implements ShopCommand {
  private readonly c: Pick;
  constructor(c: number, private readonly token: Token) {
    this.c = new Pick('c', c);
  }
  check = () => true;
  async run(model: ShopModel, shop: Shop) {
    const owner = this.c.at(model.customers.length);
    const customer = model.customers[owner]!;
    if (customer.cart.length === 0 || repricedLines(model, customer).length > 0 || shortLines(model, customer).length > 0) return; // an empty, re-priced or short cart is Checkout's case
    const body = { shippingAddress: ADDRESSES[0], paymentMethod: { token: this.token } };
    await shop.app.deps.jobs.stop();
    let cancel;
    try {
      const placed = await shop.request('post', '/api/v1/checkout', customer.token, body);
      expectStatus(placed, 202);
      await shop.logSettled(); // the saga asked for the payment: its charge job waits for the runner
      cancel = await shop.request('post', `/api/v1/orders/${placed.body.orderId}/cancel`, customer.token);
      model.orders.push(newOrder(model, owner, placed.body.orderId, 0));
      await shop.logSettled(); // the saga voided the payment before the charge job may run
    } finally {
      shop.app.deps.jobs.start();
    }
    await shop.quiesce();
    expectStatus(cancel, 202);
    customer.cart = [];
    Object.assign(model.orders.at(-1)!, { status: 'Cancelled', history: ['Pending', 'Cancelled'], payment: 'Failed' });
    await checkAll(shop, model);
  }
  toString = () => `cancelBeforePayment(${this.c}, ${this.token})`;
}

/** Dispatch and cancel a confirmed order at once: exactly one wins, and stock follows the winner. */
export class DispatchVersusCancel implements ShopCommand {
  private readonly o: Pick;
  constructor(o: number, private readonly cancelFirst: boolean) {
    this.o = new Pick('o', o);
  }
  check = (model: Readonly<ShopModel>) => model.orders.some((o) => o.status === 'Confirmed');
  async run(model: ShopModel, shop: Shop) {
    const order = this.o.of(model.orders.filter((o) => o.status === 'Confirmed'));
    const shipmentId = derivedId(order.orderId, 'shipment');
    const owner = model.customers[order.owner]!;
    const sendDispatch = () => shop.request('post', `/api/v1/shipments/${shipmentId}/dispatch`, shop.admin, {});
    const sendCancel = () => shop.request('post', `/api/v1/orders/${order.orderId}/cancel`, owner.token);
    const [dispatch, cancel] = this.cancelFirst
      ? (([c, d]) => [d, c])(await Promise.all([sendCancel(), sendDispatch()]))
      : await Promise.all([sendDispatch(), sendCancel()]);
    await shop.quiesce();
    const won = dispatch.status === 200 ? 'dispatch' : 'cancel';
    expectStatus(won === 'dispatch' ? cancel : dispatch, 409);
    expectStatus(won === 'dispatch' ? dispatch : cancel, won === 'dispatch' ? 200 : 202);
    const outcome = won === 'dispatch' ? predictDispatch(model, order, trackingNumberOf(shipmentId)) : predictCancel(model, order);
    outcome.apply!();
    shop.tally(`race dispatch versus cancel: ${won} won`);
    await checkAll(shop, model);
  }
  toString = () => `dispatchVersusCancel(${this.o} of the confirmed${this.cancelFirst ? ', cancel sent first' : ''})`;
}

/** The same cart checked out twice at once (a double click): one order, the other refused. */
export class DoubleCheckout implements ShopCommand {
  private readonly c: Pick;
  constructor(c: number, private readonly token: Token) {
    this.c = new Pick('c', c);
  }
  check = () => true;
  async run(model: ShopModel, shop: Shop) {
    const owner = this.c.at(model.customers.length);
    const customer = model.customers[owner]!;
    if (repricedLines(model, customer).length > 0 || shortLines(model, customer).length > 0) return; // a re-priced or short cart is Checkout's case
    const body = { shippingAddress: ADDRESSES[0], paymentMethod: { token: this.token } };
    const before = await shop.app.head();
    const answers = await Promise.all([0, 1].map(() => shop.request('post', '/api/v1/checkout', customer.token, body)));
    await shop.quiesce();
    const placed = answers.filter((res) => res.status === 202);
    const refused = answers.filter((res) => res.status !== 202);
    if (customer.cart.length === 0) {
      for (const res of answers) expectStatus(res, 422);
      expect(await shop.app.head(), 'an empty cart checked out twice appended events').to.equal(before);
    } else {
      expect(placed, `one order from ${answers.map(describe).join(' and ')}`).to.have.length(1);
      expect([409, 422], describe(refused[0]!)).to.include(refused[0]!.status);
      expectStatus(refused[0]!, refused[0]!.status);
      shop.tally(`race double checkout: 202 and ${refused[0]!.status}`);
      const order = newOrder(model, owner, placed[0]!.body.orderId, 0);
      customer.cart = [];
      settleNewOrder(model, order, this.token);
      model.orders.push(order);
    }
    await checkAll(shop, model);
  }
  toString = () => `doubleCheckout(${this.c}, ${this.token})`;
}
