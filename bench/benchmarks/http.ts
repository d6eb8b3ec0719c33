import { interleaved, medianOf, ratioOf, type Pair } from '../support/interleave.js';
import { startLoadGenerator } from '../support/load-elsewhere.js';
import { round, sleep, type BenchOptions, type Metric } from '../support/metrics.js';
import { client, startBare, startShop, type Running } from '../support/processes.js';
import { CONNECTIONS, CUSTOMERS, LINES_PER_CART, cartCommand, load, productQuery, setUpShop, type Load, type LoadResult } from '../support/shop-load.js';

/**
 * http_command: POST /api/v1/cart/items at 50 connections. The requests go round-robin to
 * 200 signed-in customers (no two in flight for one cart), each filling a cart of 5
 * products, as shoppers do. http_query: GET /api/v1/products/:id. Anchors: a bare express
 * app (and, for the command, a bare node:http server) giving the same JSON answer, hit by
 * the same client with the same requests, in interleaved pairs of short windows.
 *
 * Capacity first: req/s as fast as the answers come (autocannon, closed loop). Then the
 * latency at half of OUR capacity, measured in this run: the same steady rate (open loop,
 * on 50 connections opened first) offered to ours and to express in turn. A p99 taken at
 * saturation measures the queue that a closed loop builds, and one taken at a fixed rate
 * how near a machine is to saturation; at half of the measured capacity both sides answer
 * the same load with room to spare, so the ratio of the p99s is the cost of our stack.
 */

type Servers = { shop: string; express: { command: string; query: string } };
type Route = { name: 'command' | 'query'; load: Load };

export const httpBenchmarks = async ({ quick }: BenchOptions): Promise<Metric[]> => {
  const sizes = { pairs: quick ? 3 : 5, window: quick ? 2.5 : 6, latencyWindow: quick ? 2 : 5, warmUp: quick ? 1.5 : 4 };
  const shop = await startShop();
  const generator = startLoadGenerator();
  const stops: Running[] = [shop];
  try {
    const { products, tokens } = await setUpShop(shop.url, 40);
    const sampleCart = await client(shop.url)('POST', '/api/v1/cart/items', tokens[0], { productId: products[0], quantity: 1 });
    const sampleProduct = await client(shop.url)('GET', `/api/v1/products/${products[0]}`);
    const express = { command: await startBare('express', sampleCart), query: await startBare('express', sampleProduct) };
    const node = await startBare('node', sampleCart);
    stops.push(express.command, express.query, node);
    const servers: Servers = { shop: shop.url, express: { command: express.command.url, query: express.query.url } };
    const routes: Route[] = [
      { name: 'command', load: cartCommand(products, tokens) },
      { name: 'query', load: productQuery(products) },
    ];
    // Unmeasured first: every server compiles its hot path (the JIT) before the pairs.
    for (const route of routes) for (const url of [servers.shop, servers.express[route.name]]) await load(url, route.load, sizes.warmUp);

    const measure = async (route: Route) => {
      const capacity = await interleaved(sizes.pairs, () => load(servers.shop, route.load, sizes.window), () => load(servers.express[route.name], route.load, sizes.window));
      const rate = medianOf(capacity, (p) => p.ours.rate) / 2;
      await sleep(1000); // the projections catch up with what the closed loop appended
      const steady = (url: string, seconds = sizes.latencyWindow) => generator.run({ url, products, tokens, route: route.name, seconds, steadyRate: rate, connections: CONNECTIONS });
      // Unmeasured: the load process's steady sender, and both servers, at this rate before the pairs.
      for (const url of [servers.shop, servers.express[route.name]]) await steady(url, 1);
      const latency = await interleaved(sizes.pairs, () => steady(servers.shop), () => steady(servers.express[route.name]));
      return { capacity, latency, rate };
    };
    const command = await measure(routes[0]!);
    const query = await measure(routes[1]!);
    const [bareNode] = await interleaved(1, () => load(servers.shop, routes[0]!.load, sizes.window), () => load(node.url, routes[0]!.load, sizes.window));
    return [...metrics('command', command, sizes, bareNode), ...metrics('query', query, sizes)];
  } finally {
    await generator.stop();
    for (const running of stops) await running.stop();
  }
};

type Measured = { capacity: Array<Pair<LoadResult>>; latency: Array<Pair<LoadResult>>; rate: number };

const ROUTES = { command: 'POST /api/v1/cart/items', query: 'GET /api/v1/products/:id' };
const TARGETS = { command: 0.35, query: 0.7 };

const metrics = (name: 'command' | 'query', m: Measured, sizes: { pairs: number; window: number; latencyWindow: number }, bareNode?: Pair<LoadResult>): Metric[] => {
  const rate = ratioOf('express_bare', m.capacity, (o) => o.rate, (a) => a.rate);
  const p99 = ratioOf('express_bare', m.latency, (o) => o.p99, (a) => a.p99);
  const nodeRate = name === 'command' && bareNode ? [ratioOf('node_http_bare', [bareNode], (o) => o.rate, (a) => a.rate)] : [];
  const params = { connections: CONNECTIONS, pairs: sizes.pairs, window_s: sizes.window, route: ROUTES[name], ...(name === 'command' ? { customers: CUSTOMERS, cart_lines: LINES_PER_CART } : {}) };
  return [
    {
      id: `http_${name}`,
      value: round(medianOf(m.capacity, (p) => p.ours.rate)),
      unit: 'req/s',
      anchors: { express_bare: round(medianOf(m.capacity, (p) => p.anchor.rate)), ...(nodeRate.length > 0 ? { node_http_bare: round(bareNode!.anchor.rate) } : {}) },
      ratios: [rate, ...nodeRate],
      target: `>= ${TARGETS[name]} x express_bare`,
      met: rate.median >= TARGETS[name],
      params: { ...params, closed_loop_p99_ms: medianOf(m.capacity, (p) => p.ours.p99), express_closed_loop_p99_ms: medianOf(m.capacity, (p) => p.anchor.p99) },
    },
    {
      id: `http_${name}_p99_ms`,
      value: round(medianOf(m.latency, (p) => p.ours.p99), 2),
      unit: 'ms',
      anchors: { express_bare: round(medianOf(m.latency, (p) => p.anchor.p99), 2) },
      ratios: [p99],
      target: '<= 1.5 x express_bare (the same rate: half our capacity)',
      met: p99.median <= 1.5,
      params: {
        ...params,
        window_s: sizes.latencyWindow,
        offered_rate: round(m.rate),
        p50_ms: round(medianOf(m.latency, (p) => p.ours.p50), 2),
        express_p50_ms: round(medianOf(m.latency, (p) => p.anchor.p50), 2),
      },
    },
  ];
};
