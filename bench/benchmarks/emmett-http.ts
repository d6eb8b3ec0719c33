import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { tempDir } from '../../test/support/temp-dir.js';
import { round, type BenchOptions, type Metric } from '../support/metrics.js';
import { median, spread } from '../support/pairs.js';
import { startShop, type Running } from '../support/processes.js';
import { CONNECTIONS, CUSTOMERS, cartCommand, load, setUpShop, type Load, type LoadResult } from '../support/shop-load.js';

/**
 * http_command_vs_emmett: our add-to-cart (POST /api/v1/cart/items) against a peer's whole
 * stack doing the same: Emmett's shopping-cart web API sample (its add-product-item route)
 * on Emmett's express integration and its SQLite event store, committing with
 * synchronous=FULL as ours does (bench/anchors-web/server.js says what differs from the
 * sample). Both servers run side by side, each in its own process; the same autocannon client
 * sends them the same bodies (the same product ids, 200 carts round-robin, 50 connections)
 * in interleaved pairs of windows (ours, Emmett, then Emmett, ours, ...), after an unmeasured
 * window each that compiles the hot paths. The figures are the medians of the pairs' ratios
 * (throughput and p99), with their spread.
 */

const ANCHOR = fileURLToPath(new URL('../../../bench/anchors-web/server.js', import.meta.url));
const INSTALLED = fileURLToPath(new URL('../../../bench/anchors-web/node_modules/@event-driven-io/emmett-expressjs/package.json', import.meta.url));

type Pair = { ours: LoadResult; emmett: LoadResult };

export const emmettHttp = async ({ quick }: BenchOptions): Promise<Metric[]> => {
  if (!existsSync(INSTALLED)) throw new Error('bench/anchors-web is not installed (npm run bench installs it on first use)');
  const pairs = quick ? 3 : 7;
  const window = quick ? 3 : 8;
  const stops: Running[] = [];
  try {
    const shop = await startShop();
    stops.push(shop);
    const { products, tokens } = await setUpShop(shop.url, 40);
    const emmett = await startEmmett();
    stops.push(emmett);
    const ours = cartCommand(products, tokens);
    const theirs = emmettCommand(ours);
    const run = (side: 'ours' | 'emmett', seconds: number) =>
      (side === 'ours' ? load(shop.url, ours, seconds) : load(emmett.url, theirs, seconds, { tolerateFailures: true })).catch((error: Error) => {
        throw new Error(`${side === 'ours' ? 'our shop' : 'Emmett'}: ${error.message}`);
      });
    for (const side of ['ours', 'emmett'] as const) await run(side, Math.min(window, 2)); // warm-up (the JIT), unmeasured
    const measured: Pair[] = [];
    for (let i = 0; i < pairs; i += 1) {
      const pair: Partial<Pair> = {};
      for (const side of i % 2 === 0 ? (['ours', 'emmett'] as const) : (['emmett', 'ours'] as const)) {
        pair[side] = await run(side, window);
      }
      measured.push(pair as Pair);
    }
    return metrics(measured, window);
  } finally {
    for (const running of stops.reverse()) await running.stop();
  }
};

const metrics = (measured: Pair[], window: number): Metric[] => {
  const rate = ratios(measured.map((p) => p.ours.rate / p.emmett.rate));
  const p99 = ratios(measured.map((p) => p.ours.p99 / p.emmett.p99));
  const params = {
    pairs: measured.length,
    window_s: window,
    connections: CONNECTIONS,
    carts: CUSTOMERS,
    route: 'POST /api/v1/cart/items',
    emmett_route: 'POST /clients/:clientId/shopping-carts/current/product-items',
    // Other work on the machine colours both sides (by the pairs), but the fsync-bound side less.
    load_average_1m: round(loadavg()[0]!, 2),
    emmett_stack: 'emmett 0.42.0, emmett-expressjs 0.35.0-alpha.2, emmett-sqlite 0.42.4, express 4, sqlite3 5.1.7 (synchronous=FULL)',
  };
  return [
    {
      id: 'http_command_vs_emmett',
      value: round(median(measured.map((p) => p.ours.rate))),
      unit: 'req/s',
      anchors: { emmett_express_sqlite: round(median(measured.map((p) => p.emmett.rate))), ratio: round(rate.median, 2) },
      target: '>= 2 x emmett_express_sqlite (median ratio of the pairs)',
      met: rate.median >= 2,
      params: { ...params, ratio_spread: rate.spread, rates: measured.map((p) => `${round(p.ours.rate, 0)}/${round(p.emmett.rate, 0)}`).join(' '), emmett_failed_answers: measured.reduce((sum, p) => sum + p.emmett.failed, 0) },
    },
    {
      id: 'http_command_vs_emmett_p99_ms',
      value: median(measured.map((p) => p.ours.p99)),
      unit: 'ms',
      anchors: { emmett_express_sqlite: median(measured.map((p) => p.emmett.p99)), ratio: round(p99.median, 2) },
      target: '< emmett_express_sqlite (median ratio of the pairs < 1)',
      met: p99.median < 1,
      params: { ratio_spread: p99.spread, p99s: measured.map((p) => `${p.ours.p99}/${p.emmett.p99}`).join(' ') },
    },
  ];
};

/** The same requests as ours (bodies and cart per request), on the sample's route: the cart is the path's client. */
const emmettCommand = (ours: Load): Load => ({
  method: 'POST',
  path: (i) => `/clients/bench-${i % CUSTOMERS}/shopping-carts/current/product-items`,
  body: ours.body!,
  ...(ours.period !== undefined ? { period: ours.period } : {}),
});

/** bench/anchors-web/server.js in a process of its own, on a fresh database; refuses one that would not fsync each commit. */
const startEmmett = (): Promise<Running> => {
  const dir = tempDir('bench-emmett-web-');
  const child = spawn(process.execPath, [ANCHOR, join(dir.path, 'emmett.db')], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise((done) => child.once('exit', done));
  return new Promise((resolve, reject) => {
    void exited.then(() => reject(new Error('the Emmett server exited before listening')));
    // Emmett's startAPI prints a line of its own first.
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (!line.startsWith('{')) return;
      const { port, synchronous } = JSON.parse(line) as { port: number; synchronous: number };
      const stop = async () => {
        child.kill('SIGKILL');
        await exited;
        dir.remove();
      };
      if (synchronous !== 2) return void stop().then(() => reject(new Error(`the Emmett server commits with synchronous=${synchronous}, not FULL (2)`)));
      resolve({ url: `http://127.0.0.1:${port}`, pid: child.pid, stop });
    });
  });
};

const ratios = (values: number[]) => ({ median: median(values), spread: spread(values) });
