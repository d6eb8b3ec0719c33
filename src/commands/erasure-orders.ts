import type { Logger } from 'pino';
import { orderDecider, orderStream, type OrderStatus } from '../domain/ordering/order.js';
import { IllegalStateError } from '../domain/shared/errors.js';
import type { ReadModelStore } from '../infrastructure/read-models/read-model-store.js';
import type { CommandContext, CommandHandler } from './command-handler.js';

/** A step of the erasure's job (./erasure-steps.ts): the orders placed in the moment of the erasure. */

export type SettleDeps = { commands: CommandHandler; readModels: ReadModelStore; logger: Logger };

/** An order between these has not shipped: the erasure is refused while the customer has one. */
const IN_FLIGHT: OrderStatus[] = ['Pending', 'Paid', 'Confirmed'];

/**
 * Orders placed in the moment of the erasure by another process (a checkout or a renewal that
 * looked at the customer's stream before `CustomerErased` was in it and appended its order
 * after the erasure's look at the orders in flight). The erasure refuses while an order is in
 * flight, so one in flight now is such an order; so is one the read model did not scrub on
 * `CustomerErased` (placed after it). Each in flight is cancelled (the saga voids or refunds
 * its payment, puts its stock back and calls its shipment off; the charge job voids a payment
 * of an erased customer it meets first), and each is told its customer was erased
 * (`OrderCustomerErased`: the orders and shipments read models drop the address). Called
 * once the read models have folded the whole log as it stands, so that an order appended
 * just after the erasure is among them.
 */
export const settleOrdersPlacedMeanwhile = async (deps: SettleDeps, customerId: string, context: CommandContext): Promise<void> => {
  const placed = await deps.readModels
    .collection('orders')
    .find({ customerId, $or: [{ status: { $in: IN_FLIGHT } }, { customerErased: { $ne: true } }] }, { projection: { _id: 1, status: 1 } });
  for (const { _id, status } of placed) {
    if (IN_FLIGHT.includes(status as OrderStatus)) {
      await deps.commands.handle(orderDecider, orderStream(_id), { type: 'CancelOrder', by: 'system:erasure', now: context.now }, context).catch((error: unknown) => {
        // Shipped meanwhile (an admin's dispatch): it goes its way; its copies of the address are dropped below.
        if (!(error instanceof IllegalStateError)) throw error;
        deps.logger.warn({ customerId, orderId: _id }, 'an order placed in the moment of the erasure shipped before the erasure could cancel it');
      });
    }
    await deps.commands.handle(orderDecider, orderStream(_id), { type: 'ForgetOrderCustomer', now: context.now }, context);
    deps.logger.warn({ customerId, orderId: _id }, 'an order placed in the moment of the erasure was settled: cancelled if still in flight, its copies of the address dropped');
  }
};
