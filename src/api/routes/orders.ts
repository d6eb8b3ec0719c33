import type { Request, RequestHandler } from 'express';
import { amendOrder, cancelOrder, checkout, type ShownAvailable } from '../../commands/orders.js';
import type { StockLevel } from '../../projections/stock-levels/stock-levels.js';
import { PricesChangedError } from '../../domain/cart/cart.js';
import { NotFoundError } from '../../domain/shared/errors.js';
import { getOrder, listOrders, type OrderView } from '../../projections/orders/orders.js';
import { getPayment, type PaymentView } from '../../projections/payments/payments.js';
import { principalOf, signedOutSince } from '../auth.js';
import type { AppDeps } from '../deps.js';
import { orderPageSchema, orderSchema, orderSummarySchema, placedOrderSchema } from '../../projections/orders/schemas.js';
import { paymentSchema } from '../../projections/payments/schemas.js';
import { uuid } from '../../projections/json-schema.js';
import { defineRoutes } from '../openapi/route-table.js';
import { AmendOrderBody, CheckoutBody, ListOrdersQuery } from '../dto/orders.js';
import { answerWrite, commandContext, listedCustomer, setEtag, uuidParam } from '../http.js';
import { parseDto, parseQuery } from '../validation.js';
import { OrderFeed, orderEventsHandler, type StillAllowed } from '../order-events.js';
import { findCaughtUp } from '../fresh-reads.js';

const viewerOf = (req: Request) => {
  const principal = principalOf(req);
  return { customerId: principal.customerId, admin: principal.role === 'admin', expiresAt: principal.expiresAt, issued: principal.issued };
};

const address = (body: { shippingAddress: { line1: string; city: string; postalCode: string; country: string } }) => {
  const { line1, city, postalCode, country } = body.shippingAddress;
  return { line1, city, postalCode, country };
};

/** Checkout: the cart becomes a Pending order at once (202); the saga does the rest. */
const checkoutHandlers = (deps: AppDeps) => {
  const levels = deps.readModels.collection<StockLevel>('stock_levels');
  const shownAvailable: ShownAvailable = async (skus) =>
    new Map((await levels.find({ _id: { $in: [...skus] } }, { projection: { available: 1 }, readonly: true })).map((level) => [level._id, level.available]));
  const placeOrder: RequestHandler = async (req, res) => {
    const body = await parseDto(CheckoutBody, req.body);
    const context = commandContext(req, deps.clock());
    const { token, paymentMethodId } = body.paymentMethod;
    const payment = paymentMethodId !== undefined ? { paymentMethodId } : { token: token! };
    // A well-formed checkout, at the door: refused (503, nothing placed) while the saga is too far behind to pay for it in time.
    await deps.orderBacklog.admit();
    const placed = await checkout(deps.commands, principalOf(req).customerId, { shippingAddress: address(body), payment }, context, shownAvailable).catch((error: unknown) => {
      // Refused, and the cart re-priced: the customer's next read of it shows the new prices.
      if (error instanceof PricesChangedError && error.position !== undefined) deps.sessions.noted(res, error.position);
      throw error;
    });
    answerWrite(res, deps.sessions, 202, { orderId: placed.orderId, status: 'Pending' }, { revision: placed.cartRevision, position: placed.position, location: `/api/v1/orders/${placed.orderId}` });
  };
  return { placeOrder };
};

const orderHandlers = (deps: AppDeps) => {
  const orders = deps.readModels.collection<OrderView>('orders');

  // A customer's own orders; admins see all, filtered by status and customer.
  const browseOrders: RequestHandler = async (req, res) => {
    const query = await parseQuery(ListOrdersQuery, req.query);
    const viewer = viewerOf(req);
    res.json(await listOrders(orders, { ...query, customerId: listedCustomer(viewer, query.customerId) }));
  };

  // One order with payment, shipment and status history (owner or admin; anyone else: 404).
  const viewOrder: RequestHandler = async (req, res) => {
    const orderId = uuidParam(req, 'id', 'order');
    const found = await findCaughtUp(deps, () => getOrder(orders, orderId, viewerOf(req)));
    if (!found) throw new NotFoundError('order not found');
    setEtag(res, found.revision);
    res.json(found.order);
  };

  // Cancel before shipping: stock is released and the payment refunded by the saga (202).
  const cancel: RequestHandler = async (req, res) => {
    const orderId = uuidParam(req, 'id', 'order');
    const result = await cancelOrder(deps.commands, orderId, viewerOf(req), commandContext(req, deps.clock()));
    answerWrite(res, deps.sessions, 202, result.order, result);
  };

  // Change the shipping address before shipping.
  const amend: RequestHandler = async (req, res) => {
    const orderId = uuidParam(req, 'id', 'order');
    const body = await parseDto(AmendOrderBody, req.body);
    const result = await amendOrder(deps.commands, orderId, viewerOf(req), address(body), commandContext(req, deps.clock()));
    answerWrite(res, deps.sessions, 200, result.order, result);
  };

  // The order's status changes as Server-Sent Events (see ../order-events.ts).
  // Its token signed out since (a sign-out everywhere, a new password) is as dead as its account erased.
  const stillAllowed: StillAllowed = async (viewer, order) => {
    const standing = await deps.accounts.standingOf(viewer.customerId);
    if (!standing || (viewer.issued && signedOutSince(viewer.issued, standing))) return false;
    return order.customerId === viewer.customerId || standing.role === 'admin';
  };
  const orderEvents = orderEventsHandler(deps.readModels, new OrderFeed(deps.readModels), deps.liveStreams, viewerOf, (req) => uuidParam(req, 'id', 'order'), stillAllowed);

  return { browseOrders, viewOrder, cancel, amend, orderEvents };
};

