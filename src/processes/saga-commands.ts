import type { CommandContext, CommandHandler } from '../commands/command-handler.js';
import { cartDecider, cartStream } from '../domain/cart/cart.js';
import { inventoryDecider, inventoryStream, type InventoryDecider } from '../domain/inventory/inventory.js';
import { orderDecider, orderStream } from '../domain/ordering/order.js';
import { paymentDecider, paymentStream } from '../domain/payment/payment.js';
import { shipmentDecider, shipmentStream } from '../domain/shipping/shipment.js';
import { subscriptionDecider, subscriptionStream } from '../domain/subscriptions/subscription.js';
import type { RecordedEvent } from '../infrastructure/event-store/event-store.js';
import type { SagaCommand } from './process-manager.js';

/**
 * Sends one command of a process manager's reaction to its aggregate. Its event ids derive
 * from the triggering event and the command's place in the reaction (idempotency key
 * `<manager>:<event id>:<n>`), so a redelivered event appends nothing new; it carries the
 * triggering event's correlation and the process manager as its actor.
 */
export const sendSagaCommand = (deps: { commands: CommandHandler; clock: () => Date; inventory?: InventoryDecider }, manager: string, saga: SagaCommand, event: RecordedEvent, index: number) => {
  const context: CommandContext = {
    correlationId: String(event.metadata.correlationId ?? event.id),
    causationId: event.id,
    actor: `process:${manager}`,
    now: deps.clock().toISOString(),
    idempotencyKey: `${manager}:${event.id}:${index}`,
    causationPosition: event.position,
  };
  const { commands } = deps;
  switch (saga.aggregate) {
    case 'order':
      return commands.handle(orderDecider, orderStream(saga.id), saga.command, context);
    case 'payment':
      return commands.handle(paymentDecider, paymentStream(saga.id), saga.command, context);
    case 'inventory':
      return commands.handle(deps.inventory ?? inventoryDecider, inventoryStream(saga.id), saga.command, context);
    case 'shipment':
      return commands.handle(shipmentDecider, shipmentStream(saga.id), saga.command, context);
    case 'cart':
      return commands.handle(cartDecider, cartStream(saga.id), saga.command, context);
    case 'subscription':
      return commands.handle(subscriptionDecider, subscriptionStream(saga.id), saga.command, context);
  }
};
