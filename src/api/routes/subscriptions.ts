import type { Request, RequestHandler } from 'express';
import { changeSubscription, createSubscription, transitSubscription, type SubscriptionDeps, type Transition } from '../../commands/subscriptions.js';
import { NotFoundError } from '../../domain/shared/errors.js';
import { uuid } from '../../projections/json-schema.js';
import type { OrderView } from '../../projections/orders/orders.js';
import { subscriptionPageSchema, subscriptionSchema, subscriptionSummarySchema } from '../../projections/subscriptions/schemas.js';
import { getSubscription, listSubscriptions, type SubscriptionView } from '../../projections/subscriptions/subscriptions.js';
import { principalOf } from '../auth.js';
import type { AppDeps } from '../deps.js';
import { ChangeSubscriptionBody, CreateSubscriptionBody, ListSubscriptionsQuery } from '../dto/subscriptions.js';
import { answerWrite, commandContext, listedCustomer, setEtag, uuidParam } from '../http.js';
import { defineRoutes, type RouteSpec } from '../openapi/route-table.js';
import { parseDto, parseQuery, someChange } from '../validation.js';
import { findCaughtUp } from '../fresh-reads.js';

const viewerOf = (req: Request) => {
  const principal = principalOf(req);
  return { customerId: principal.customerId, admin: principal.role === 'admin' };
};

const address = (body: { line1: string; city: string; postalCode: string; country: string }) => {
  const { line1, city, postalCode, country } = body;
  return { line1, city, postalCode, country };
};

const items = (list: Array<{ productId: string; quantity: number }>) => list.map(({ productId, quantity }) => ({ productId, quantity }));

/** Recurring orders (seed 002) and the Cancel Subscription flow. */
const handlers = (deps: AppDeps) => {
  const subscriptions = deps.readModels.collection<SubscriptionView>('subscriptions');
  const orders = deps.readModels.collection<OrderView>('orders');
  const commandDeps: SubscriptionDeps = {
    commands: deps.commands, products: deps.readModels.collection('products'), subscriptions: deps.readModels.collection('subscriptions'), dayMs: deps.config.subscriptionDayMs,
  };

  // Subscribe: the first renewal falls due an interval from now.
  const subscribe: RequestHandler = async (req, res) => {
    const body = await parseDto(CreateSubscriptionBody, req.body);
    const input = { items: items(body.items), intervalDays: body.intervalDays, shippingAddress: address(body.shippingAddress), paymentMethodId: body.paymentMethodId };
    const result = await createSubscription(commandDeps, principalOf(req).customerId, input, commandContext(req, deps.clock()));
    answerWrite(res, deps.sessions, 201, result.subscription, { ...result, location: `/api/v1/subscriptions/${result.subscription.subscriptionId}` });
  };

  // The customer's own subscriptions; admins see all, filtered by status and customer.
  const browseSubscriptions: RequestHandler = async (req, res) => {
    const query = await parseQuery(ListSubscriptionsQuery, req.query);
    const viewer = viewerOf(req);
    res.json(await listSubscriptions(subscriptions, { ...query, customerId: listedCustomer(viewer, query.customerId) }));
  };

  // One subscription with its renewals and their orders (owner or admin; anyone else: 404).
  const viewSubscription: RequestHandler = async (req, res) => {
    const subscriptionId = uuidParam(req, 'id', 'subscription');
    const found = await findCaughtUp(deps, () => getSubscription({ subscriptions, orders }, subscriptionId, viewerOf(req)));
    if (!found) throw new NotFoundError('subscription not found');
    setEtag(res, found.revision);
    res.json(found.subscription);
  };

  // Change items, interval, address or payment method.
  const changeSubscriptionRoute: RequestHandler = async (req, res) => {
    const subscriptionId = uuidParam(req, 'id', 'subscription');
    const body = someChange(await parseDto(ChangeSubscriptionBody, req.body), 'items, intervalDays, shippingAddress or paymentMethodId');
    const change = {
      ...(body.items ? { items: items(body.items) } : {}),
      ...(body.intervalDays !== undefined ? { intervalDays: body.intervalDays } : {}),
      ...(body.shippingAddress ? { shippingAddress: address(body.shippingAddress) } : {}),
      ...(body.paymentMethodId !== undefined ? { paymentMethodId: body.paymentMethodId } : {}),
    };
    const result = await changeSubscription(commandDeps, subscriptionId, viewerOf(req), change, commandContext(req, deps.clock()));
    answerWrite(res, deps.sessions, 200, result.subscription, result);
  };

  const transition = (to: Transition): RequestHandler => async (req, res) => {
    const subscriptionId = uuidParam(req, 'id', 'subscription');
    const result = await transitSubscription(commandDeps, subscriptionId, viewerOf(req), to, commandContext(req, deps.clock()));
    answerWrite(res, deps.sessions, 200, result.subscription, result);
  };

  return {
    subscribe,
    browseSubscriptions,
    viewSubscription,
    changeSubscription: changeSubscriptionRoute,
    pauseSubscription: transition('pause'),
    resumeSubscription: transition('resume'),
    skipRenewal: transition('skip'),
    cancelSubscription: transition('cancel'),
  };
};

