import { Router, type Request } from 'express';
import { amendOrder, cancelOrder, checkout } from '../../commands/orders.js';
import { NotFoundError } from '../../domain/shared/errors.js';
import { getOrder, listOrders, type OrderView } from '../../projections/orders/orders.js';
import { getPayment, type PaymentView } from '../../projections/payments/payments.js';
import { principalOf, requireCustomer } from '../auth.js';
import type { AppDeps } from '../deps.js';
import { AmendOrderBody, CheckoutBody, ListOrdersQuery } from '../dto/orders.js';
import { answerWrite, commandContext, setEtag, uuidParam } from '../http.js';
import { parseDto, parseQuery } from '../validation.js';

const viewerOf = (req: Request) => {
  const principal = principalOf(req);
  return { customerId: principal.customerId, admin: principal.role === 'admin' };
};

const address = (body: { shippingAddress: { line1: string; city: string; postalCode: string; country: string } }) => {
  const { line1, city, postalCode, country } = body.shippingAddress;
  return { line1, city, postalCode, country: country.toUpperCase() };
};

/** Checkout: the cart becomes a Pending order at once (202); the saga does the rest. */
export const checkoutRoutes = (deps: AppDeps): Router => {
  const router = Router();
  router.post('/', requireCustomer, async (req, res) => {
    const body = await parseDto(CheckoutBody, req.body);
    const context = commandContext(req, deps.clock());
    const placed = await checkout(deps.commands, principalOf(req).customerId, { shippingAddress: address(body), paymentToken: body.paymentMethod.token }, context);
    answerWrite(res, deps.sessions, 202, { orderId: placed.orderId, status: 'Pending' }, { ...placed, location: `/api/v1/orders/${placed.orderId}` });
  });
  return router;
};

export const orderRoutes = (deps: AppDeps): Router => {
  const router = Router();
  const orders = deps.readModels.collection<OrderView>('orders');
  router.use(requireCustomer);

  // A customer's own orders; admins see all, filtered by status and customer.
  router.get('/', async (req, res) => {
    const query = await parseQuery(ListOrdersQuery, req.query);
    const viewer = viewerOf(req);
    res.json(await listOrders(orders, { ...query, customerId: viewer.admin ? query.customerId : viewer.customerId }));
  });

  // One order with payment, shipment and status history (owner or admin; anyone else: 404).
  router.get('/:id', async (req, res) => {
    const found = await getOrder(orders, uuidParam(req, 'id', 'order'), viewerOf(req));
    if (!found) throw new NotFoundError('order not found');
    setEtag(res, found.revision);
    res.json(found.order);
  });

  // Cancel before shipping: stock is released and the payment refunded by the saga (202).
  router.post('/:id/cancel', async (req, res) => {
    const orderId = uuidParam(req, 'id', 'order');
    const result = await cancelOrder(deps.commands, orderId, viewerOf(req), commandContext(req, deps.clock()));
    answerWrite(res, deps.sessions, 202, result.order, result);
  });

  // Change the shipping address before shipping.
  router.patch('/:id', async (req, res) => {
    const orderId = uuidParam(req, 'id', 'order');
    const body = await parseDto(AmendOrderBody, req.body);
    const result = await amendOrder(deps.commands, orderId, viewerOf(req), address(body), commandContext(req, deps.clock()));
    answerWrite(res, deps.sessions, 200, result.order, result);
  });

  return router;
};

export const paymentRoutes = (deps: AppDeps): Router => {
  const router = Router();
  const payments = deps.readModels.collection<PaymentView>('payments');
  // A payment of the viewer's order (owner or admin).
  router.get('/:id', requireCustomer, async (req, res) => {
    const found = await getPayment(payments, uuidParam(req, 'id', 'payment'), viewerOf(req));
    if (!found) throw new NotFoundError('payment not found');
    res.json(found);
  });
  return router;
};
