import type fc from 'fast-check';
import { expect } from 'chai';
import { checkAll } from './checks.js';
import {
  ADDRESSES,
  cartBody,
  predictAdd,
  predictChange,
  predictCheckout,
  shortLines,
  predictRemove,
  settleNewOrder,
  type Customer,
  type Order,
  type Outcome,
  type Product,
  type ShopModel,
  type Token,
} from './model.js';
import { describe, expectStatus, type Shop } from './system.js';

/**
 * Commands of the shopper: register, fill the cart, check out. Indices are taken modulo
 * what the model has when the command runs, and `toString` shows what they resolved to
 * (c1 = the second customer, p0 = the first product), so a counterexample reads as a script.
 */

export type ShopCommand = fc.AsyncCommand<ShopModel, Shop>;

/** A position among the model's customers, products or orders, resolved when the command runs. */
export class Pick {
  private resolved: number | undefined;
  constructor(
    private readonly prefix: string,
    private readonly index: number,
  ) {}
  of<T>(items: readonly T[]): T {
    this.resolved = this.index % items.length;
    return items[this.resolved]!;
  }
  at(length: number): number {
    this.resolved = this.index % length;
    return this.resolved;
  }
  toString() {
    return this.resolved === undefined ? `${this.prefix}#${this.index}` : `${this.prefix}${this.resolved}`;
  }
}

/** Sends the request, checks the predicted status, and applies the prediction (or checks nothing was appended). */
export const perform = async (shop: Shop, outcome: Outcome, act: () => Promise<import('supertest').Response>) => {
  const res = await shop.write(act, !outcome.apply);
  expectStatus(res, outcome.status);
  outcome.apply?.();
  return res;
};

let emails = 0;

/** A new customer (201), or one whose email is taken (409, nothing appended). */
export class Register implements ShopCommand {
  private readonly taken: Pick | undefined;
  constructor(takenIndex: number | null) {
    this.taken = takenIndex === null ? undefined : new Pick('c', takenIndex);
  }
  check = () => true;
  async run(model: ShopModel, shop: Shop) {
    const email = this.taken ? this.taken.of(model.customers).email : `model-${process.pid}-${(emails += 1)}@test.local`;
    const body = { email, password: 'correct-horse', name: 'Model Shopper' };
    const outcome: Outcome = this.taken ? { status: 409 } : { status: 201, apply: () => undefined };
    const res = await perform(shop, outcome, () => shop.request('post', '/api/v1/account/register', undefined, body));
    if (!this.taken) model.customers.push(await signIn(shop, model.customers.length, email, res.body.customerId));
    await checkAll(shop, model);
  }
  toString = () => (this.taken ? `register(email of ${this.taken}) → taken` : 'register()');
}

export const signIn = async (shop: Shop, index: number, email: string, customerId: string): Promise<Customer> => {
  const res = await shop.request('post', '/api/v1/account/login', undefined, { email, password: 'correct-horse' });
  expect(res.status, describe(res)).to.equal(200);
  return { label: `c${index}`, customerId, email, token: res.body.token, cart: [] };
};

/** The cart answer of a write is the cart the model holds. */
const expectCart = (res: import('supertest').Response, customer: Customer) => {
  if (res.status !== 200) return;
  const items = cartBody(customer).items.map((item, i) => ({ ...item, name: res.body.items[i]?.name }));
  expect(res.body, describe(res)).to.deep.equal({ ...cartBody(customer), items });
};

/**
 * A change to one line of a customer's cart: the request, what the model predicts for it,
 * then the cart answered and every read model checked against the model.
 */
abstract class LineCommand implements ShopCommand {
  protected readonly c: Pick;
  protected readonly p: Pick;
  constructor(c: number, p: number) {
    this.c = new Pick('c', c);
    this.p = new Pick('p', p);
  }
  check = () => true;
  protected abstract send(shop: Shop, customer: Customer, product: Product): { outcome: Outcome; act: () => Promise<import('supertest').Response> };
  async run(model: ShopModel, shop: Shop) {
    const customer = this.c.of(model.customers);
    const product = this.p.of(model.products);
    const { outcome, act } = this.send(shop, customer, product);
    expectCart(await perform(shop, outcome, act), customer);
    await checkAll(shop, model);
  }
}

