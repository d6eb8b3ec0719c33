import { v4 as uuidv4 } from 'uuid';
import { productDecider, productStream, type CreateProduct, type ProductDetails } from '../domain/catalog/product.js';
import { inventoryDecider, inventoryStream } from '../domain/inventory/inventory.js';
import { ConflictError } from '../domain/shared/errors.js';
import type { Money } from '../domain/shared/types.js';
import { derivedId, refuseIfMatch, type CommandContext, type CommandHandler } from './command-handler.js';

/**
 * Creating a product writes two streams: the SKU claim (`inventory-<sku>`, appended with
 * `no_stream`, which keeps SKUs unique), then the product. Everything the product decider
 * could refuse is refused before the claim, so a rejected creation appends nothing. A claim
 * names the product id it was made for, and that id stays the SKU's: a claim whose product
 * never appeared (a crash, the store failing between the two appends) is completed by the
 * next creation with that SKU, at once and under the claim's product id. Two creations
 * completing one claim at once make one product; the product's `no_stream` refuses the other.
 */

export type NewProduct = ProductDetails & { sku: string; price: Money };

export const createProduct = async (commands: CommandHandler, input: NewProduct, context: CommandContext) => {
  const { sku, price, name, description, brand, category } = input;
  const creation = (productId: string): CreateProduct => ({ type: 'CreateProduct', productId, sku, price, name, description, brand, category, now: context.now });
  // A dry run on a new product: the decider's own rules, checked before anything is written.
  productDecider.decide(creation(''), productDecider.initialState());
  const productId = await claimSku(commands, sku, context);
  const handled = await commands.handle(productDecider, productStream(productId), creation(productId), context).catch((error: unknown) => {
    // The claim's product exists already: another creation with this SKU got there first.
    if (error instanceof ConflictError) throw new ConflictError(`SKU ${sku} is already taken`);
    throw error;
  });
  // `replayed`: the idempotency key was handled before (by this process or another): nothing appended now.
  return { productId, revision: handled.revision, position: handled.position, replayed: handled.replayed };
};

/** The id of a product created under an idempotency key: from the key AND the SKU, so two creations under one key are two products. */
export const keyedProductId = (idempotencyKey: string, sku: string) => derivedId(`${idempotencyKey}\n${sku}`, 'product');

/** Claims the SKU, or adopts the claim already there; returns the product id the SKU belongs to. */
const claimSku = async (commands: CommandHandler, sku: string, context: CommandContext) => {
  const stream = inventoryStream(sku);
  const inventory = await commands.load(inventoryDecider, stream);
  if (inventory.state.status === 'Tracked') return inventory.state.productId;
  const productId = context.idempotencyKey ? keyedProductId(context.idempotencyKey, sku) : uuidv4();
  // A new product: If-Match has nothing to match (412), refused before the first of its two writes. A SKU taken
  // answers 409 first (the product's stream exists: its decider refuses), as every command's own refusal comes first.
  refuseIfMatch(context, 'a new product');
  // Another creation may claim the SKU first: the decider refuses this one then (409).
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
