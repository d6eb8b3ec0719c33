import { availableParallelism } from 'node:os';
import { median } from '../support/interleave.js';
import { cpuMsOf } from '../support/process-usage.js';
import { round, sleep, type BenchOptions, type Metric } from '../support/metrics.js';
import { client, startShop, type Running } from '../support/processes.js';
import { CONNECTIONS, cartCommand, load, productQuery, setUpShop, type Load, type LoadResult } from '../support/shop-load.js';
import { ratioFrom } from '../support/interleave.js';

/**
 * http_query_workers_2 / http_command_workers_2: the routes of http_query and http_command
 * against the shop as `WORKERS=2 npm start` runs it (two processes on one port), beside the
 * same shop as `WORKERS=1` runs it, both set up alike and running side by side. They are
 * measured in interleaved pairs of short windows (W1, W2, then W2, W1, ...), so that a
 * machine that speeds up or slows down during the run (shared machines do, by 1.5x within
 * seconds) colours both alike; the figure is the median of the pairs' ratios, with their
 * spread. The load generator runs on the same machine and takes its share of the cores:
 * the CPU time each side used is reported beside it (from /proc, where there is one), with
 * what the cores allow: with the load generator's CPU per request g and WORKERS=2's per
 * request s2, at most cores / (s2 + g) requests a second, over WORKERS=1's rate
 * (`cpu_ceiling_ratio`; a single worker is bound by its one event loop, not by that). Each
 * route is first run unmeasured on both sides, so that every process has compiled its hot
 * path before the pairs (a process's first seconds under load run up to 1.5x slower).
 */

type Side = { shop: Running & { server: { child: { pid?: number } } }; pids: number[]; query: Load; command: Load };