export class AddLine extends LineCommand {
  constructor(c: number, p: number, private readonly quantity: number) {
    super(c, p);
  }
  protected send(shop: Shop, customer: Customer, product: Product) {
    const body = { productId: product.productId, quantity: this.quantity };
    return { outcome: predictAdd(customer, product, this.quantity), act: () => shop.request('post', '/api/v1/cart/items', customer.token, body) };
  }
  override toString = () => `add(${this.c}, ${this.p}, ${this.quantity})`;
}

export class ChangeLine extends LineCommand {
  constructor(c: number, p: number, private readonly quantity: number) {
    super(c, p);
  }
  protected send(shop: Shop, customer: Customer, product: Product) {
    const path = `/api/v1/cart/items/${product.productId}`;
    return { outcome: predictChange(customer, product, this.quantity), act: () => shop.request('patch', path, customer.token, { quantity: this.quantity }) };
  }
  override toString = () => `change(${this.c}, ${this.p}, ${this.quantity})`;
}

export class RemoveLine extends LineCommand {
  protected send(shop: Shop, customer: Customer, product: Product) {
    return { outcome: predictRemove(customer, product), act: () => shop.request('delete', `/api/v1/cart/items/${product.productId}`, customer.token) };
  }
  override toString = () => `remove(${this.c}, ${this.p})`;
}

let keys = 0;

/**
 * Checkout: 422 on an empty cart; 409 prices-changed (the cart re-priced) when the catalog's
 * price of a line moved since it was added; else 202 Pending, and the saga settles it as the model says.
 * With `repeat`, the request is sent again with the same Idempotency-Key: the first answer
 * comes back (Idempotent-Replayed) and nothing is appended.
 */
export class Checkout implements ShopCommand {
  private readonly c: Pick;
  constructor(c: number, private readonly token: Token, private readonly address: number, private readonly repeat = false) {
    this.c = new Pick('c', c);
  }
  check = () => true;
  async run(model: ShopModel, shop: Shop) {
    const owner = this.c.at(model.customers.length);
    const customer = model.customers[owner]!;
    const body = { shippingAddress: ADDRESSES[this.address]!, paymentMethod: { token: this.token } };
    const placed = (orderId: string): Order => ({
      label: `o${model.orders.length}`, orderId, owner, lines: customer.cart, status: 'Pending', history: ['Pending'], payment: 'Pending',
      shipment: null, failureReason: null, trackingNumber: null, address: ADDRESSES[this.address]!,
    });
    const short = shortLines(model, customer).length > 0;
    const outcome: Outcome = predictCheckout(model, customer);
    const key = this.repeat ? { 'Idempotency-Key': `model-${process.pid}-${(keys += 1)}` } : undefined;
    const send = () => shop.request('post', '/api/v1/checkout', customer.token, body, key);
    const res = await perform(shop, outcome, send);
    if (res.status === 409 && short) {
      expect(res.body.type, describe(res)).to.equal('urn:shop:problem:out-of-stock');
      shop.tally('checkout refused: not enough in stock');
    } else if (res.status === 409) {
      expect(res.body.type, describe(res)).to.equal('urn:shop:problem:prices-changed');
      shop.tally('checkout refused: prices changed, the cart re-priced');
    }
    if (this.repeat) {
      const again = await perform(shop, { status: res.status }, send);
      expect({ body: again.body, replayed: again.headers['idempotent-replayed'] }, describe(again)).to.deep.equal({ body: res.body, replayed: 'true' });
    }
    if (res.status === 202) {
      expect(res.body, describe(res)).to.deep.equal({ orderId: res.body.orderId, status: 'Pending' });
      expect(res.headers.location).to.equal(`/api/v1/orders/${res.body.orderId}`);
      const order = placed(res.body.orderId);
      customer.cart = [];
      settleNewOrder(model, order, this.token);
      model.orders.push(order);
    }
    await checkAll(shop, model);
  }
  toString = () => `checkout(${this.c}, ${this.token}${this.address ? ', address 1' : ''}${this.repeat ? ', sent twice with one Idempotency-Key' : ''})`;
}
