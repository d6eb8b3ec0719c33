import { productDecider, productStream } from '../domain/catalog/product.js';
import { inventoryDecider, inventoryStream } from '../domain/inventory/inventory.js';
import { ConflictError, PreconditionFailedError } from '../domain/shared/errors.js';
import type { CommandContext, CommandHandler } from './command-handler.js';
import { createProduct, keyedProductId, type NewProduct } from './catalog.js';
import { receiveStock } from './inventory.js';

/** A small catalog with stock, so that a fresh `npm start` has something to sell. */
export const DEMO: ReadonlyArray<Omit<NewProduct, 'price'> & { price: number; stock: number }> = [
  { sku: 'TEE-BLK-M', name: 'Organic cotton tee, black, M', description: 'Heavyweight tee in organic cotton.', brand: 'Northwind', category: 'Apparel', price: 2400, stock: 120 },
  { sku: 'TEE-WHT-L', name: 'Organic cotton tee, white, L', description: 'Heavyweight tee in organic cotton.', brand: 'Northwind', category: 'Apparel', price: 2400, stock: 80 },
  { sku: 'HOOD-GRY-M', name: 'Zip hoodie, grey, M', description: 'Brushed fleece, two pockets.', brand: 'Northwind', category: 'Apparel', price: 5900, stock: 40 },
  { sku: 'MUG-CER-350', name: 'Ceramic mug 350 ml', description: 'Dishwasher-safe stoneware.', brand: 'Kiln & Co', category: 'Kitchen', price: 1500, stock: 200 },
  { sku: 'PAN-CI-26', name: 'Cast-iron pan 26 cm', description: 'Pre-seasoned, oven-safe.', brand: 'Kiln & Co', category: 'Kitchen', price: 4900, stock: 25 },
  { sku: 'KB-MECH-TKL', name: 'Mechanical keyboard TKL', description: 'Hot-swap switches, USB-C.', brand: 'Keystone', category: 'Electronics', price: 12900, stock: 15 },
  { sku: 'MOUSE-WL-01', name: 'Wireless mouse', description: 'Silent clicks, 70-day battery.', brand: 'Keystone', category: 'Electronics', price: 3900, stock: 60 },
  { sku: 'LAMP-DESK-LED', name: 'LED desk lamp', description: 'Dimmable, warm to cool white.', brand: 'Lumen', category: 'Home', price: 6900, stock: 0 },
];

type DemoItem = (typeof DEMO)[number];

/**
 * Creates the demo catalog, or what is missing of it: each product and its first stock
 * receipt carry idempotency keys of their own, so a seed interrupted part-way (a crash, the
 * store failing) is finished by running it again, which appends nothing for what is done.
 * Returns how many products it created.
 */
export const seedDemoCatalog = async (commands: CommandHandler, currency: string, context: CommandContext) => {
  let created = 0;
  for (const item of DEMO) if (await seedItem(commands, item, currency, context)) created += 1;
  return created;
};

/** Whether a seed began in this store and did not finish (the composition root then runs it again). */
export const demoCatalogUnfinished = async (commands: CommandHandler) => {
  const first = await commands.load(inventoryDecider, inventoryStream(DEMO[0]!.sku));
  const begun = first.state.status === 'Tracked' && first.state.productId === demoProductId(DEMO[0]!);
  return begun && !(await seeded(commands, DEMO[DEMO.length - 1]!));
};

const keyOf = (item: DemoItem, step: 'product' | 'stock') => `demo-catalog:${item.sku}:${step}`;
const demoProductId = (item: DemoItem) => keyedProductId(keyOf(item, 'product'), item.sku);

const seeded = async (commands: CommandHandler, item: DemoItem) => {
  const product = await commands.load(productDecider, productStream(demoProductId(item)));
  if (product.state.status !== 'Listed') return false;
  return item.stock === 0 || (await commands.load(inventoryDecider, inventoryStream(item.sku))).revision > 0;
};

const seedItem = async (commands: CommandHandler, item: DemoItem, currency: string, context: CommandContext) => {
  const { stock, price, ...product } = item;
  const listed = (await commands.load(productDecider, productStream(demoProductId(item)))).state.status === 'Listed';
  // Created here: not listed before and not made meanwhile by another process seeding at once (its key's answer).
  let created = false;
  if (!listed) {
    const keyed = { ...context, idempotencyKey: keyOf(item, 'product') };
    // A SKU someone else created meanwhile is theirs: the demo goes without it.
    const outcome = await createProduct(commands, { ...product, price: { amount: price, currency } }, keyed).catch(unless(ConflictError));
    if (!outcome) return false;
    created = !outcome.replayed;
  }
  // Received once, on a SKU nothing else happened to yet (If-Match 0): a receipt already made
  // is recognised by its key, or refused by its revision.
  if (stock > 0) await receiveStock({ commands }, item.sku, stock, { ...context, idempotencyKey: keyOf(item, 'stock'), ifMatch: 0 }).catch(unless(PreconditionFailedError));
  return created;
};

const unless =
  (expected: new (...args: never[]) => Error) =>
  (error: unknown): undefined => {
    if (error instanceof expected) return undefined;
    throw error;
  };
