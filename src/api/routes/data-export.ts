import type { RequestHandler, Response } from 'express';
import { NotFoundError } from '../../domain/shared/errors.js';
import { prepareExport } from '../../privacy/export.js';
import { cartSchema } from '../../projections/carts/schemas.js';
import { customerProfileSchema } from '../../projections/customer-profiles/schemas.js';
import { arr, nullable, obj, oneOf, str, time, uuid, withFields, int } from '../../projections/json-schema.js';
import { orderSchema } from '../../projections/orders/schemas.js';
import { paymentMethodSchema } from '../../projections/payment-methods/schemas.js';
import { paymentSchema } from '../../projections/payments/schemas.js';
import { reviewSchema } from '../../projections/reviews/schemas.js';
import { shipmentSchema } from '../../projections/shipments/schemas.js';
import { subscriptionListItemSchema } from '../../projections/subscriptions/schemas.js';
import { principalOf } from '../auth.js';
import type { AppDeps } from '../deps.js';
import { defineRoutes } from '../openapi/route-table.js';
import { EXPORT_STALL_MS, ExportsUnderWay } from '../exports-under-way.js';

/** The signed-in customer's data export (GDPR art. 20), as a JSON download streamed as it is read; `stallMs`: see drainedOrClosed. */
export const exportHandler = (deps: AppDeps, { underWay = new ExportsUnderWay(), stallMs = EXPORT_STALL_MS } = {}): RequestHandler => {
  const exportDeps = { eventStore: deps.eventStore, readModels: deps.readModels, schema: deps.schema, currency: deps.config.currency, emails: deps.emails };
  return async (req, res) => {
    const { customerId } = principalOf(req);
    const release = underWay.take(customerId);
    try {
      const prepared = await prepareExport(exportDeps, customerId, deps.clock());
      if (!prepared) throw new NotFoundError('customer not found');
      const chunks = prepared.chunks();
      // The first chunk before the headers: a failure that early is still a problem answer.
      const first = await chunks.next();
      res.status(200).type('application/json').set('Content-Disposition', `attachment; filename="${prepared.filename}"`);
      try {
        if (!first.done) res.write(first.value);
        for await (const chunk of chunks) {
          if (res.destroyed) return;
          // The client does not read: nothing more is read for it until it does (or goes away, or stalls too long).
          if (!res.write(chunk)) await drainedOrClosed(res, stallMs);
        }
        res.end();
      } catch (error) {
        // The answer has begun: a truncated body (the connection cut, the JSON unfinished) tells the client it failed.
        deps.logger.error({ err: error }, 'the data export failed while streaming');
        res.destroy(error as Error);
      }
    } finally {
      release();
    }
  };
};

const handlers = (deps: AppDeps) => ({ exportMyData: exportHandler(deps) });

/**
 * Resolves when the answer takes more (drain), or will never (the client went away). A client
 * that reads nothing for `stallMs` (EXPORT_STALL_MS) has its connection ended: it held its place,
 * and a megabyte, for as long as it liked (a probe: one still open after 150 s).
 */
const drainedOrClosed = (res: Response, stallMs: number) =>
  new Promise<void>((resolve) => {
    const stalled = setTimeout(() => {
      res.destroy(new Error(`the client read nothing of its data export for ${stallMs / 1000} s`));
      done();
    }, stallMs);
    stalled.unref();
    const done = () => {
      clearTimeout(stalled);
      res.off('drain', done).off('close', done);
      resolve();
    };
    res.on('drain', done).on('close', done);
  });

const event = obj({ stream: str(), revision: int({ minimum: 0 }), type: str(), recordedAt: time(), data: { type: 'object' } });
const notification = obj(
  {
    notificationId: str(), type: str(), to: str(), subject: str(), text: str(), orderId: nullable(uuid()),
    productId: uuid(), sku: str(), subscriptionId: uuid(), status: oneOf('pending', 'sending', 'sent', 'uncertain'), sentAt: nullable(time()),
  },
  ['productId', 'sku', 'subscriptionId'],
);

export const customerExportSchema = obj({
  exportedAt: time(),
  customerId: uuid(),
  withheld: arr(str()),
  profile: customerProfileSchema,
  paymentMethods: arr(paymentMethodSchema),
  cart: cartSchema,
  orders: arr(orderSchema),
  payments: arr(paymentSchema),
  shipments: arr(shipmentSchema),
  reviews: arr(withFields(reviewSchema, { orderId: uuid() })),
  subscriptions: arr(subscriptionListItemSchema),
  notifications: arr(notification),
  backInStockRequests: arr(obj({ productId: uuid(), sku: str(), requestedAt: time(), status: oneOf('Waiting') })),
  events: arr(event),
});

const CUSTOMER_ID = '5b0c7e1a-2f4d-4c8e-9a6b-1d3f5e7a9c2b';
const EXAMPLE = {
  exportedAt: '2025-03-01T10:00:00.000Z',
  customerId: CUSTOMER_ID,
  withheld: ['passwordHash', 'token', 'notifications[].text: the token of a password reset link'],
  profile: { customerId: CUSTOMER_ID, email: 'zoe@example.com', name: 'Zoe', role: 'customer', addresses: [], registeredAt: '2025-01-01T10:00:00.000Z' },
  paymentMethods: [],
  cart: { cartId: CUSTOMER_ID, items: [], total: { amount: 0, currency: 'USD' } },
  orders: [], payments: [], shipments: [], reviews: [], subscriptions: [], notifications: [], backInStockRequests: [],
  events: [{ stream: `customer-${CUSTOMER_ID}`, revision: 0, type: 'CustomerRegistered', recordedAt: '2025-01-01T10:00:00.000Z', data: { customerId: CUSTOMER_ID, email: 'zoe@example.com', name: 'Zoe', role: 'customer', registeredAt: '2025-01-01T10:00:00.000Z' } }],
};

export const dataExportRoutes = defineRoutes({
  prefix: '/account/me',
  edge: 'api',
  tag: 'Accounts',
  routes: {
    exportMyData: {
      method: 'get', path: '/export', role: 'customer', summary: 'Everything the shop holds about the signed-in customer, as a JSON download (GDPR art. 20)',
      description: [
        'A download (`Content-Disposition: attachment; filename="export-<date>.json"`): the profile and addresses, payment methods, cart, orders, payments, shipments, reviews, subscriptions, notifications sent (recipient and body), notify-me requests still waiting,',
        "and every event of the customer's own streams (account, email claim, wallet, cart, orders, payments, shipments, subscriptions, reviews; their notify-me requests on the products' streams), stream after stream in revision order, with personal fields in clear.",
        'Withheld: credentials, which are the shop\'s and not data about the customer: payment provider tokens and the password hash (`withheld` names the fields, removed at any depth of the events\' data), and the token of a password reset\'s link in the text of its email (it reads `token=[withheld]`: the link sets a new password).',
        'Streamed as it is read, never capped: a failure once the answer has begun cuts the connection (the JSON is then incomplete), and so does a client that reads nothing of it for 30 s.',
        'An account has one export under way at a time on a process (429 with Retry-After for another), a process 50 (503 with Retry-After).',
      ].join(' '),
      success: { status: 200, description: 'The export.', schema: customerExportSchema },
      problems: [404, 503],
      example: { response: EXAMPLE },
    },
  },
  handlers,
});
