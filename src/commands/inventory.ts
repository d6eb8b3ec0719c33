import { productDecider, productStream } from '../domain/catalog/product.js';
import { inventoryDecider, inventoryStream, stockStatus, type InventoryCommand, type InventoryDecider } from '../domain/inventory/inventory.js';
import type { WithdrawalReason } from '../domain/inventory/stock-alerts.js';
import { NotFoundError, ValidationError } from '../domain/shared/errors.js';
import type { CommandContext, CommandHandler } from './command-handler.js';

/**
 * Stock writes answer with the levels as of the command, straight from the write side, with
 * the threshold in force and what it makes of them. `inventory` is the shop's decider (its
 * default low-stock threshold, LOW_STOCK_THRESHOLD); the stock alerts a write crosses are
 * decided by it and appended with the write.
 */

export type StockDeps = { commands: CommandHandler; inventory?: InventoryDecider };

const handleStock = async (deps: StockDeps, sku: string, command: InventoryCommand, context: CommandContext) => {
  const inventory = deps.inventory ?? inventoryDecider;
  const handled = await deps.commands.handle(inventory, inventoryStream(sku), command, context);
  return { levels: stockStatus(handled.state, inventory.lowStockThreshold)!, revision: handled.revision, position: handled.position, appended: handled.appended };
};

export const receiveStock = (deps: StockDeps, sku: string, quantity: number, context: CommandContext) =>
  handleStock(deps, sku, { type: 'ReceiveStock', quantity, now: context.now }, context);

export const adjustStock = (deps: StockDeps, sku: string, adjustment: { delta: number; reason: string }, context: CommandContext) =>
  handleStock(deps, sku, { type: 'AdjustStock', ...adjustment, now: context.now }, context);

/** An admin's low-stock threshold for one SKU (If-Match: the SKU's revision). */
export const setLowStockThreshold = (deps: StockDeps, sku: string, threshold: number, context: CommandContext) =>
  handleStock(deps, sku, { type: 'SetLowStockThreshold', threshold, now: context.now }, context);

/**
 * Notify-me: a customer asks for one email when the product is back in stock. The product is
 * read from its own stream (an unknown product is a 404); the request is decided by its SKU's
 * stream (409 while it is in stock), which holds the customers waiting until the email goes.
 */
export const requestBackInStockNotice = async (deps: StockDeps, productId: string, customerId: string, context: CommandContext) => {
  // The client knows no revision of the SKU's stream: a condition on it cannot be what was meant.
  if (context.ifMatch !== undefined) {
    throw new ValidationError('notify-me takes no If-Match', [{ field: 'If-Match', message: 'should not be sent: the request is no change of the product' }]);
  }
  const product = await deps.commands.load(productDecider, productStream(productId));
  if (product.state.status !== 'Listed') throw new NotFoundError('product not found');
  const { sku } = product.state;
  const result = await handleStock(deps, sku, { type: 'RequestBackInStockNotice', customerId, now: context.now }, context);
  return { productId, sku, position: result.position, subscribed: true as const };
};

/**
 * Ends a customer's notify-me request for a product before the email (no request: nothing
 * appended, the same answer). `waiting`: whether there was one to end.
 */
export const withdrawBackInStockNotice = async (deps: StockDeps, productId: string, customerId: string, context: CommandContext) => {
  if (context.ifMatch !== undefined) {
    throw new ValidationError('notify-me takes no If-Match', [{ field: 'If-Match', message: 'should not be sent: the request is no change of the product' }]);
  }
  const product = await deps.commands.load(productDecider, productStream(productId));
  if (product.state.status === 'None') throw new NotFoundError('product not found');
  const { sku } = product.state;
  const result = await withdrawBySku(deps, sku, customerId, 'customer-request', context);
  return { productId, sku, position: result.position, withdrawn: result.appended.length > 0 };
};

/** Ends a customer's waiting request on one SKU (the erasure job's, for each SKU they wait for). */
export const withdrawBySku = (deps: StockDeps, sku: string, customerId: string, reason: WithdrawalReason, context: CommandContext) =>
  handleStock(deps, sku, { type: 'WithdrawBackInStockNotice', customerId, reason, now: context.now }, context);
