import { v4 as uuidv4 } from 'uuid';
import { productDecider, productStream, type ProductDetails } from '../domain/catalog/product.js';
import { inventoryDecider, inventoryStream } from '../domain/inventory/inventory.js';
import { ConflictError } from '../domain/shared/errors.js';
import type { Money } from '../domain/shared/types.js';
import { derivedId, type CommandContext, type CommandHandler } from './command-handler.js';

/**
 * Creating a product claims its SKU first (the `inventory-<sku>` stream, appended with
 * `no_stream`), then writes the product. If the process dies between the two, the SKU's
 * inventory names a product that does not exist; the next creation with that SKU
 * completes the abandoned one after a grace period instead of refusing forever.
 */

export const ABANDONED_CLAIM_GRACE_MS = 30_000;

export type NewProduct = ProductDetails & { sku: string; price: Money };

export const createProduct = async (commands: CommandHandler, input: NewProduct, context: CommandContext) => {
  const wanted = context.idempotencyKey ? derivedId(context.idempotencyKey, 'product') : uuidv4();
  const productId = await claimSku(commands, input.sku, wanted, context);
  const { sku, price, name, description, brand, category } = input;
  const handled = await commands.handle(
    productDecider,
    productStream(productId),
    { type: 'CreateProduct', productId, sku, price, name, description, brand, category, now: context.now },
    context,
  );
  return { productId, revision: handled.revision, position: handled.position };
};

/** Returns the product id that owns the SKU from now on. */
const claimSku = async (commands: CommandHandler, sku: string, productId: string, context: CommandContext) => {
  const stream = inventoryStream(sku);
  const inventory = await commands.load(inventoryDecider, stream);
  if (inventory.state.status === 'Tracked' && inventory.state.productId !== productId) {
    const owner = inventory.state.productId;
    const ownerExists = (await commands.load(productDecider, productStream(owner))).state.status === 'Listed';
    const abandoned = Date.parse(context.now) - Date.parse(inventory.state.registeredAt) > ABANDONED_CLAIM_GRACE_MS;
    if (ownerExists || !abandoned) throw new ConflictError(`SKU ${sku} is already taken`);
    return owner;
  }
  await commands.handle(inventoryDecider, stream, { type: 'RegisterInventoryItem', sku, productId, now: context.now }, context);
  return productId;
};

export type ProductChanges = Partial<ProductDetails> & { price?: Money };

export const updateProduct = async (
  commands: CommandHandler,
  productId: string,
  changes: ProductChanges,
  context: CommandContext,
) => {
  const { price, ...details } = changes;
  const handled = await commands.handle(
    productDecider,
    productStream(productId),
    { type: 'UpdateProduct', changes: details, ...(price ? { price } : {}), now: context.now },
    context,
  );
  return { revision: handled.revision, position: handled.position, state: handled.state };
};
