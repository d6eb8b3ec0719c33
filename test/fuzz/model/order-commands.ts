import { expect } from 'chai';
import { derivedId } from '../../../src/domain/shared/ids.js';
import { trackingNumberOf } from '../../../src/domain/shipping/shipment.js';
import { Pick, perform, type ShopCommand } from './cart-commands.js';
import { checkAll } from './checks.js';
import { ADDRESSES, available, predictAdjust, predictAmend, predictCancel, predictDeliver, predictDispatch, type Order, type ShopModel } from './model.js';
import { describe, type Shop } from './system.js';

/**
 * Commands on orders (the owner, an admin, or another customer, who must get 404) and on
 * the warehouse (receive, adjust, dispatch, deliver).
 */

export type Actor = 'owner' | 'admin' | 'stranger';

/** The token the actor signs in with; the stranger is another customer (a run starts with two). */
const tokenOf = (model: ShopModel, shop: Shop, order: Order, actor: Actor): string =>
  actor === 'admin' ? shop.admin : model.customers[actor === 'owner' ? order.owner : (order.owner + 1) % model.customers.length]!.token;

const hasOrders = (model: Readonly<ShopModel>) => model.orders.length > 0;

/** The shipment id the checkout derived from the order id (the shipment exists once the order is confirmed). */
const shipmentOf = (order: Order) => derivedId(order.orderId, 'shipment');

export class Cancel implements ShopCommand {
  private readonly o: Pick;
  constructor(o: number, private readonly actor: Actor) {
    this.o = new Pick('o', o);
  }
  check = hasOrders;
  async run(model: ShopModel, shop: Shop) {
    const order = this.o.of(model.orders);
    const outcome = this.actor === 'stranger' ? { status: 404 } : predictCancel(model, order);
    const res = await perform(shop, outcome, () => shop.request('post', `/api/v1/orders/${order.orderId}/cancel`, tokenOf(model, shop, order, this.actor)));
    if (res.status === 202) expect(res.body, describe(res)).to.deep.equal({ orderId: order.orderId, status: 'Cancelled', shippingAddress: order.address });
    await checkAll(shop, model);
  }
  toString = () => `cancel(${this.o}, by ${this.actor})`;
}

export class Amend implements ShopCommand {
  private readonly o: Pick;
  constructor(o: number, private readonly actor: Actor, private readonly address: number) {
    this.o = new Pick('o', o);
  }
  check = hasOrders;
  async run(model: ShopModel, shop: Shop) {
    const order = this.o.of(model.orders);
    const address = ADDRESSES[this.address]!;
    const outcome = this.actor === 'stranger' ? { status: 404 } : predictAmend(order, address);
    const token = tokenOf(model, shop, order, this.actor);
    const res = await perform(shop, outcome, () => shop.request('patch', `/api/v1/orders/${order.orderId}`, token, { shippingAddress: address }));
    if (res.status === 200) expect(res.body, describe(res)).to.deep.equal({ orderId: order.orderId, status: order.status, shippingAddress: address });
    await checkAll(shop, model);
  }
  toString = () => `amend(${this.o}, by ${this.actor}, address ${this.address})`;
}

export class Dispatch implements ShopCommand {
  private readonly o: Pick;
  constructor(o: number, private readonly trackingNumber: string | null) {
    this.o = new Pick('o', o);
  }
  check = hasOrders;
  async run(model: ShopModel, shop: Shop) {
    const order = this.o.of(model.orders);
    const shipmentId = shipmentOf(order);
    const outcome = predictDispatch(model, order, this.trackingNumber ?? trackingNumberOf(shipmentId), this.trackingNumber !== null);
    const body = this.trackingNumber === null ? {} : { trackingNumber: this.trackingNumber };
    const res = await perform(shop, outcome, () => shop.request('post', `/api/v1/shipments/${shipmentId}/dispatch`, shop.admin, body));
    if (res.status === 200) expect(res.body, describe(res)).to.deep.equal({ shipmentId, orderId: order.orderId, trackingNumber: order.trackingNumber, status: 'Shipped' });
    await checkAll(shop, model);
  }
  toString = () => `dispatch(${this.o}${this.trackingNumber === null ? '' : `, ${this.trackingNumber}`})`;
}

export class Deliver implements ShopCommand {
  private readonly o: Pick;
  constructor(o: number) {
    this.o = new Pick('o', o);
  }
  check = hasOrders;
  async run(model: ShopModel, shop: Shop) {
    const order = this.o.of(model.orders);
    const shipmentId = shipmentOf(order);
    const res = await perform(shop, predictDeliver(order), () => shop.request('post', `/api/v1/shipments/${shipmentId}/deliver`, shop.admin));
    if (res.status === 200) expect(res.body, describe(res)).to.deep.equal({ shipmentId, orderId: order.orderId, status: 'Delivered' });
    await checkAll(shop, model);
  }
  toString = () => `deliver(${this.o})`;
}

const expectLevels = (res: import('supertest').Response, product: ShopModel['products'][number]) => {
  if (res.status !== 200) return;
  const { sku, onHand, reserved } = product;
  // The threshold in force is the default (the model sets none): low and out of stock follow from available.
  const free = available(product);
  expect(res.body, describe(res)).to.deep.include({ sku, onHand, reserved, available: free, threshold: 5, lowStock: free < 5, outOfStock: free <= 0 });
};

export class Receive implements ShopCommand {
  private readonly p: Pick;
  constructor(p: number, private readonly quantity: number) {
    this.p = new Pick('p', p);
  }
  check = () => true;
  async run(model: ShopModel, shop: Shop) {
    const product = this.p.of(model.products);
    const outcome = { status: 200, apply: () => (product.onHand += this.quantity) };
    const path = `/api/v1/inventory/${encodeURIComponent(product.sku)}/receipts`;
    expectLevels(await perform(shop, outcome, () => shop.request('post', path, shop.admin, { quantity: this.quantity })), product);
    await checkAll(shop, model);
  }
  toString = () => `receive(${this.p}, ${this.quantity})`;
}

export class Adjust implements ShopCommand {
  private readonly p: Pick;
  constructor(p: number, private readonly delta: number) {
    this.p = new Pick('p', p);
  }
  check = () => true;
  async run(model: ShopModel, shop: Shop) {
    const product = this.p.of(model.products);
    const path = `/api/v1/inventory/${encodeURIComponent(product.sku)}/adjustments`;
    const body = { delta: this.delta, reason: 'stock count' };
    expectLevels(await perform(shop, predictAdjust(product, this.delta), () => shop.request('post', path, shop.admin, body)), product);
    await checkAll(shop, model);
  }
  toString = () => `adjust(${this.p}, ${this.delta > 0 ? '+' : ''}${this.delta})`;
}

/** A new price: lines already in carts keep theirs until more of the product is added. */
export class Reprice implements ShopCommand {
  private readonly p: Pick;
  constructor(p: number, private readonly price: number) {
    this.p = new Pick('p', p);
  }
  check = () => true;
  async run(model: ShopModel, shop: Shop) {
    const product = this.p.of(model.products);
    const outcome = product.price === this.price ? { status: 200 } : { status: 200, apply: () => (product.price = this.price) };
    const body = { price: { amount: this.price, currency: 'USD' } };
    const res = await perform(shop, outcome, () => shop.request('patch', `/api/v1/products/${product.productId}`, shop.admin, body));
    expect(res.body, describe(res)).to.deep.include({ productId: product.productId, sku: product.sku, price: body.price });
    await checkAll(shop, model);
  }
  toString = () => `reprice(${this.p}, ${this.price})`;
}