export const workersBenchmark = async ({ quick }: BenchOptions): Promise<Metric[]> => {
  const pairs = quick ? 3 : 5;
  const window = quick ? 3 : 6;
  const stops: Running[] = [];
  try {
    const one = await side(stops, '1');
    const two = await side(stops, '2');
    const measure = async (which: 'query' | 'command') => {
      // Unmeasured first: every process of both sides compiles the route's hot path (the JIT) before the pairs.
      for (const s of [one, two]) await load(s.shop.url, s[which], Math.min(window, 2));
      const ratios: number[] = [];
      const w1: LoadResult[] = [];
      const w2: LoadResult[] = [];
      const cpu = { w1: 0, w2: 0, load: 0, loadSeconds: 0, seconds: { w1: 0, w2: 0 }, requests: { w1: 0, w2: 0 } };
      for (let i = 0; i < pairs; i += 1) {
        const order = i % 2 === 0 ? ([one, two] as const) : ([two, one] as const);
        const results = new Map<Side, LoadResult>();
        for (const s of order) {
          const before = cpuSeconds(s.pids);
          const self = process.cpuUsage();
          const started = performance.now();
          const result = await load(s.shop.url, s[which], window);
          results.set(s, result);
          const elapsed = (performance.now() - started) / 1000;
          const used = cpuSeconds(s.pids) - before;
          const key = s === one ? 'w1' : 'w2';
          cpu[key] += used;
          cpu.seconds[key] += elapsed;
          cpu.requests[key] += result.requests;
          const me = process.cpuUsage(self);
          cpu.load += (me.user + me.system) / 1e6 / elapsed / (2 * pairs);
          cpu.loadSeconds += (me.user + me.system) / 1e6;
        }
        w1.push(results.get(one)!);
        w2.push(results.get(two)!);
        ratios.push(results.get(two)!.rate / results.get(one)!.rate);
      }
      // CPU seconds a request: the load generator's (both sides' windows), and each side's shop's.
      const perRequest = {
        load: cpu.loadSeconds / Math.max(1, cpu.requests.w1 + cpu.requests.w2),
        w1: cpu.w1 / Math.max(1, cpu.requests.w1),
        w2: cpu.w2 / Math.max(1, cpu.requests.w2),
      };
      return {
        perRequest,
        ratio: median(ratios),
        ratios,
        spread: `${round(Math.min(...ratios), 2)}-${round(Math.max(...ratios), 2)}`,
        w1: median(w1.map((r) => r.rate)),
        w2: median(w2.map((r) => r.rate)),
        w2p99: median(w2.map((r) => r.p99)),
        cpuPct: { w1: round((100 * cpu.w1) / cpu.seconds.w1, 0), w2: round((100 * cpu.w2) / cpu.seconds.w2, 0), load: round(100 * cpu.load, 0) },
      };
    };
    const query = await measure('query');
    const command = await measure('command');
    const params = (m: typeof query) => ({
      pairs,
      window_s: window,
      connections: CONNECTIONS,
      cores: availableParallelism(),
      ratio_spread: m.spread,
      shop_cpu_pct_workers_1: m.cpuPct.w1,
      shop_cpu_pct_workers_2: m.cpuPct.w2,
      load_generator_cpu_pct: m.cpuPct.load,
      // CPU a request (µs): the load generator's, and the shop's with one worker and with two.
      load_generator_us_per_request: round(m.perRequest.load * 1e6, 1),
      shop_us_per_request_workers_1: round(m.perRequest.w1 * 1e6, 1),
      shop_us_per_request_workers_2: round(m.perRequest.w2 * 1e6, 1),
      // What the cores allow WORKERS=2 beside the load generator, over WORKERS=1's rate (0 without /proc).
      cpu_ceiling_ratio: m.perRequest.w2 > 0 ? round(availableParallelism() / (m.perRequest.w2 + m.perRequest.load) / m.w1, 2) : 'n/a',
      p99_ms: m.w2p99,
    });
    return [
      {
        id: 'http_query_workers_2',
        value: round(query.w2),
        unit: 'req/s',
        anchors: { workers_1: round(query.w1), ratio: round(query.ratio, 2) },
        ratios: [ratioFrom('workers_1', query.ratios)],
        target: '>= 1.5 x workers_1 (median ratio of the pairs)',
        met: query.ratio >= 1.5,
        params: { route: 'GET /api/v1/products/:id', ...params(query) },
      },
      {
        id: 'http_command_workers_2',
        value: round(command.w2),
        unit: 'req/s',
        anchors: { workers_1: round(command.w1), ratio: round(command.ratio, 2) },
        ratios: [ratioFrom('workers_1', command.ratios)],
        params: { route: 'POST /api/v1/cart/items', ...params(command) },
      },
    ];
  } finally {
    for (const running of stops) await running.stop();
  }
};

/** A shop with WORKERS=n, set up as the http benchmark sets one up, once all its processes serve. */
const side = async (stops: Running[], workers: string): Promise<Side> => {
  const shop = await startShop({ WORKERS: workers });
  stops.push(shop);
  const { admin, products, tokens } = await setUpShop(shop.url, 40);
  const pids = await servingPids(shop.url, admin, Number(workers));
  return { shop, pids, query: productQuery(products), command: cartCommand(products, tokens) };
};

/** The pids of the shop's processes, once `count` of them serve behind the one port (each has joined the cluster). */
const servingPids = async (url: string, admin: string, count: number): Promise<number[]> => {
  const call = client(url);
  for (let tries = 0; tries < 600; tries += 1) {
    const { processes } = (await call('GET', '/api/v1/admin/cluster', admin)) as { processes: Array<{ pid: number; port: number | null }> };
    const serving = processes.filter((p) => p.port !== null);
    if (serving.length >= count) return serving.map((p) => p.pid);
    await sleep(50);
  }
  throw new Error(`${count} workers did not join in time`);
};

/** CPU seconds (user + system) the processes have used, from /proc; 0 where there is no /proc. */
const cpuSeconds = (pids: number[]): number =>
  pids.reduce((sum, pid) => {
    try {
      return sum + cpuMsOf(`/proc/${pid}/stat`) / 1000;
    } catch {
      return sum;
    }
  }, 0);

