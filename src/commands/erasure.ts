import { customerDecider, customerStream, type Customer, type ErasedBy } from '../domain/customer/customer.js';
import { ConflictError, NotFoundError, UnauthorizedError, WrongPasswordError } from '../domain/shared/errors.js';
import type { ReadModelStore } from '../infrastructure/read-models/read-model-store.js';
import type { PasswordHasher } from '../infrastructure/security/passwords.js';
import type { PasswordGuesses } from '../infrastructure/security/password-guesses.js';
import { cartDecider, cartStream } from '../domain/cart/cart.js';
import { orderDecider, orderStream, type OrderStatus } from '../domain/ordering/order.js';
import { checkoutLock, nextOrderId } from './orders.js';
import { renewalOrderId } from './renewals.js';
import { subscriptionDecider, subscriptionStream } from '../domain/subscriptions/subscription.js';
import type { CommandContext, CommandHandler } from './command-handler.js';

/**
 * Erasing a customer (GDPR art. 17), the request's part: the checks, then `CustomerErased` on
 * the customer's stream. From that event on the account is gone (its tokens stop working, it
 * cannot sign in); the erasure process (src/processes/erasure.ts) does the rest in the
 * background, durably: releases the email, scrubs every copy, destroys the profile key,
 * schedules the invoices' expiry.
 *
 * Refused (409, nothing appended):
 * - while one of the customer's orders is on its way between Pending and Shipped: paying,
 *   reserving and booking it read the customer's payment token (sealed with the profile key),
 *   which the erasure destroys; the customer cancels it or waits until it has shipped. A
 *   subscription's renewal placed and its order not created yet counts as one (../commands/renewals.ts);
 * - for the last admin account: the shop would have nobody to run it.
 */

export type ErasureRequestDeps = {
  commands: CommandHandler;
  passwords: PasswordHasher;
  /** The read models as queries see them: the customer's orders, the admins. */
  readModels: ReadModelStore;
  /** Counts a password guess against the account's sign-in attempts (429 past the limit); a right one gives them back. */
  throttle?: PasswordGuesses;
};

export type Erasure = { customerId: string; erasedAt: string; position: number | undefined; revision: number };

/** Order statuses between Pending and Shipped: the saga still reads the customer's payment token or address for them. */
export const IN_FLIGHT: readonly OrderStatus[] = ['Pending', 'Paid', 'Confirmed'];

/** The signed-in customer erases their own account, with their password again (401 when wrong). */
export const eraseOwnAccount = async (deps: ErasureRequestDeps, customerId: string, password: string, context: CommandContext): Promise<Erasure> => {
  const { state } = await deps.commands.load(customerDecider, customerStream(customerId));
  if (state.status !== 'Registered') throw new UnauthorizedError('this account no longer exists');
  await deps.throttle?.attempt(customerId);
  if (!(await deps.passwords.verify(password, state.passwordHash))) throw new WrongPasswordError('wrong password');
  await deps.throttle?.succeeded(customerId);
  return erase(deps, customerId, state, 'customer', context);
};

/** An admin erases an account (404 when there is none; an erased one is answered as it was erased, nothing appended). */
export const eraseAccount = async (deps: ErasureRequestDeps, customerId: string, context: CommandContext): Promise<Erasure> => {
  const { state } = await deps.commands.load(customerDecider, customerStream(customerId));
  if (state.status === 'None') throw new NotFoundError('customer not found');
  return erase(deps, customerId, state, 'admin', context);
};

// In turn with the customer's checkouts: one under way is placed before the check, and one after finds the account erased.
const erase = (deps: ErasureRequestDeps, customerId: string, state: Customer, by: ErasedBy, context: CommandContext): Promise<Erasure> =>
  deps.commands.exclusive(checkoutLock(customerId), async () => {
    if (state.status === 'Registered') {
      if (state.role === 'admin') await refuseLastAdmin(deps.readModels, customerId);
      await refuseWhileOrdersInFlight(deps, customerId);
    }
    const handled = await deps.commands.handle(customerDecider, customerStream(customerId), { type: 'EraseCustomer', by, now: context.now }, context);
    if (handled.state.status !== 'Erased') throw new Error('unreachable: an erasure leaves the customer erased');
    return { customerId, erasedAt: handled.state.erasedAt, position: handled.position, revision: handled.revision };
  });

const refuseLastAdmin = async (readModels: ReadModelStore, customerId: string): Promise<void> => {
  const others = await readModels.collection('customers').countDocuments({ role: 'admin', _id: { $ne: customerId } });
  if (others === 0) throw new ConflictError('the last admin account cannot be erased: make another account admin first');
};

/**
 * The orders read model, and the log for the cart's latest orders (the read model may not show
 * an order placed a moment ago, or through another process), and for the order a checkout of
 * the cart as it stands would create (placed by a checkout cut short before it emptied the cart).
 */
const refuseWhileOrdersInFlight = async (deps: ErasureRequestDeps, customerId: string): Promise<void> => {
  const projected = await deps.readModels.collection('orders').find({ customerId, status: { $in: [...IN_FLIGHT] } }, { projection: { _id: 1 }, limit: 1 });
  const cart = await deps.commands.load(cartDecider, cartStream(customerId));
  const recent = [...cart.state.checkedOutInto, nextOrderId(customerId, cart.revision)];
  const logged = projected.length > 0 ? [] : await Promise.all(recent.map(async (orderId) => (await deps.commands.load(orderDecider, orderStream(orderId))).state.status));
  if (projected.length > 0 || logged.some((status) => status !== 'None' && IN_FLIGHT.includes(status))) {
    // A subscription renewing often keeps an order on its way for good: the way out is to cancel it first.
    const renewing = await deps.readModels.collection('subscriptions').countDocuments({ customerId, status: { $in: ['Active', 'PastDue'] } });
    const hint = renewing > 0 ? '; a subscription of this account places orders: cancel it first' : '';
    throw new ConflictError(`an order of this account is still being processed (not shipped yet): cancel it, or erase the account once it has shipped${hint}`);
  }
  // A renewal's order on its way: said as such, a subscription renewing often enough keeps one on its way for good.
  if (await renewalInFlight(deps, customerId)) {
    throw new ConflictError("a subscription's renewal order of this account is on its way (not shipped yet): cancel the subscription, then erase the account once that order has shipped or been cancelled");
  }
};

/**
 * Whether a subscription of the customer's has a renewal placed whose order is not created yet
 * (the subscriptions process manager creates it from SubscriptionRenewed) or is on its way. The
 * renewal job runs in turn with the erasure (checkoutLock), so a renewal placed before this check
 * is in the log; the read model names the subscriptions, none of which renews the moment it is made.
 */
const renewalInFlight = async (deps: ErasureRequestDeps, customerId: string): Promise<boolean> => {
  const subscriptions = await deps.readModels.collection('subscriptions').find({ customerId, status: { $ne: 'Cancelled' } }, { projection: { _id: 1 } });
  for (const { _id } of subscriptions) {
    const { state } = await deps.commands.load(subscriptionDecider, subscriptionStream(String(_id)));
    if (state.status === 'None' || state.current?.state !== 'placed') continue;
    const order = await deps.commands.load(orderDecider, orderStream(renewalOrderId(state.subscriptionId, state.current.renewal, state.current.attempt)));
    if (order.state.status === 'None' || IN_FLIGHT.includes(order.state.status)) return true;
  }
  return false;
};
