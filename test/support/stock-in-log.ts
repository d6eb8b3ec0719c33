import { randomUUID } from 'node:crypto';
import type { CommandHandler } from '../../src/commands/command-handler.js';
import { inventoryDecider, inventoryStream } from '../../src/domain/inventory/inventory.js';

/**
 * A SKU with stock in the log, for tests that fill carts by command: a checkout refuses a line
 * the log has not enough of (409 out-of-stock, src/commands/orders.ts). Tracks the SKU first
 * when it is not yet; receives `quantity` each time.
 */
export const stockInLog = async (commands: CommandHandler, sku: string, quantity = 100, now = new Date().toISOString()) => {
  const context = () => {
    const id = randomUUID();
    return { correlationId: id, causationId: id, actor: 'test', now };
  };
  const stream = inventoryStream(sku);
  if ((await commands.load(inventoryDecider, stream)).state.status !== 'Tracked') {
    await commands.handle(inventoryDecider, stream, { type: 'RegisterInventoryItem', sku, productId: randomUUID(), now }, context());
  }
  await commands.handle(inventoryDecider, stream, { type: 'ReceiveStock', quantity, now }, context());
};
