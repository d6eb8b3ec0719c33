import { v4 as uuidv4 } from 'uuid';
import type { ShippingAddress } from '../domain/ordering/order.js';
import { NotFoundError, UnprocessableError } from '../domain/shared/errors.js';
import {
  subscriptionDecider,
  subscriptionStream,
  type Subscription,
  type SubscriptionCommand,
  type SubscriptionItem,
} from '../domain/subscriptions/subscription.js';
import type { ReadModelCollection } from '../infrastructure/read-models/read-model-store.js';
import { MAX_OPEN_SUBSCRIPTIONS } from '../domain/subscriptions/events.js';
import type { SubscriptionView } from '../projections/subscriptions/subscriptions.js';
import type { ProductView } from '../projections/products/products.js';
import { derivedId, type CommandContext, type CommandHandler } from './command-handler.js';
import type { Viewer } from './orders.js';
import { savedToken } from './payment-methods.js';

/**
 * A customer's subscriptions: what the routes ask of the subscription decider. What the
 * decider cannot know is checked here first, from the write side where it must hold (the
 * payment method is one of the customer's saved ones) and from the catalog (every product
 * is sold). A subscription's id derives from the request's Idempotency-Key when it has one,
 * so a repeat whose stored answer was lost finds the subscription it created.
 */

export type SubscriptionDeps = {
  commands: CommandHandler;
  products: ReadModelCollection<ProductView>;
  /** The subscriptions read model: how many a customer holds open (MAX_OPEN_SUBSCRIPTIONS). */
  subscriptions: ReadModelCollection<SubscriptionView>;
  dayMs: number;
};

export type NewSubscription = { items: SubscriptionItem[]; intervalDays: number; shippingAddress: ShippingAddress; paymentMethodId: string };
export type SubscriptionChange = Partial<NewSubscription>;

export const createSubscription = async (deps: SubscriptionDeps, customerId: string, input: NewSubscription, context: CommandContext) => {
  // If-Match on a new subscription is 412 in the command handler, after these checks' own refusals (422).
  await checkPaymentMethod(deps, customerId, input.paymentMethodId);
  await checkProducts(deps, input.items);
  const subscriptionId = context.idempotencyKey ? derivedId(`${customerId}:${context.idempotencyKey}`, 'subscription') : uuidv4();
  await checkOpenSubscriptions(deps, customerId, subscriptionId);
  const command: SubscriptionCommand = { type: 'CreateSubscription', subscriptionId, customerId, ...input, now: context.now, dayMs: deps.dayMs };
  const handled = await deps.commands.handle(subscriptionDecider, subscriptionStream(subscriptionId), command, context);
  return answer(handled);
};

/**
 * At most MAX_OPEN_SUBSCRIPTIONS not cancelled, counted in the read model (subscriptions placed
 * at the same moment may pass it together: a bound on abuse, not an invariant). The one this
 * request's key names already (a repeat whose answer was lost) is not counted against it.
 */
const checkOpenSubscriptions = async (deps: SubscriptionDeps, customerId: string, subscriptionId: string) => {
  const open = await deps.subscriptions.countDocuments({ customerId, status: { $ne: 'Cancelled' }, _id: { $ne: subscriptionId } });
  if (open >= MAX_OPEN_SUBSCRIPTIONS) throw new UnprocessableError(`a customer holds at most ${MAX_OPEN_SUBSCRIPTIONS} subscriptions that are not cancelled: cancel one first`);
};

export const changeSubscription = async (deps: SubscriptionDeps, subscriptionId: string, viewer: Viewer, change: SubscriptionChange, context: CommandContext) => {
  const current = await ownSubscription(deps.commands, subscriptionId, viewer);
  if (change.paymentMethodId !== undefined) await checkPaymentMethod(deps, current.customerId, change.paymentMethodId);
  if (change.items !== undefined) await checkProducts(deps, change.items);
  return send(deps, subscriptionId, { type: 'ChangeSubscription', ...change, now: context.now, dayMs: deps.dayMs }, context);
};

export type Transition = 'pause' | 'resume' | 'skip' | 'cancel';

/** Pause, resume, skip the next renewal, cancel: a transition that does not apply is a 409; cancelling twice changes nothing. */
export const transitSubscription = async (deps: SubscriptionDeps, subscriptionId: string, viewer: Viewer, transition: Transition, context: CommandContext) => {
  await ownSubscription(deps.commands, subscriptionId, viewer);
  const { now } = context;
  const command: SubscriptionCommand =
    transition === 'pause'
      ? { type: 'PauseSubscription', now }
      : transition === 'resume'
        ? { type: 'ResumeSubscription', now, dayMs: deps.dayMs }
        : transition === 'skip'
          ? { type: 'SkipRenewal', now, dayMs: deps.dayMs }
          : { type: 'CancelSubscription', by: context.actor, now };
  return send(deps, subscriptionId, command, context);
};

const send = async (deps: SubscriptionDeps, subscriptionId: string, command: SubscriptionCommand, context: CommandContext) =>
  answer(await deps.commands.handle(subscriptionDecider, subscriptionStream(subscriptionId), command, context));

/** A subscription the viewer may act on: the owner's or, for an admin, any. Anyone else: not found. */
const ownSubscription = async (commands: CommandHandler, subscriptionId: string, viewer: Viewer) => {
  const { state } = await commands.load(subscriptionDecider, subscriptionStream(subscriptionId));
  if (state.status === 'None' || (!viewer.admin && state.customerId !== viewer.customerId)) throw new NotFoundError('subscription not found');
  return state;
};

/** The method must be one of the customer's saved ones now (422 otherwise); renewals look its token up each time. */
const checkPaymentMethod = async (deps: SubscriptionDeps, customerId: string, paymentMethodId: string) => {
  await savedToken(deps.commands, customerId, paymentMethodId);
};

const checkProducts = async (deps: SubscriptionDeps, items: SubscriptionItem[]) => {
  const ids = items.map((item) => item.productId);
  const sold = await deps.products.find({ _id: { $in: ids }, listed: true }, { projection: { _id: 1 } });
  const missing = ids.filter((id) => !sold.some((product) => product._id === id));
  if (missing.length > 0) throw new UnprocessableError(`no product is sold with the id ${missing[0]}`);
};

const answer = (handled: { state: Subscription; revision: number; position?: number; appended: unknown[] }) => ({
  subscription: summary(handled.state),
  revision: handled.revision,
  position: handled.position,
  created: handled.appended.length > 0,
});

/** Where a subscription stands, as a write answers it. */
export const summary = (state: Subscription) => {
  if (state.status === 'None') throw new NotFoundError('subscription not found');
  const { subscriptionId, customerId, status, items, intervalDays, shippingAddress, paymentMethodId } = state;
  return { subscriptionId, customerId, status, items, intervalDays, shippingAddress, paymentMethodId, nextRenewalAt: status === 'Active' ? state.next.at : null };
};
