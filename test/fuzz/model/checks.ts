import { expect } from 'chai';
import { derivedId } from '../../../src/domain/shared/ids.js';
import { SIMULATED_LEDGER, type LedgerEntry } from '../../../src/infrastructure/payments/simulated-provider.js';
import { available, cartBody, illegalStep, total, type Customer, type Order, type Product, type ShopModel } from './model.js';
import { describe, type Shop } from './system.js';

/**
 * The read models (GET routes) against the model, once the shop is quiet: carts and their
 * totals, stock levels (never below reserved, reserved = what confirmed orders hold), and
 * every order's status, history (legal steps only), payment, shipment and lines.
 */

export const checkCart = async (shop: Shop, customer: Customer) => {
  const res = await shop.request('get', '/api/v1/cart', customer.token);
  expect(res.status, describe(res)).to.equal(200);
  expect(res.body, `${customer.label}'s cart`).to.deep.equal(withNames(res.body, cartBody(customer)));
};

/** Names are the catalog's business, not the model's: taken from the answer. */
const withNames = (actual: { items?: Array<{ name?: unknown }> }, expected: ReturnType<typeof cartBody>) => ({
  ...expected,
  items: expected.items.map((item, i) => ({ ...item, name: actual.items?.[i]?.name })),
});

export const checkProduct = async (shop: Shop, model: ShopModel, product: Product) => {
  const held = model.orders.filter((o) => o.status === 'Confirmed').flatMap((o) => o.lines).filter((l) => l.productId === product.productId);
  expect(product.reserved, `model: ${product.label} reserved = what confirmed orders hold`).to.equal(held.reduce((sum, l) => sum + l.quantity, 0));
  const levels = await shop.request('get', `/api/v1/inventory/${encodeURIComponent(product.sku)}`, shop.admin);
  expect(levels.status, describe(levels)).to.equal(200);
  const { onHand, reserved } = product;
  expect(levels.body, `${product.label}'s stock`).to.deep.include({ sku: product.sku, onHand, reserved, available: available(product) });
  expect(levels.body.available, `${product.label}: stock below reserved`).to.be.at.least(0);
  const shown = await shop.request('get', `/api/v1/products/${product.productId}`);
  expect(shown.body.available, `${product.label}'s availability in the catalog`).to.equal(Math.max(0, available(product)));
};

export const checkOrder = async (shop: Shop, model: ShopModel, order: Order) => {
  const owner = model.customers[order.owner]!;
  const res = await shop.request('get', `/api/v1/orders/${order.orderId}`, owner.token);
  expect(res.status, describe(res)).to.equal(200);
  const body = res.body as Record<string, any>;
  const history = (body.history as Array<{ status: string }>).map((h) => h.status) as Order['history'];
  expect(illegalStep(history), `${order.label}: an illegal status change in ${history.join(' → ')}`).to.equal(undefined);
  const seen = {
    status: body.status,
    history,
    payment: body.payment?.status,
    shipment: body.shipment?.status ?? null,
    failureReason: body.failureReason,
    trackingNumber: body.shipment?.trackingNumber ?? null,
    address: body.shippingAddress,
    lines: (body.lines as Array<Record<string, any>>).map((l) => ({ productId: l.productId, sku: l.sku, quantity: l.quantity, unitPrice: l.unitPrice.amount })),
    total: body.total,
  };
  const { status, payment, shipment, failureReason, trackingNumber, address, lines } = order;
  const expected = { status, history: order.history, payment, shipment, failureReason, trackingNumber, address, lines, total: { amount: total(lines), currency: 'USD' } };
  expect(seen, `${order.label} as its owner sees it: ${JSON.stringify(seen)}, the model: ${JSON.stringify(expected)}`).to.deep.equal(expected);
  const kept = ['Confirmed', 'Shipped', 'Delivered'].includes(order.status) ? total(lines) : 0;
  expect(await moneyKept(shop, order), `${order.label} (${order.status}): money the provider kept`).to.equal(kept);
};

/** What the payment provider's ledger kept of the order's money: charged and not refunded. */
const moneyKept = async (shop: Shop, order: Order) => {
  const paymentId = derivedId(order.orderId, 'payment');
  const ledger = shop.app.deps.readModels.collection<LedgerEntry>(SIMULATED_LEDGER);
  const charge = await ledger.findOne({ _id: `charge:${paymentId}` });
  const refund = await ledger.findOne({ _id: `refund:${paymentId}` });
  const charged = charge && 'outcome' in charge.result && charge.result.outcome === 'captured' ? charge.amount.amount : 0;
  return charged - (refund?.amount.amount ?? 0);
};

export const checkOrderList = async (shop: Shop, model: ShopModel, index: number) => {
  const customer = model.customers[index]!;
  const res = await shop.request('get', '/api/v1/orders?pageSize=100', customer.token);
  const mine = model.orders.filter((o) => o.owner === index).map((o) => o.orderId).sort();
  expect(res.body.items.map((o: { orderId: string }) => o.orderId).sort(), `${customer.label}'s orders`).to.deep.equal(mine);
};

/** Everything the model knows, read back. */
export const checkAll = async (shop: Shop, model: ShopModel) => {
  for (const [i, customer] of model.customers.entries()) {
    await checkCart(shop, customer);
    await checkOrderList(shop, model, i);
  }
  for (const product of model.products) await checkProduct(shop, model, product);
  for (const order of model.orders) await checkOrder(shop, model, order);
  await shop.expectNothingParked();
};
