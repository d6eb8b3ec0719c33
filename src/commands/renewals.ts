import { customerDecider, customerStream } from '../domain/customer/customer.js';
import type { OrderLine, OrderPaymentMethod } from '../domain/ordering/order.js';
import { UnprocessableError } from '../domain/shared/errors.js';
import { subscriptionDecider, subscriptionStream, tryOf, type SubscriptionItem } from '../domain/subscriptions/subscription.js';
import type { ReadModelCollection } from '../infrastructure/read-models/read-model-store.js';
import type { ProductView } from '../projections/products/products.js';
import { derivedId, type CommandHandler } from './command-handler.js';
import { checkoutLock } from './orders.js';
import { savedToken } from './payment-methods.js';

/**
 * The renewal job: a renewal (or a retry of one) fell due. It prices the subscription's items
 * at the day's prices, looks up the saved payment method's token, and lets the subscription
 * decide: `SubscriptionRenewed` (the subscriptions process manager then places the order,
 * with the renewal as its cause), a failed try when nothing can be ordered, or nothing when
 * the job is stale (the renewal was placed, skipped or moved; the subscription is paused or
 * cancelled). The order's ids derive from subscription, renewal and try, and the command's
 * event ids from the same: a job run twice, or again after a crash, appends nothing twice.
 * In turn with the customer's erasure, as a checkout is (checkoutLock): an erasure that comes
 * first leaves the job nothing to do (it cancels the subscription), and one that comes after
 * finds the renewal placed and is refused until its order has shipped (../commands/erasure.ts).
 * Before, a renewal placed while the erasure was being checked charged and shipped an order for
 * the erased customer, whose address then stayed in that order's views.
 */

export type RenewalDeps = { commands: CommandHandler; products: ReadModelCollection<ProductView>; clock: () => Date; dayMs: number };

export type RenewalPayload = { subscriptionId: string; renewal: number; attempt: number; dueAt: string; correlationId?: string; causationId?: string };

/** The order a try of a renewal places: one id per subscription, renewal and try, whichever process places it. */
export const renewalOrderId = (subscriptionId: string, renewal: number, attempt: number) => derivedId(`${subscriptionId}:${renewal}:${attempt}`, 'subscription-order');

export const renewSubscription = async (deps: RenewalDeps, payload: RenewalPayload): Promise<void> => {
  const { state } = await deps.commands.load(subscriptionDecider, subscriptionStream(payload.subscriptionId));
  if (state.status !== 'Active') return; // paused, past due, cancelled: the decider would decide nothing
  await deps.commands.exclusive(checkoutLock(state.customerId), async () => {
    const customer = await deps.commands.load(customerDecider, customerStream(state.customerId));
    if (customer.state.status !== 'Registered') return; // erased: its erasure cancels the subscription
    await renew(deps, payload);
  });
};

const renew = async (deps: RenewalDeps, payload: RenewalPayload): Promise<void> => {
  const { subscriptionId, renewal, attempt, dueAt } = payload;
  const stream = subscriptionStream(subscriptionId);
  const { state } = await deps.commands.load(subscriptionDecider, stream); // again, in turn with the erasure
  if (state.status !== 'Active') return;
  // The order of the try the subscription will place: a regular renewal may carry on the count of the one before (tryOf).
  const orderId = renewalOrderId(subscriptionId, renewal, tryOf(state, renewal, attempt, dueAt));
  const order = { orderId, paymentId: derivedId(orderId, 'payment'), shipmentId: derivedId(orderId, 'shipment') };
  const { lines, outOfStock } = await priced(deps.products, state.items);
  const paymentMethod = await tokenOf(deps.commands, state.customerId, state.paymentMethodId);
  const now = deps.clock().toISOString();
  const key = `renew-subscription:${subscriptionId}:${renewal}:${attempt}`;
  await deps.commands.handle(
    subscriptionDecider,
    stream,
    { type: 'RenewSubscription', renewal, attempt, dueAt, order, lines, paymentMethod, ...(outOfStock ? { outOfStock } : {}), now, dayMs: deps.dayMs },
    { correlationId: payload.correlationId ?? key, causationId: payload.causationId ?? key, actor: 'process:subscriptions', now, idempotencyKey: key },
  );
};

/**
 * The items still sold, at today's price (those no longer listed are left out), and whether the
 * catalog has less of one than the renewal wants: such a try is not placed (its order would be
 * charged, refused its stock and refunded). The catalog's figure may be a moment behind; the
 * saga's reservation remains the check that counts.
 */
const priced = async (products: ReadModelCollection<ProductView>, items: SubscriptionItem[]): Promise<{ lines: OrderLine[]; outOfStock: boolean }> => {
  const found = await products.find({ _id: { $in: items.map((item) => item.productId) }, listed: true });
  let outOfStock = false;
  const lines = items.flatMap((item) => {
    const product = found.find((p) => p._id === item.productId);
    if (!product) return [];
    if (product.available < item.quantity) outOfStock = true;
    return [{ productId: product.productId, sku: product.sku, name: product.name, quantity: item.quantity, unitPrice: product.price }];
  });
  return { lines, outOfStock };
};

/** The saved method's token; null when the customer removed the method (the try fails without an order). */
const tokenOf = async (commands: CommandHandler, customerId: string, paymentMethodId: string): Promise<OrderPaymentMethod | null> => {
  try {
    return { token: await savedToken(commands, customerId, paymentMethodId), paymentMethodId };
  } catch (error) {
    if (error instanceof UnprocessableError) return null;
    throw error;
  }
};
