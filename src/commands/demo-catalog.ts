import type { CommandContext, CommandHandler } from './command-handler.js';
import { createProduct, type NewProduct } from './catalog.js';
import { receiveStock } from './inventory.js';

/** A small catalog with stock, so that a fresh `npm start` has something to sell. */
const DEMO: Array<Omit<NewProduct, 'price'> & { price: number; stock: number }> = [
  { sku: 'TEE-BLK-M', name: 'Organic cotton tee, black, M', description: 'Heavyweight tee in organic cotton.', brand: 'Northwind', category: 'Apparel', price: 2400, stock: 120 },
  { sku: 'TEE-WHT-L', name: 'Organic cotton tee, white, L', description: 'Heavyweight tee in organic cotton.', brand: 'Northwind', category: 'Apparel', price: 2400, stock: 80 },
  { sku: 'HOOD-GRY-M', name: 'Zip hoodie, grey, M', description: 'Brushed fleece, two pockets.', brand: 'Northwind', category: 'Apparel', price: 5900, stock: 40 },
  { sku: 'MUG-CER-350', name: 'Ceramic mug 350 ml', description: 'Dishwasher-safe stoneware.', brand: 'Kiln & Co', category: 'Kitchen', price: 1500, stock: 200 },
  { sku: 'PAN-CI-26', name: 'Cast-iron pan 26 cm', description: 'Pre-seasoned, oven-safe.', brand: 'Kiln & Co', category: 'Kitchen', price: 4900, stock: 25 },
  { sku: 'KB-MECH-TKL', name: 'Mechanical keyboard TKL', description: 'Hot-swap switches, USB-C.', brand: 'Keystone', category: 'Electronics', price: 12900, stock: 15 },
  { sku: 'MOUSE-WL-01', name: 'Wireless mouse', description: 'Silent clicks, 70-day battery.', brand: 'Keystone', category: 'Electronics', price: 3900, stock: 60 },
  { sku: 'LAMP-DESK-LED', name: 'LED desk lamp', description: 'Dimmable, warm to cool white.', brand: 'Lumen', category: 'Home', price: 6900, stock: 0 },
];

export const seedDemoCatalog = async (commands: CommandHandler, currency: string, context: CommandContext) => {
  for (const { stock, price, ...product } of DEMO) {
    await createProduct(commands, { ...product, price: { amount: price, currency } }, context);
    if (stock > 0) await receiveStock(commands, product.sku, stock, context);
  }
  return DEMO.length;
};
