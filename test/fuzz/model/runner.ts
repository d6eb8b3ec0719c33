import fc from 'fast-check';
import { createProduct, startTestApp } from '../../support/test-app.js';
import { AddLine, ChangeLine, Checkout, Register, RemoveLine, signIn, type ShopCommand } from './cart-commands.js';
import { checkAll } from './checks.js';
import { TOKENS, type ShopModel } from './model.js';
import { Adjust, Amend, Cancel, Deliver, Dispatch, Receive, Reprice, type Actor } from './order-commands.js';
import { CancelBeforePayment, CheckoutThenCancel, DispatchVersusCancel, DoubleCheckout } from './race-commands.js';
import { Shop, describe } from './system.js';

const DAY_MS = 24 * 3600_000;

/**
 * The model-based test of the shop (issue 14, item 4): random sequences of shopper, order
 * and warehouse commands against the real HTTP app, each answer and the read models checked
 * against the model after the saga settles. One app serves every run; each run gets its own
 * customers and products, so runs are independent and a shrunk counterexample replays alone.
 */

export type ShopModelOptions = { runs: number; seed: number; path?: string; log?: (line: string) => void };

/** Stock and price of the products every run starts with: one scarce, one plenty, one out of stock. */
const START = [
  { price: 1500, stock: 3 },
  { price: 250, stock: 10 },
  { price: 999, stock: 0 },
];

// Indices run past what a run has on purpose: they are taken modulo its size when the command runs.
const customer = fc.nat({ max: 3 });
const product = fc.nat({ max: START.length - 1 });
const order = fc.nat({ max: 11 });
const quantity = fc.oneof({ weight: 9, arbitrary: fc.integer({ min: 1, max: 4 }) }, { weight: 1, arbitrary: fc.constantFrom(60, 100) });
const actor = fc.constantFrom<Actor>('owner', 'owner', 'admin', 'stranger');
const token = fc.constantFrom(...TOKENS, 'tok_visa', 'tok_visa', 'tok_visa', 'tok_visa', 'tok_visa');
const address = fc.nat({ max: 1 });

const COMMANDS: fc.Arbitrary<ShopCommand>[] = [
  fc.oneof({ weight: 3, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: customer }).map((taken) => new Register(taken)),
  fc.tuple(customer, product, quantity).map(([c, p, q]) => new AddLine(c, p, q)),
  fc.tuple(customer, product, quantity).map(([c, p, q]) => new AddLine(c, p, q)),
  fc.tuple(customer, product, quantity).map(([c, p, q]) => new AddLine(c, p, q)),
  fc.tuple(customer, product, quantity).map(([c, p, q]) => new AddLine(c, p, q)),
  fc.tuple(customer, product, quantity).map(([c, p, q]) => new ChangeLine(c, p, q)),
  fc.tuple(customer, product).map(([c, p]) => new RemoveLine(c, p)),
  fc.tuple(customer, token, address, fc.boolean()).map(([c, t, a, repeat]) => new Checkout(c, t, a, repeat)),
  fc.tuple(customer, token, fc.constantFrom(0, 1, 3, 10)).map(([c, t, ms]) => new CheckoutThenCancel(c, t, ms)),
  fc.tuple(customer, token).map(([c, t]) => new DoubleCheckout(c, t)),
  fc.tuple(customer, token).map(([c, t]) => new CancelBeforePayment(c, t)),
  fc.tuple(order, actor).map(([o, a]) => new Cancel(o, a)),
  fc.tuple(order, actor, address).map(([o, a, ad]) => new Amend(o, a, ad)),
  fc.tuple(order, fc.option(fc.constantFrom('UPS-123456', 'DHL-0042'), { nil: null })).map(([o, t]) => new Dispatch(o, t)),
  fc.tuple(order, fc.option(fc.constantFrom('UPS-123456', 'DHL-0042'), { nil: null })).map(([o, t]) => new Dispatch(o, t)),
  order.map((o) => new Deliver(o)),
  fc.tuple(order, fc.boolean()).map(([o, first]) => new DispatchVersusCancel(o, first)),
  fc.tuple(product, fc.oneof(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 50, max: 100 }))).map(([p, q]) => new Receive(p, q)),
  fc.tuple(product, fc.constantFrom(250, 999, 1500, 0)).map(([p, price]) => new Reprice(p, price)),
  fc.tuple(product, fc.integer({ min: -5, max: 5 }).filter((d) => d !== 0)).map(([p, d]) => new Adjust(p, d)),
];

let skus = 0;

/** Two fresh customers and the START products, made through the API like any client would. */
const freshShop = async (shop: Shop): Promise<ShopModel> => {
  const model: ShopModel = { customers: [], products: [], orders: [] };
  for (let i = 0; i < 2; i += 1) {
    const { customerId, email } = await shop.app.customer(`Model Shopper ${i}`);
    model.customers.push(await signIn(shop, i, email, customerId));
  }
  for (const [i, { price, stock }] of START.entries()) {
    const { productId, sku } = await createProduct(shop.app, shop.admin, { price, sku: `MODEL-${process.pid}-${(skus += 1)}` });
    if (stock > 0) {
      const res = await shop.request('post', `/api/v1/inventory/${sku}/receipts`, shop.admin, { quantity: stock });
      if (res.status !== 200) throw new Error(describe(res));
    }
    model.products.push({ label: `p${i}`, productId, sku, price, onHand: stock, reserved: 0 });
  }
  await shop.quiesce();
  await shop.startRun();
  await checkAll(shop, model);
  return model;
};

export const runShopModel = async (options: ShopModelOptions): Promise<fc.RunDetails<unknown>> => {
  // Payment expiry far beyond any run: every payment the model makes is answered at once.
  // The model knows nothing of time: payment expiries and the simulated carrier's reports (a minute after a
  // booking by default, which a long `npm run fuzz` outlasts: a delivery report then landed in the middle of a
  // later write that must append nothing) fall a day after, beyond any run.
  const app = await startTestApp({ paymentTimeoutMs: DAY_MS, carrierTransitMs: DAY_MS, carrierDeliveryMs: DAY_MS });
  try {
    const shop = new Shop(app, await app.adminToken());
    let runs = 0;
    const property = fc.asyncProperty(fc.commands(COMMANDS, { maxCommands: 40, size: 'max' }), async (commands) => {
      const requests = shop.requests;
      await fc.asyncModelRun(async () => ({ model: await freshShop(shop), real: shop }), commands);
      runs += 1;
      options.log?.(`run ${runs}: ${shop.requests - requests} requests, ${shop.requests} in all`);
    });
    const parameters: fc.Parameters<[Iterable<ShopCommand>]> = { numRuns: options.runs, seed: options.seed };
    if (options.path !== undefined) parameters.path = options.path;
    const details = (await fc.check(property, parameters)) as fc.RunDetails<unknown>;
    for (const [key, count] of [...shop.outcomes].sort()) options.log?.(`${key}: ${count}`);
    return details;
  } finally {
    await app.close();
  }
};

/** fast-check's report of a failed run with the error that failed it (fast-check 4 leaves it out unless asked). */
export const shopModelReport = (details: fc.RunDetails<unknown>): string | undefined => {
  const report = fc.defaultReportMessage(details);
  if (!report) return undefined;
  const error = details.errorInstance;
  return `${report}\n\nGot error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`;
};