const SUBSCRIPTION_ID = '6f7a8b9c-0d1e-4f2a-8b3c-4d5e6f7a8b9c';
const ADDRESS = { line1: '1 Main St', city: 'Springfield', postalCode: '12345', country: 'US' };
const ITEMS = [{ productId: '7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d', quantity: 2 }];
const METHOD_ID = '3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f';
const SUMMARY = {
  subscriptionId: SUBSCRIPTION_ID, customerId: '5b0c7e1a-2f4d-4c8e-9a6b-1d3f5e7a9c2b', status: 'Active', items: ITEMS, intervalDays: 30,
  shippingAddress: ADDRESS, paymentMethodId: METHOD_ID, nextRenewalAt: '2025-01-31T10:00:00.000Z',
};
const ORDER_ID = '0e6f3a8b-1c2d-4e5f-9a0b-7c8d9e0f1a2b';
const RENEWAL = { renewal: 1, attempt: 1, orderId: ORDER_ID, at: '2025-01-31T10:00:00.000Z', failureReason: null, retryAt: null };
const VIEW = {
  ...SUMMARY, nextRenewalAt: '2025-03-02T10:00:00.000Z',
  renewals: [{ ...RENEWAL, order: { orderId: ORDER_ID, status: 'Confirmed', total: { amount: 3000, currency: 'USD' } } }],
  createdAt: '2025-01-01T10:00:00.000Z', updatedAt: '2025-01-31T10:00:00.000Z',
};
const id = { id: uuid() };

const transitionRoute = (path: string, summary: string, description: string, status: string): RouteSpec => ({
  method: 'post', path, role: 'customer', summary, description, params: id,
  success: { status: 200, description: 'The subscription now.', schema: subscriptionSummarySchema },
  problems: [404, 409], headers: ['If-Match', 'ETag'],
  example: { response: { ...SUMMARY, status, nextRenewalAt: status === 'Active' ? SUMMARY.nextRenewalAt : null } },
});

export const subscriptionRoutes = defineRoutes({
  prefix: '/subscriptions',
  edge: 'api',
  tag: 'Subscriptions',
  routes: {
    subscribe: {
      method: 'post', path: '/', role: 'customer', summary: 'Subscribe: the items are ordered again every `intervalDays`, paid with a saved payment method',
      description: 'Each renewal places an order through the order saga at the day\'s prices. A renewal whose payment fails is tried again twice, a day apart; then the subscription is `PastDue` and the customer is emailed. A payment method that is not one of yours, a product that is not sold, or a 51st subscription not cancelled (a customer holds at most 50), is 422.',
      body: CreateSubscriptionBody,
      success: { status: 201, description: 'The subscription, Active, and when its first renewal falls due.', schema: subscriptionSummarySchema },
      problems: [412, 422], headers: ['Location', 'ETag'],
      example: { body: { items: ITEMS, intervalDays: 30, shippingAddress: ADDRESS, paymentMethodId: METHOD_ID }, response: SUMMARY },
    },
    browseSubscriptions: {
      method: 'get', path: '/', role: 'customer', summary: "The customer's own subscriptions; admins see all, filtered by status and customer",
      query: ListSubscriptionsQuery,
      success: { status: 200, description: 'One page of subscriptions, newest first.', schema: subscriptionPageSchema },
      problems: [], example: { query: { status: 'Active' }, response: { items: [{ ...VIEW, renewals: [RENEWAL] }], total: 1, page: 1, pageSize: 20 } },
    },
    viewSubscription: {
      method: 'get', path: '/:id', role: 'customer', summary: 'One subscription with its renewals and their orders (owner or admin; anyone else: 404)',
      params: id,
      success: { status: 200, description: 'The subscription.', schema: subscriptionSchema },
      problems: [404], headers: ['ETag'], example: { response: VIEW },
    },
    changeSubscription: {
      method: 'patch', path: '/:id', role: 'customer', summary: 'Change the items, the interval, the shipping address or the payment method',
      description: 'A new interval counts from the last renewal. A cancelled subscription cannot be changed (409). A body that names no field (`{}`) is 400 `validation-failed` ("nothing to change"), as a product\'s.',
      params: id, body: ChangeSubscriptionBody,
      success: { status: 200, description: 'The subscription now.', schema: subscriptionSummarySchema },
      problems: [404, 409, 412, 422], headers: ['If-Match', 'ETag'],
      example: { body: { intervalDays: 14 }, response: { ...SUMMARY, intervalDays: 14 } },
    },
    pauseSubscription: transitionRoute('/:id/pause', 'Pause an active subscription: no renewal until it is resumed', 'Only an active subscription can be paused (409 otherwise).', 'Paused'),
    resumeSubscription: transitionRoute(
      '/:id/resume', 'Resume a paused or past-due subscription',
      'Paused: the next renewal keeps its date if it is still ahead, else it is an interval from now. Past due: the renewal is placed at once with the payment method set now. An active or cancelled subscription cannot be resumed (409).',
      'Active',
    ),
    skipRenewal: transitionRoute('/:id/skip', 'Skip the next renewal: the one after it is the next', 'Only an active subscription skips (409 otherwise).', 'Active'),
    cancelSubscription: transitionRoute(
      '/:id/cancel', 'Cancel: no further renewal; an order already placed goes on as any order; a confirmation email',
      'Cancelling a cancelled subscription changes nothing (200, the same state).',
      'Cancelled',
    ),
  },
  handlers,
});