const paymentHandlers = (deps: AppDeps) => {
  const payments = deps.readModels.collection<PaymentView>('payments');
  // A payment of the viewer's order (owner or admin).
  const viewPayment: RequestHandler = async (req, res) => {
    const paymentId = uuidParam(req, 'id', 'payment');
    const found = await findCaughtUp(deps, () => getPayment(payments, paymentId, viewerOf(req)));
    if (!found) throw new NotFoundError('payment not found');
    res.json(found);
  };
  return { viewPayment };
};

const ORDER_ID = '0e6f3a8b-1c2d-4e5f-9a0b-7c8d9e0f1a2b';
const PAYMENT_ID = '4d5e6f7a-8b9c-4d0e-8f1a-2b3c4d5e6f7a';
const ADDRESS = { line1: '1 Main St', city: 'Springfield', postalCode: '12345', country: 'US' };
const ORDER = {
  orderId: ORDER_ID, customerId: '5b0c7e1a-2f4d-4c8e-9a6b-1d3f5e7a9c2b', status: 'Confirmed',
  lines: [{ productId: '7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d', sku: 'MUG-1', name: 'Mug', quantity: 2, unitPrice: { amount: 1500, currency: 'USD' } }],
  total: { amount: 3000, currency: 'USD' }, shippingAddress: ADDRESS,
  payment: { paymentId: PAYMENT_ID, status: 'Captured' },
  shipment: { shipmentId: '2c3d4e5f-6a7b-4c8d-9e0f-1a2b3c4d5e6f', status: 'Preparing', trackingNumber: null },
  failureReason: null,
  history: [{ status: 'Pending', at: '2025-01-01T10:00:00.000Z' }, { status: 'Paid', at: '2025-01-01T10:00:01.000Z' }, { status: 'Confirmed', at: '2025-01-01T10:00:01.500Z' }],
  createdAt: '2025-01-01T10:00:00.000Z', updatedAt: '2025-01-01T10:00:01.500Z',
};
const id = { id: uuid() };

export const checkoutRoutes = defineRoutes({
  prefix: '/checkout',
  edge: 'api',
  tag: 'Orders',
  routes: {
    placeOrder: {
      method: 'post', path: '/', role: 'customer', summary: 'Check out: the cart becomes a Pending order at once; the saga does the rest',
      description: 'Watch the order at its `Location` until it is `Confirmed` (or `Failed`). Pay with a provider token (`{ token }`) or a saved payment method (`{ paymentMethodId }`): a method removed, or not one of yours, is 422 and places nothing. Tokens of the simulated provider: `tok_visa` and `tok_mastercard` succeed, `tok_declined` and `tok_insufficient_funds` are declined, `tok_timeout` never answers. If-Match and the answer\'s ETag are the cart\'s revision (checking out empties it), as GET /cart answers it. The order is placed at the catalog\'s prices: when one changed since its line was added, the cart takes the new price and the checkout is refused with 409 `prices-changed` (`changes[]`: each line\'s `previousPrice` and `unitPrice`; `ETag`: the cart\'s new revision), ordering nothing; sent again, it orders at the prices the cart now shows. A line the shop has not enough of (received, less what orders before it reserved) is refused with 409 `out-of-stock` (`shortages[]`: each such line\'s `quantity` and `available`), ordering and charging nothing and leaving the cart as it is; stock is reserved after payment, so an order placed at the same moment may still take the last units, and this one then fails as `out-of-stock` and is refunded. While the shop is taking orders faster than it can process them (its order saga, or the jobs that pay for orders, further behind than `ORDER_BACKLOG_LIMIT_MS`), a checkout is refused with 503 `orders-backlogged` and a `Retry-After`, and nothing is placed: the cart stays as it is.',
      body: CheckoutBody,
      success: { status: 202, description: 'The order is placed.', schema: placedOrderSchema },
      problems: [409, 422, 503], headers: ['Location'],
      conflictEtag: "Only on `prices-changed`: the cart's revision after its re-price, for the If-Match of the checkout sent again.",
      example: { body: { shippingAddress: ADDRESS, paymentMethod: { token: 'tok_visa' } }, response: { orderId: ORDER_ID, status: 'Pending' } },
    },
  },
  handlers: checkoutHandlers,
});

