import { cartDecider, cartStream } from '../domain/cart/cart.js';
import { orderDecider, orderStream, type Order, type ShippingAddress } from '../domain/ordering/order.js';
import { ConflictError, NotFoundError, UnprocessableError } from '../domain/shared/errors.js';
import { derivedId, type CommandContext, type CommandHandler } from './command-handler.js';

/**
 * Checkout turns the cart into a Pending order and answers at once: payment, stock and
 * shipping follow in the order saga. It writes two streams, the order and then the cart,
 * and everything that can refuse it is decided before the first: once the order exists,
 * taking its lines out of the cart cannot fail for want of them (the saga does the same on
 * OrderCreated, so a crash between the two appends leaves an order whose cart is emptied
 * all the same). The order id derives from the Idempotency-Key, or else from the cart's
 * revision, so the same request repeated finds the order it already placed. A customer's
 * checkouts run one at a time in this process: a second one sent at once, under another
 * key, finds the cart emptied by the first and places nothing.
 */

export type Checkout = { shippingAddress: ShippingAddress; paymentToken: string };

export const checkout = (commands: CommandHandler, customerId: string, input: Checkout, context: CommandContext) =>
  commands.exclusive(`checkout:${customerId}`, () => placeOrder(commands, customerId, input, context));

const placeOrder = async (commands: CommandHandler, customerId: string, input: Checkout, context: CommandContext) => {
  const cart = await commands.load(cartDecider, cartStream(customerId));
  const orderId = derivedId(context.idempotencyKey ?? `${customerId}@${cart.revision}`, 'order');
  const { ifMatch: _cartRevisionIsNotTheOrders, ...orderContext } = context;
  const placed = await commands.load(orderDecider, orderStream(orderId));
  const lines = placed.state.status === 'None' ? cart.state.lines : placed.state.lines;
  let position: number | undefined;
  if (placed.state.status === 'None') {
    if (cart.state.lines.length === 0) throw new UnprocessableError('the cart is empty');
    const created = await commands.handle(
      orderDecider,
      orderStream(orderId),
      {
        type: 'CreateOrder',
        orderId,
        customerId,
        paymentId: derivedId(orderId, 'payment'),
        shipmentId: derivedId(orderId, 'shipment'),
        lines,
        shippingAddress: input.shippingAddress,
        paymentMethod: { token: input.paymentToken },
        now: context.now,
      },
      orderContext,
    );
    position = created.position;
  } else if (placed.state.customerId !== customerId) throw new ConflictError('this checkout belongs to another customer');
  const handled = await commands.handle(
    cartDecider,
    cartStream(customerId),
    { type: 'CheckOutCart', customerId, orderId, ensure: true, lines, now: context.now },
    orderContext,
  );
  return { orderId, position: handled.position ?? position };
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
