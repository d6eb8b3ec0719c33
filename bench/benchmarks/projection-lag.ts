import type { AppendResult, EventStore } from '../../src/infrastructure/event-store/event-store.js';
import { histogram, round, type BenchOptions, type Metric } from '../support/metrics.js';
import { cartLoadElsewhere, startShopHere } from '../support/in-process.js';
import { setUpShop } from '../support/shop-load.js';

/**
 * projection_lag_p99_ms: from an append being acknowledged to its event being visible in
 * the read models (every projection has written it), at half the maximum command rate.
 * The shop runs in this process, composed as main.js composes it, so both moments are
 * read from one clock without polling: the event store's append resolving, and the
 * projection runner's waitFor (what read-your-writes queries wait on) resolving. The
 * commands are the cart additions of http_command, sent by autocannon from another
 * process: first as fast as they go (the maximum rate), then held to half of it.
 */

export const projectionLag = async ({ quick }: BenchOptions): Promise<Metric> => {
  const shop = await startShopHere();
  try {
    const { products, tokens } = await setUpShop(shop.url, 40);
    const max = await cartLoadElsewhere({ url: shop.url, products, tokens, seconds: quick ? 5 : 10 });

    const lag = histogram();
    let unseen = 0;
    const pending: Promise<void>[] = [];
    const { eventStore, cluster: projections } = shop.deps;
    const append = eventStore.appendToStream.bind(eventStore);
    eventStore.appendToStream = async (...args: Parameters<EventStore['appendToStream']>): Promise<AppendResult> => {
      const result = await append(...args);
      const acknowledged = performance.now();
      pending.push(
        projections.waitFor(result.position, 10_000).then((visible) => {
          if (visible) lag.recordMs(performance.now() - acknowledged);
          else unseen += 1;
        }),
      );
      return result;
    };
    const half = await cartLoadElsewhere({ url: shop.url, products, tokens, seconds: quick ? 10 : 30, steadyRate: max.rate / 2 });
    eventStore.appendToStream = append;
    await Promise.all(pending);

    const p99 = lag.percentileMs(99);
    return {
      id: 'projection_lag_p99_ms',
      value: round(p99, 2),
      unit: 'ms',
      anchors: {},
      target: '<= 5 ms',
      met: p99 <= 5 && unseen === 0,
      params: {
        max_command_rate: round(max.rate),
        held_rate: round(half.rate),
        appends: lag.count() + unseen,
        unseen_after_10s: unseen,
        p50_ms: round(lag.percentileMs(50), 2),
        p90_ms: round(lag.percentileMs(90), 2),
        max_ms: round(lag.percentileMs(100), 2),
        command_p99_ms: half.p99,
      },
    };
  } finally {
    await shop.stop();
  }
};