export const orderRoutes = defineRoutes({
  prefix: '/orders',
  edge: 'api',
  tag: 'Orders',
  routes: {
    browseOrders: {
      method: 'get', path: '/', role: 'customer', summary: "The customer's own orders; admins see all, filtered by status and customer",
      query: ListOrdersQuery,
      success: { status: 200, description: 'One page of orders, newest first.', schema: orderPageSchema },
      problems: [], example: { query: { status: 'Confirmed' }, response: { items: [ORDER], total: 1, page: 1, pageSize: 20 } },
    },
    viewOrder: {
      method: 'get', path: '/:id', role: 'customer', summary: 'One order with payment, shipment and status history (owner or admin; anyone else: 404)',
      description:
        '`shipment` is null until the warehouse has prepared the shipment, which the saga asks for once the order is Confirmed: an order confirmed a moment ago ' +
        '(milliseconds) may show none yet, and its event stream\'s `changed` says when it appears. An order that failed, or was cancelled before it was confirmed, never has one.',
      params: id,
      success: { status: 200, description: 'The order.', schema: orderSchema },
      problems: [404], headers: ['ETag'], example: { response: ORDER },
    },
    orderEvents: {
      method: 'get', path: '/:id/events', role: 'customer', summary: "The order's status changes, live, as Server-Sent Events (owner or admin; anyone else: 404)",
      description: 'A `text/event-stream` that stays open. `event: status` with `id: n` is the order\'s n-th status (1 is `Pending`), data `{orderId, index, status, at}`: a new stream first sends every status the order has had, then each new one once, as the orders read model projects it. Send `Last-Event-ID: n` (EventSource does when it reconnects) to resume after the n-th. `event: changed` (no id, data `{orderId}`) says something else of the order changed (payment refunded, shipment booked or dispatched, address amended): read the order again. A comment line every 15 s keeps the stream alive through proxies; `retry: 2000` asks clients to reconnect after 2 s. 503 with `Retry-After` when the process holds its limit of streams (10,000) or is stopping; 429 with `Retry-After` when the account holds 20 streams on that process already, or the client address 100. The stream ends when the token it was opened with expires (a reconnection with that token is 401: sign in again).',
      params: id,
      success: { status: 200, description: 'The stream of events.', schema: { type: 'string' }, contentType: 'text/event-stream' },
      problems: [400, 404, 429, 503], headers: ['Last-Event-ID'],
      example: { response: 'id: 1\nevent: status\ndata: {"orderId":"0e6f3a8b-1c2d-4e5f-9a0b-7c8d9e0f1a2b","index":1,"status":"Pending","at":"2025-01-01T10:00:00.000Z"}\n\n' },
    },
    cancel: {
      method: 'post', path: '/:id/cancel', role: 'customer', summary: 'Cancel before shipping: the saga releases the stock and refunds the payment',
      params: id,
      success: { status: 202, description: 'Cancelled; the refund follows.', schema: orderSummarySchema },
      problems: [404, 409], headers: ['If-Match', 'ETag'],
      example: { response: { orderId: ORDER_ID, status: 'Cancelled', shippingAddress: ADDRESS } },
    },
    amend: {
      method: 'patch', path: '/:id', role: 'customer', summary: 'Change the shipping address before shipping',
      params: id, body: AmendOrderBody,
      success: { status: 200, description: 'The order with its new address.', schema: orderSummarySchema },
      problems: [404, 409], headers: ['If-Match', 'ETag'],
      example: { body: { shippingAddress: { ...ADDRESS, line1: '2 Elm St' } }, response: { orderId: ORDER_ID, status: 'Confirmed', shippingAddress: { ...ADDRESS, line1: '2 Elm St' } } },
    },
  },
  handlers: orderHandlers,
});

export const paymentRoutes = defineRoutes({
  prefix: '/payments',
  edge: 'api',
  tag: 'Orders',
  routes: {
    viewPayment: {
      method: 'get', path: '/:id', role: 'customer', summary: "A payment of the viewer's order (owner or admin; anyone else: 404)",
      params: id,
      success: { status: 200, description: 'The payment.', schema: paymentSchema },
      problems: [404],
      example: { response: { paymentId: PAYMENT_ID, orderId: ORDER_ID, status: 'Captured', amount: { amount: 3000, currency: 'USD' }, refunded: false, failureReason: null, refundReason: null } },
    },
  },
  handlers: paymentHandlers,
});
