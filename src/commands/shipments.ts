import { orderDecider, orderStream } from '../domain/ordering/order.js';
import { NotFoundError } from '../domain/shared/errors.js';
import { shipmentDecider, shipmentStream, trackingNumberOf } from '../domain/shipping/shipment.js';
import type { CommandContext, CommandHandler } from './command-handler.js';

/**
 * Dispatch and delivery are decided by the shipment's order, so they cannot race with a cancellation.
 * Their If-Match names the order's revision, so their answers carry the order's revision (ETag) too.
 */

const orderOfShipment = async (commands: CommandHandler, shipmentId: string) => {
  const { state } = await commands.load(shipmentDecider, shipmentStream(shipmentId));
  if (state.status === 'None') throw new NotFoundError('shipment not found');
  return state.orderId;
};

export const dispatchShipment = async (commands: CommandHandler, shipmentId: string, trackingNumber: string | undefined, context: CommandContext) => {
  const orderId = await orderOfShipment(commands, shipmentId);
  const handled = await commands.handle(
    orderDecider,
    orderStream(orderId),
    { type: 'ShipOrder', trackingNumber: trackingNumber ?? trackingNumberOf(shipmentId), now: context.now },
    context,
  );
  const state = handled.state;
  return { shipmentId, orderId, trackingNumber: state.status === 'None' ? undefined : state.trackingNumber, revision: handled.revision, position: handled.position };
};

export const deliverShipment = async (commands: CommandHandler, shipmentId: string, context: CommandContext) => {
  const orderId = await orderOfShipment(commands, shipmentId);
  const handled = await commands.handle(orderDecider, orderStream(orderId), { type: 'DeliverOrder', now: context.now }, context);
  return { shipmentId, orderId, status: 'Delivered' as const, revision: handled.revision, position: handled.position };
};
