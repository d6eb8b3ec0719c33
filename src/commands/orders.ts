import { cartDecider, cartStream, OutOfStockError, PricesChangedError, stalePrices, type Cart } from '../domain/cart/cart.js';
import { productDecider, productStream } from '../domain/catalog/product.js';
import { orderDecider, orderStream, type Order, type OrderPaymentMethod, type ShippingAddress } from '../domain/ordering/order.js';
import { customerDecider, customerStream } from '../domain/customer/customer.js';
import { ConflictError, NotFoundError, PreconditionFailedError, UnauthorizedError, UnavailableError, UnprocessableError } from '../domain/shared/errors.js';
import { isBusy } from '../infrastructure/sqlite-write-lock.js';
import { derivedId, type CommandContext, type CommandHandler } from './command-handler.js';
import { availableInLog } from './cart.js';
import { savedToken } from './payment-methods.js';

/**
 * Checkout turns the cart into a Pending order and answers at once: payment, stock and
 * shipping follow in the order saga. It writes two streams, the order and then the cart,
 * and everything that can refuse it is decided before the first: once the order exists,
 * taking its lines out of the cart cannot fail for want of them (the saga does the same on
 * OrderCreated, so a crash between the two appends leaves an order whose cart is emptied
 * all the same).
 *
 * The cart's revision names the order: the order id derives from the customer and the
 * revision of the cart it was made from, so two checkouts of one cart at one revision,
 * sent at once to two processes, both write to one order stream and only the first
 * creates it. The other finds it: the same request again (the same Idempotency-Key, or no
 * key both times) carries on and answers that order; another request is refused (409).
 * A request repeated with its key after the cart moved on (its stored answer lost in a
 * crash) finds its order among the last ones the cart went into, by the key its creation
 * recorded. In this process a customer's checkouts also run one at a time, so a second
 * one sent at once finds the cart emptied by the first and places nothing.
 */

/** Pay with a provider token, or with one of the customer's saved methods (looked up when the order is created). */
export type CheckoutPayment = { token: string } | { paymentMethodId: string };
export type Checkout = { shippingAddress: ShippingAddress; payment: CheckoutPayment };

/** A customer's checkouts, and the erasure of the customer, run one at a time in a process. */
export const checkoutLock = (customerId: string) => `checkout:${customerId}`;

/**
 * What the read models show available of these SKUs (stock_levels), for the checkout's stock
 * check: a line they show enough of is not looked up in the log (an inventory stream a busy
 * SKU's checkouts all read). Absent: every line is looked up in the log.
 */
export type ShownAvailable = (skus: readonly string[]) => Promise<ReadonlyMap<string, number>>;

export const checkout = (commands: CommandHandler, customerId: string, input: Checkout, context: CommandContext, shown?: ShownAvailable) =>
  commands.exclusive(checkoutLock(customerId), () => placeOrder(commands, customerId, input, context, shown));

/** The order a checkout of the cart as it stands would create. */
export const nextOrderId = (customerId: string, cartRevision: number) => derivedId(`${customerId}@${cartRevision}`, 'order');

/** How many of the cart's last orders a keyed repeat looks through for the one its key placed. */
const RECENT_ORDERS = 5;

