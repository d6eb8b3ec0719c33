import { SqliteEventStore } from '../../src/infrastructure/event-store/sqlite-event-store.js';
import { EmbeddedReadModelStore } from '../../src/infrastructure/read-models/embedded-read-model-store.js';
import { startShopHere } from './in-process.js';
import { median } from './interleave.js';
import { sleep } from './metrics.js';
import { client } from './processes.js';
import { setUpShop } from './shop-load.js';

/**
 * What one order costs the stores on the embedded default, counted inside a shop composed
 * as main.js composes it, orders placed one at a time (so nothing of one is batched with
 * another's):
 * - per order, in all: appends that wrote events, events, event-store commits (fsyncs),
 *   durable and non-durable read-model writes;
 * - on its critical path, from sending the checkout to OrderConfirmed committed: the
 *   durable commits the order waited for in turn (the event-store commits that carried its
 *   events, by correlation id, and the durable read-model writes meanwhile, such as the
 *   simulated provider's ledger).
 */

export type OrderCosts = {
  appends: number;
  events: number;
  eventStoreCommits: number;
  durableReadModelWrites: number;
  otherReadModelWrites: number;
  /** The critical path's durable commits of the median order (the floor's length), and their range over the orders. */
  criticalPathCommits: number;
  criticalPathRange: string;
};

export const ADDRESS = { line1: '1 Main St', city: 'Springfield', postalCode: '12345', country: 'US' };

export const countOrderCosts = async (orders: number): Promise<OrderCosts> => {
  const shop = await startShopHere();
  let restore = () => {};
  try {
    const { products, tokens } = await setUpShop(shop.url, 4, 2);
    const call = client(shop.url);
    const tally = { appends: 0, events: 0, durable: 0, other: 0 };
    // Event-store commit numbers of the appends of each correlation id, in order.
    const commitsOf = new Map<string, number[]>();
    // The order being placed: its correlation id (its checkout's request id), and what to call once it is confirmed.
    const current: { correlation?: string; confirmed?: () => void } = {};
    // The SQLite store under the privacy layer (its only instance in this process), on the prototype as for the writes below.
    let store: SqliteEventStore | undefined;
    const append = SqliteEventStore.prototype.appendToStream;
    SqliteEventStore.prototype.appendToStream = async function (this: SqliteEventStore, ...args) {
      store = this;
      const result = await append.apply(this, args);
      if (result.repeated) return result;
      tally.appends += 1;
      tally.events += args[1].length;
      const correlation = String(args[1][0]!.metadata.correlationId);
      commitsOf.set(correlation, [...(commitsOf.get(correlation) ?? []), this.commitCount]);
      if (args[1].some((e) => e.type === 'OrderCreated')) current.correlation = correlation;
      if (correlation === current.correlation && args[1].some((e) => e.type === 'OrderConfirmed')) current.confirmed?.();
      return result;
    } as typeof append;
    // Every write of the shop's read-model store (its only instance in this process), on the prototype: queries see it through views.
    const write = EmbeddedReadModelStore.prototype.write;
    restore = () => {
      EmbeddedReadModelStore.prototype.write = write;
      SqliteEventStore.prototype.appendToStream = append;
    };
    EmbeddedReadModelStore.prototype.write = function (this: EmbeddedReadModelStore, stage, options = {}) {
      if (options.durable === false) tally.other += 1;
      else tally.durable += 1;
      return write.call(this, stage, options);
    } as typeof write;

    await call('POST', '/api/v1/cart/items', tokens[0], { productId: products[0], quantity: 1 }); // warms every path once
    await call('POST', '/api/v1/checkout', tokens[0], { shippingAddress: ADDRESS, paymentMethod: { token: 'tok_visa' } });
    await sleep(300);
    const commits = () => store?.commitCount ?? 0;
    const before = { ...tally, commits: commits() };
    const paths: number[] = [];
    for (let i = 0; i < orders; i += 1) {
      const token = tokens[i % tokens.length]!;
      await call('POST', '/api/v1/cart/items', token, { productId: products[i % products.length], quantity: 1 });
      const durableBefore = tally.durable;
      const commitsBefore = commits();
      const done = new Promise<void>((resolve) => (current.confirmed = resolve));
      await call('POST', '/api/v1/checkout', token, { shippingAddress: ADDRESS, paymentMethod: { token: 'tok_visa' } });
      await done;
      const own = new Set((commitsOf.get(current.correlation!) ?? []).filter((c) => c > commitsBefore));
      paths.push(own.size + (tally.durable - durableBefore));
      await sleep(150); // the order's trailing work (shipment, emails) settles before the next
    }
    await sleep(500);
    const per = (n: number) => n / orders;
    return {
      appends: per(tally.appends - before.appends),
      events: per(tally.events - before.events),
      eventStoreCommits: per(commits() - before.commits),
      durableReadModelWrites: per(tally.durable - before.durable),
      otherReadModelWrites: per(tally.other - before.other),
      // The median order's: one order with a write more (a WAL started over beside it) does not lengthen the floor of all.
      criticalPathCommits: Math.round(median(paths)),
      criticalPathRange: `${Math.min(...paths)}-${Math.max(...paths)}`,
    };
  } finally {
    restore();
    await shop.stop();
  }
};
