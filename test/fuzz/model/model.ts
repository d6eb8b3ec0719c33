import type { OrderStatus } from '../../../src/domain/ordering/order.js';

/**
 * The small model the shop is checked against: what each cart holds, what each SKU has on
 * hand and reserved, and where each order stands. It knows only the rules a client can read
 * in API.md and the saga (DESIGN.md), so a disagreement is either a defect or a wrong rule here.
 */

export type Line = { productId: string; sku: string; quantity: number; unitPrice: number };
export type Customer = { label: string; customerId: string; email: string; token: string; cart: Line[] };
export type Product = { label: string; productId: string; sku: string; price: number; onHand: number; reserved: number };
export type PaymentStatus = 'Pending' | 'Captured' | 'Failed' | 'Refunded';
export type ShipmentStatus = 'Preparing' | 'Shipped' | 'Delivered' | 'Cancelled';
export type Address = { line1: string; city: string; postalCode: string; country: string };

export type Order = {
  label: string;
  orderId: string;
  owner: number;
  lines: Line[];
  status: OrderStatus;
  history: OrderStatus[];
  payment: PaymentStatus;
  shipment: ShipmentStatus | null;
  failureReason: string | null;
  trackingNumber: string | null;
  address: Address;
};

export type ShopModel = { customers: Customer[]; products: Product[]; orders: Order[] };

export const ADDRESSES: readonly Address[] = [
  { line1: '1 Main St', city: 'Springfield', postalCode: '12345', country: 'US' },
  { line1: '742 Evergreen Terrace', city: 'Springfield', postalCode: '49007', country: 'US' },
];

/** Tokens of the simulated provider the model can predict (tok_timeout would need the clock). */
export const TOKENS = ['tok_visa', 'tok_declined', 'tok_insufficient_funds', 'tok_unknown'] as const;
export type Token = (typeof TOKENS)[number];

export const MAX_QUANTITY_PER_LINE = 100;

/** The saga's transitions (API.md "Statuses"): anything else in an order's history is a defect. */
const LEGAL: Readonly<Record<OrderStatus, readonly OrderStatus[]>> = {
  Pending: ['Paid', 'Failed', 'Cancelled'],
  Paid: ['Confirmed', 'Failed', 'Cancelled'],
  Confirmed: ['Shipped', 'Cancelled'],
  Shipped: ['Delivered'],
  Delivered: [],
  Failed: [],
  Cancelled: [],
};

export const illegalStep = (history: readonly OrderStatus[]): string | undefined => {
  if (history[0] !== 'Pending') return `starts at ${history[0]}`;
  for (let i = 1; i < history.length; i += 1) {
    if (!LEGAL[history[i - 1]!].includes(history[i]!)) return `${history[i - 1]} → ${history[i]}`;
  }
  return undefined;
};

export const available = (product: Product) => product.onHand - product.reserved;
export const total = (lines: readonly Line[]) => lines.reduce((sum, line) => sum + line.unitPrice * line.quantity, 0);
export const productOf = (model: ShopModel, productId: string) => model.products.find((p) => p.productId === productId)!;
export const lineOf = (customer: Customer, productId: string) => customer.cart.find((line) => line.productId === productId);

/** Cart answers, as the API shows them. */
export const cartBody = (customer: Customer) => ({
  cartId: customer.customerId,
  items: customer.cart.map(({ productId, sku, quantity, unitPrice }) => ({ productId, sku, quantity, unitPrice: { amount: unitPrice, currency: 'USD' } })),
  total: { amount: total(customer.cart), currency: 'USD' },
});

// ------------------------------------------------------------------ predictions

/** The predicted status and, unless the request must append nothing, how it changes the model. */
export type Outcome = { status: number; apply?: () => void };

const ok = (status: number, apply?: () => void): Outcome => (apply ? { status, apply } : { status });

/** Adding: the quantity in the cart after it may not pass 100 nor what is available (409 both). */
export const predictAdd = (customer: Customer, product: Product, quantity: number): Outcome => {
  const existing = lineOf(customer, product.productId);
  const wanted = (existing?.quantity ?? 0) + quantity;
  if (wanted > MAX_QUANTITY_PER_LINE) return ok(409);
  if (wanted > available(product)) return ok(409);
  // The line takes the catalog's price of now, for all of its quantity (the cart's rule).
  return ok(200, () => {
    if (existing) Object.assign(existing, { quantity: wanted, unitPrice: product.price });
    else customer.cart.push({ productId: product.productId, sku: product.sku, quantity, unitPrice: product.price });
  });
};

/** Changing: only a line in the cart (404); more than there was must be available (409). */
export const predictChange = (customer: Customer, product: Product, quantity: number): Outcome => {
  const line = lineOf(customer, product.productId);
  if (!line) return ok(404);
  if (quantity === line.quantity) return ok(200);
  if (quantity > line.quantity && quantity > available(product)) return ok(409);
  return ok(200, () => (line.quantity = quantity));
};