const placeOrder = async (commands: CommandHandler, customerId: string, input: Checkout, context: CommandContext, shown?: ShownAvailable) => {
  // Erased while this request waited its turn (its token was good when it came in): an order now would outlive the account.
  if ((await commands.load(customerDecider, customerStream(customerId))).state.status === 'Erased') throw new UnauthorizedError('this account no longer exists');
  const cart = await commands.load(cartDecider, cartStream(customerId));
  // If-Match names the cart's revision (the ETag its answers carry), not the new order's: checked here, then left out.
  const { ifMatch, ...orderContext } = context;
  const repeated = context.idempotencyKey ? await placedWithKey(commands, cart.state.checkedOutInto.slice(-RECENT_ORDERS), context.idempotencyKey) : undefined;
  if (repeated) return { orderId: repeated, position: undefined };
  if (ifMatch !== undefined && ifMatch !== cart.revision) {
    throw new PreconditionFailedError(`the cart is at revision ${cart.revision < 0 ? 'none' : cart.revision}, not ${ifMatch}`, cart.revision < 0 ? null : cart.revision);
  }
  const orderId = nextOrderId(customerId, cart.revision);
  let placed = await commands.load(orderDecider, orderStream(orderId));
  let position: number | undefined;
  if (placed.state.status === 'None') {
    if (cart.state.lines.length === 0) throw new UnprocessableError('the cart is empty');
    // Only now: a keyed repeat of a checkout whose method was removed since still finds its order above.
    const paymentMethod = await paymentMethodOf(commands, customerId, input.payment);
    await checkStock(commands, cart.state.lines, shown);
    // Last of the refusals, so that the checkout sent again at the new prices goes through.
    await checkPrices(commands, customerId, cart.state.lines, orderContext);
    try {
      const order = { ...createOrder(orderId, customerId, cart.state.lines, input, paymentMethod, context.now), cartCheckouts: cart.state.checkouts };
      const created = await commands.handle(orderDecider, orderStream(orderId), order, orderContext);
      position = created.position;
    } catch (error) {
      // Another process's checkout of this cart got there first: looked at below, as an order found.
      if (!(error instanceof ConflictError)) throw error;
      placed = await commands.load(orderDecider, orderStream(orderId));
    }
  }
  if (placed.state.status !== 'None') {
    if (placed.state.customerId !== customerId) throw new ConflictError('this checkout belongs to another customer');
    const creator = await commands.creation(orderStream(orderId));
    if (creator?.idempotencyKey !== context.idempotencyKey) throw new ConflictError('the cart was checked out by another request at the same moment');
  }
  const lines = placed.state.status === 'None' ? cart.state.lines : placed.state.lines;
  let handled;
  try {
    // Made here from the cart as loaded above: a checkout of it since then has nothing left to complete.
    const before = placed.state.status === 'None' ? { checkoutsBefore: cart.state.checkouts } : {};
    handled = await commands.handle(cartDecider, cartStream(customerId), { type: 'CheckOutCart', customerId, orderId, ensure: true, lines, ...before, now: context.now }, orderContext);
  } catch (error) {
    // This request placed the order (its OrderCreated is in the log) and the store then refused the
    // cart's step for a while (another process held its lock; its server away): the order is placed
    // all the same, and the saga takes its lines out of the cart (order-saga.ts). "Nothing was done"
    // would be untrue, and a retry would order them twice.
    if (position !== undefined && storeUnavailable(error)) return { orderId, cartRevision: undefined, position };
    throw error;
  }
  // The cart's revision: what If-Match named, and what the next write to the cart names.
  return { orderId, cartRevision: handled.revision, position: handled.position ?? position };
};

/**
 * The order is placed at the catalog's prices, which are the cart's: a line whose product was
 * re-priced since it was added (the log's price, not a read model's a moment behind) takes the
 * new price in the cart, and the checkout is refused (409 prices-changed, with the changes and
 * the cart's new ETag). The customer sees the new total; the same checkout sent again orders at it.
 */
const checkPrices = async (commands: CommandHandler, customerId: string, lines: Cart['lines'], context: CommandContext) => {
  const prices = await Promise.all(
    lines.map(async ({ productId }) => {
      const { state } = await commands.load(productDecider, productStream(productId));
      return state.status === 'Listed' ? [{ productId, unitPrice: state.price }] : [];
    }),
  );
  const stale = stalePrices(lines, prices.flat());
  if (stale.length === 0) return;
  const repriced = await commands.handle(cartDecider, cartStream(customerId), { type: 'RepriceCart', customerId, prices: prices.flat(), now: context.now }, context);
  const changes = stale.map(({ line, unitPrice }) => ({ productId: line.productId, sku: line.sku, name: line.name, previousPrice: line.unitPrice, unitPrice }));
  throw new PricesChangedError(changes, repriced.revision, repriced.position);
};

