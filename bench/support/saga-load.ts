import { histogram, sleep } from './metrics.js';
import { client } from './processes.js';
import { ADDRESS } from './saga-count.js';
import type { SagaWatch } from './saga-watch.js';

/**
 * Orders placed on a running shop as shoppers place them: one item into the cart, then
 * checkout; the order is done when the saga's OrderConfirmed is in the log (SagaWatch).
 * A customer has one checkout in flight at a time and is free again once it is answered.
 */

export type Window = {
  /** Offered and achieved (orders sent per second of the window). */
  offered: number;
  sent: number;
  rate: number;
  confirmed: number;
  late: number;
  failed: number;
  starved: number;
  p50: number;
  p99: number;
  /** Mean latency of the window's second and last quarter (a backlog that grows shows here). */
  early: number;
  late4: number;
  sustainable: boolean;
};

export class SagaLoad {
  private readonly call: ReturnType<typeof client>;
  private readonly ready: string[];
  private n = 0;

  constructor(
    url: string,
    private readonly watch: SagaWatch,
    private readonly products: readonly string[],
    tokens: readonly string[],
    private readonly boundMs: number,
  ) {
    this.call = client(url);
    this.ready = [...tokens];
  }

  /** One order through; its checkout-to-confirmed ms, or undefined when it was not confirmed within the bound. */
  private async order(token: string): Promise<number | undefined> {
    const i = this.n++;
    await this.call('POST', '/api/v1/cart/items', token, { productId: this.products[(i * 7) % this.products.length], quantity: 1 });
    const sent = performance.now();
    const { orderId } = (await this.call('POST', '/api/v1/checkout', token, { shippingAddress: ADDRESS, paymentMethod: { token: 'tok_visa' } })) as { orderId: string };
    this.ready.push(token);
    const outcome = await this.watch.outcome(orderId, this.boundMs);
    return outcome?.confirmed ? outcome.at - sent : undefined;
  }

  /** Closed loop: `shoppers` each placing an order and waiting for its confirmation, for `seconds`; confirmed orders/s. */
  async closedLoop(shoppers: number, seconds: number): Promise<number> {
    const end = performance.now() + seconds * 1000;
    let done = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: shoppers }, async () => {
        while (performance.now() < end) {
          const token = this.ready.shift();
          if (!token) return;
          if ((await this.order(token)) !== undefined) done += 1;
        }
      }),
    );
    return done / ((performance.now() - started) / 1000);
  }

  /** Open loop: orders sent on schedule at `rate`/s for `seconds`, whatever earlier ones are doing. */
  async window(rate: number, seconds: number, record = histogram()): Promise<Window & { latencies: number[] }> {
    const total = Math.max(1, Math.round(rate * seconds));
    const runs: Array<Promise<number | undefined>> = [];
    let starved = 0;
    let failed = 0;
    const start = performance.now();
    for (let k = 0; k < total; k += 1) {
      const wait = start + (k * 1000) / rate - performance.now();
      if (wait > 1) await sleep(wait);
      const token = this.ready.shift();
      if (!token) {
        starved += 1;
        continue;
      }
      runs.push(this.order(token).catch(() => ((failed += 1), undefined)));
    }
    const elapsed = (performance.now() - start) / 1000;
    const results = await Promise.all(runs);
    const latencies = results.filter((r): r is number => r !== undefined);
    // An order not confirmed within the bound (late, failed) counts at the bound, at least: left out, it would flatter the percentiles.
    const counted = results.map((r) => r ?? this.boundMs);
    for (const ms of counted) record.recordMs(ms);
    const mean = (xs: Array<number | undefined>) => {
      const ok = xs.filter((x): x is number => x !== undefined);
      return ok.length === 0 ? Number.POSITIVE_INFINITY : ok.reduce((a, b) => a + b, 0) / ok.length;
    };
    const q = Math.floor(results.length / 4);
    const early = mean(results.slice(q, 2 * q));
    const late4 = mean(results.slice(3 * q));
    const late = results.length - latencies.length - failed;
    const sent = runs.length;
    const sorted = [...counted].sort((a, b) => a - b);
    const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
    const sustainable = failed === 0 && starved === 0 && late === 0 && sent / elapsed >= 0.95 * rate && late4 <= 1.5 * early + 20;
    return { offered: rate, sent, rate: sent / elapsed, confirmed: latencies.length, late, failed, starved, p50: at(50), p99: at(99), early, late4, sustainable, latencies };
  }

  /**
   * Orders one at a time, each once the last one's saga is over (nothing appended for 50 ms):
   * checkout-to-confirmed with nothing else in flight. The ms of those confirmed.
   */
  async oneAtATime(count: number): Promise<number[]> {
    const latencies: number[] = [];
    for (let i = 0; i < count; i += 1) {
      const token = this.ready.shift();
      if (!token) break;
      const ms = await this.order(token);
      if (ms !== undefined) latencies.push(ms);
      await this.drain(50);
    }
    return latencies;
  }

  /** Orders seen Confirmed, then failed or cancelled, so far (see SagaWatch): a window's must not grow. */
  get unconfirmedAfterwards(): number {
    return this.watch.unconfirmedAfterwards;
  }

  /**
   * Waits until the shop has appended nothing for `quietMs` (a backlog left by an overloaded
   * window has drained). Answers how long the shop went on appending after the call (ms): the
   * trailing work of the last orders (shipments, emails), or a backlog; Infinity when it had not
   * stopped after `maxMs`.
   */
  async drain(quietMs = 300, maxMs = 30_000): Promise<number> {
    const called = performance.now();
    const until = called + maxMs;
    let head = this.watch.headPosition();
    let since = called;
    while (performance.now() < until) {
      await sleep(50);
      const now = this.watch.headPosition();
      if (now !== head) {
        head = now;
        since = performance.now();
      } else if (performance.now() - since >= quietMs) return since - called;
    }
    return Number.POSITIVE_INFINITY;
  }
}