export const predictRemove = (customer: Customer, product: Product): Outcome => {
  if (!lineOf(customer, product.productId)) return ok(404);
  return ok(200, () => (customer.cart = customer.cart.filter((line) => line.productId !== product.productId)));
};

/** A line of more than its product has available (a checkout of it is refused as out-of-stock). */
export const shortLines = (model: ShopModel, customer: Customer) => customer.cart.filter((line) => line.quantity > available(productOf(model, line.productId)));

/** A line whose product was re-priced since it was added (the catalog's price is the order's). */
export const repricedLines = (model: ShopModel, customer: Customer) => customer.cart.filter((line) => productOf(model, line.productId).price !== line.unitPrice);

/**
 * Checking out: 422 on an empty cart; 409 `out-of-stock` when a line is more than is available
 * (nothing changes); 409 `prices-changed` when a line's price is not the catalog's any more,
 * which re-prices those lines (and places nothing); else 202.
 */
export const predictCheckout = (model: ShopModel, customer: Customer): Outcome => {
  if (customer.cart.length === 0) return ok(422);
  if (shortLines(model, customer).length > 0) return ok(409);
  const stale = repricedLines(model, customer);
  if (stale.length > 0) return ok(409, () => stale.forEach((line) => (line.unitPrice = productOf(model, line.productId).price)));
  return ok(202, () => undefined);
};

/**
 * Where a new order ends once the saga is done: declined → Failed; paid and every line
 * available → Confirmed with its stock reserved; paid and a line short → refunded, Failed.
 */
export const settleNewOrder = (model: ShopModel, order: Order, token: Token): void => {
  if (token !== 'tok_visa') {
    Object.assign(order, { status: 'Failed', history: ['Pending', 'Failed'], payment: 'Failed', failureReason: 'payment-declined' });
    return;
  }
  const products = order.lines.map((line) => productOf(model, line.productId));
  const enough = order.lines.every((line, i) => line.quantity <= available(products[i]!));
  if (!enough) {
    Object.assign(order, { status: 'Failed', history: ['Pending', 'Paid', 'Failed'], payment: 'Refunded', failureReason: 'out-of-stock' });
    return;
  }
  order.lines.forEach((line, i) => (products[i]!.reserved += line.quantity));
  Object.assign(order, { status: 'Confirmed', history: ['Pending', 'Paid', 'Confirmed'], payment: 'Captured', shipment: 'Preparing' });
};

const OPEN: readonly OrderStatus[] = ['Pending', 'Paid', 'Confirmed'];

/** Cancelling: only the owner or an admin (404); once shipped or failed, 409; twice, a no-op. */
export const predictCancel = (model: ShopModel, order: Order): Outcome => {
  if (order.status === 'Cancelled') return ok(202);
  if (!OPEN.includes(order.status)) return ok(409);
  return ok(202, () => {
    if (order.status === 'Confirmed') {
      for (const line of order.lines) productOf(model, line.productId).reserved -= line.quantity;
      order.shipment = 'Cancelled';
    }
    if (order.payment === 'Captured') order.payment = 'Refunded';
    moveTo(order, 'Cancelled');
  });
};

export const predictAmend = (order: Order, address: Address): Outcome => {
  if (!OPEN.includes(order.status)) return ok(409);
  if (JSON.stringify(order.address) === JSON.stringify(address)) return ok(200);
  return ok(200, () => (order.address = address));
};

/**
 * Dispatching ships a confirmed order's reserved stock; a shipment exists only once confirmed. Once shipped, a
 * dispatch is a repeat, unless it names a tracking number other than the one the order shipped under (409).
 */
export const predictDispatch = (model: ShopModel, order: Order, trackingNumber: string, numberGiven = false): Outcome => {
  if (order.shipment === null) return ok(404);
  if (order.status === 'Shipped' || order.status === 'Delivered') return ok(numberGiven && trackingNumber !== order.trackingNumber ? 409 : 200);
  if (order.status !== 'Confirmed') return ok(409);
  return ok(200, () => {
    for (const line of order.lines) {
      const product = productOf(model, line.productId);
      product.reserved -= line.quantity;
      product.onHand -= line.quantity;
    }
    Object.assign(order, { shipment: 'Shipped', trackingNumber });
    moveTo(order, 'Shipped');
  });
};

export const predictDeliver = (order: Order): Outcome => {
  if (order.shipment === null) return ok(404);
  if (order.status === 'Delivered') return ok(200);
  if (order.status !== 'Shipped') return ok(409);
  return ok(200, () => {
    order.shipment = 'Delivered';
    moveTo(order, 'Delivered');
  });
};

/** An adjustment never takes on-hand stock below what is reserved (409). */
export const predictAdjust = (product: Product, delta: number): Outcome => {
  if (product.onHand + delta < product.reserved) return ok(409);
  return ok(200, () => (product.onHand += delta));
};

const moveTo = (order: Order, status: OrderStatus) => {
  order.status = status;
  order.history = [...order.history, status];
};