/**
 * A line the shop has not enough of (what the read models show, and for a line they show too
 * little of, what the log has now: received, less what orders before this one reserved) is
 * refused before anything is placed: 409 out-of-stock naming the lines, nothing
 * charged, the cart as it was (a black-box probe had a sold-out cart's order charged, refunded
 * and its cart emptied). Stock is reserved later, by the saga: an order placed in the same moment
 * may still take the last units first, and this one then fails as out-of-stock and is refunded.
 */
const checkStock = async (commands: CommandHandler, lines: Cart['lines'], shown?: ShownAvailable) => {
  const inReadModels = shown ? await shown(lines.map((line) => line.sku)) : new Map<string, number>();
  const shortages = [];
  for (const { productId, sku, name, quantity } of lines) {
    // Enough shown: enough (a read model a moment behind may show stock just taken: the saga then fails the order, as
    // when two orders race for the last units). Too little shown: the log says (stock received a moment ago counts).
    if (quantity <= (inReadModels.get(sku) ?? 0)) continue;
    const available = await availableInLog(commands, sku);
    if (quantity > available) shortages.push({ productId, sku, name, quantity, available: Math.max(0, available) });
  }
  if (shortages.length > 0) throw new OutOfStockError(shortages);
};

/** The store did not take a write for now (locked by another process, or unreachable): nothing about the command. */
const storeUnavailable = (error: unknown) => isBusy(error) || error instanceof UnavailableError;

/** The order records the token it is paid with and, for a saved method, which one (the audit trail shows it). */
const paymentMethodOf = async (commands: CommandHandler, customerId: string, payment: CheckoutPayment) =>
  'token' in payment ? { token: payment.token } : { token: await savedToken(commands, customerId, payment.paymentMethodId), paymentMethodId: payment.paymentMethodId };

const createOrder = (orderId: string, customerId: string, lines: Cart['lines'], input: Checkout, paymentMethod: OrderPaymentMethod, now: string) => ({
  type: 'CreateOrder' as const,
  orderId,
  customerId,
  paymentId: derivedId(orderId, 'payment'),
  shipmentId: derivedId(orderId, 'shipment'),
  lines,
  shippingAddress: input.shippingAddress,
  paymentMethod,
  now,
});

/** The order among `orderIds` whose creation recorded this Idempotency-Key. */
const placedWithKey = async (commands: CommandHandler, orderIds: readonly string[], key: string): Promise<string | undefined> => {
  for (const orderId of [...orderIds].reverse()) if ((await commands.creation(orderStream(orderId)))?.idempotencyKey === key) return orderId;
  return undefined;
};

/** An order the viewer may act on: the owner's or, for an admin, any. Anyone else: not found. */
const ownOrder = async (commands: CommandHandler, orderId: string, viewer: Viewer) => {
  const { state } = await commands.load(orderDecider, orderStream(orderId));
  if (state.status === 'None' || (!viewer.admin && state.customerId !== viewer.customerId)) throw new NotFoundError('order not found');
  return state;
};

export type Viewer = { customerId: string; admin: boolean };

export const cancelOrder = async (commands: CommandHandler, orderId: string, viewer: Viewer, context: CommandContext) => {
  await ownOrder(commands, orderId, viewer);
  const handled = await commands.handle(orderDecider, orderStream(orderId), { type: 'CancelOrder', by: context.actor, now: context.now }, context);
  return { order: summary(handled.state), revision: handled.revision, position: handled.position };
};

export const amendOrder = async (commands: CommandHandler, orderId: string, viewer: Viewer, address: ShippingAddress, context: CommandContext) => {
  await ownOrder(commands, orderId, viewer);
  const handled = await commands.handle(orderDecider, orderStream(orderId), { type: 'AmendOrder', shippingAddress: address, now: context.now }, context);
  return { order: summary(handled.state), revision: handled.revision, position: handled.position };
};

const summary = (order: Order) => {
  if (order.status === 'None') throw new NotFoundError('order not found');
  const { orderId, status, shippingAddress } = order;
  return { orderId, status, shippingAddress };
};
