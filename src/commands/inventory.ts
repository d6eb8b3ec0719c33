import { inventoryDecider, inventoryStream, levels } from '../domain/inventory/inventory.js';
import type { CommandContext, CommandHandler } from './command-handler.js';

/** Stock receipts and adjustments answer with the levels as of the command, straight from the write side. */

export const receiveStock = async (commands: CommandHandler, sku: string, quantity: number, context: CommandContext) => {
  const handled = await commands.handle(
    inventoryDecider,
    inventoryStream(sku),
    { type: 'ReceiveStock', quantity, now: context.now },
    context,
  );
  return { levels: levels(handled.state)!, revision: handled.revision, position: handled.position };
};

export const adjustStock = async (
  commands: CommandHandler,
  sku: string,
  adjustment: { delta: number; reason: string },
  context: CommandContext,
) => {
  const handled = await commands.handle(
    inventoryDecider,
    inventoryStream(sku),
    { type: 'AdjustStock', ...adjustment, now: context.now },
    context,
  );
  return { levels: levels(handled.state)!, revision: handled.revision, position: handled.position };
};
