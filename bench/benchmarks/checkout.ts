import type { AppendResult, EventStore } from '../../src/infrastructure/event-store/event-store.js';
import { startShopHere } from '../support/in-process.js';
import { histogram, round, sleep, type BenchOptions, type Metric } from '../support/metrics.js';
import { client } from '../support/processes.js';
import { setUpShop } from '../support/shop-load.js';

/**
 * checkout_to_confirmed_p50_ms / _p99_ms: from sending POST /api/v1/checkout to the order
 * being `Confirmed` in the orders read model, at a steady 100 checkouts/s. Each checkout
 * goes through the whole saga: order, payment request, the (simulated) provider's charge,
 * stock reservation, confirmation, and the orders projection.
 *
 * The shop runs in this process, composed as main.js composes it, and the checkouts go to
 * it over HTTP on schedule, whatever earlier ones are doing (an open loop). "Visible" is
 * read without polling (which would load the server and round the figures up to its
 * interval): when the saga appends OrderConfirmed, the projection runner's waitFor on that
 * position resolves once the orders read model holds it. 200 customers take turns: once
 * an order is confirmed, its customer fills a cart again.
 */

const RATE = 100;
const GIVE_UP_MS = 10_000;
const ADDRESS = { line1: '1 Main St', city: 'Springfield', postalCode: '12345', country: 'US' };

export const checkoutToConfirmed = async ({ quick }: BenchOptions): Promise<Metric[]> => {
  const seconds = quick ? 10 : 30;
  const shop = await startShopHere();
  try {
    const { products, tokens } = await setUpShop(shop.url, 40);
    const call = client(shop.url);
    const fill = (token: string, n: number) => call('POST', '/api/v1/cart/items', token, { productId: products[n % products.length], quantity: 1 });
    for (const [i, token] of tokens.entries()) await fill(token, i);

    // Orders confirmed and visible, by order id: resolved from inside the shop.
    const visible = new Map<string, (at: number) => void>();
    const confirmedAt = new Map<string, number>();
    const { eventStore, cluster: projections } = shop.deps;
    const append = eventStore.appendToStream.bind(eventStore);
    eventStore.appendToStream = async (...args: Parameters<EventStore['appendToStream']>): Promise<AppendResult> => {
      const result = await append(...args);
      const confirmed = args[1].find((e) => e.type === 'OrderConfirmed');
      if (confirmed) {
        const orderId = String(confirmed.data.orderId);
        void projections.waitFor(result.position, GIVE_UP_MS).then((seen) => {
          if (!seen) return;
          const at = performance.now();
          const done = visible.get(orderId);
          if (done) done(at);
          else confirmedAt.set(orderId, at); // confirmed before its checkout answered
        });
      }
      return result;
    };
    const whenVisible = (orderId: string) =>
      new Promise<number | undefined>((resolve) => {
        const early = confirmedAt.get(orderId);
        if (early !== undefined) return resolve(early);
        const timer = setTimeout(() => resolve(undefined), GIVE_UP_MS);
        visible.set(orderId, (at) => {
          clearTimeout(timer);
          resolve(at);
        });
      });

    const latency = histogram();
    const outcome = { confirmed: 0, notConfirmed: 0, starved: 0 };
    const ready = [...tokens];
    const inFlight: Promise<void>[] = [];
    let filled = tokens.length;
    const order = async (token: string) => {
      const started = performance.now();
      const { orderId } = (await call('POST', '/api/v1/checkout', token, { shippingAddress: ADDRESS, paymentMethod: { token: 'tok_visa' } })) as { orderId: string };
      const at = await whenVisible(orderId);
      visible.delete(orderId);
      confirmedAt.delete(orderId);
      if (at === undefined) outcome.notConfirmed += 1;
      else {
        latency.recordMs(at - started);
        outcome.confirmed += 1;
      }
      await fill(token, filled++);
      ready.push(token);
    };

    const total = seconds * RATE;
    const start = performance.now();
    for (let k = 0; k < total; k += 1) {
      const wait = start + (k * 1000) / RATE - performance.now();
      if (wait > 0) await sleep(wait);
      const token = ready.shift();
      if (token) inFlight.push(order(token));
      else outcome.starved += 1;
    }
    const rate = (total - outcome.starved) / ((performance.now() - start) / 1000);
    await Promise.all(inFlight);
    eventStore.appendToStream = append;
    const clean = outcome.notConfirmed === 0 && outcome.starved === 0;
    return [
      {
        id: 'checkout_to_confirmed_p50_ms',
        value: round(latency.percentileMs(50), 2),
        unit: 'ms',
        anchors: {},
        params: { checkouts_per_s: round(rate), seconds, customers: tokens.length, ...outcome },
      },
      {
        id: 'checkout_to_confirmed_p99_ms',
        value: round(latency.percentileMs(99), 2),
        unit: 'ms',
        anchors: {},
        target: '<= 100 ms',
        met: latency.percentileMs(99) <= 100 && clean,
        params: { p90_ms: round(latency.percentileMs(90), 2), max_ms: round(latency.percentileMs(100), 2) },
      },
    ];
  } finally {
    await shop.stop();
  }
};
