import { interleaved, median, medianOf, ratioOf, type Pair } from '../support/interleave.js';
import { startLoadGenerator } from '../support/load-elsewhere.js';
import { round, sleep, type BenchOptions, type Metric } from '../support/metrics.js';
import { busiestMainThread, perUnit, usageOf } from '../support/process-usage.js';
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
 *
 * Each window also reads, from /proc, the CPU its server took per request and how busy its
 * event loop was: a request costs more CPU at half the rate than at capacity (fewer share
 * each commit, and on a shared virtual machine work that comes spaced out runs slower), for
 * the bare anchor too, which the params show side by side.
 */

type Servers = { shop: Running; express: { command: Running; query: Running } };
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
    const servers: Servers = { shop, express };
    const routes: Route[] = [
      { name: 'command', load: cartCommand(products, tokens) },
      { name: 'query', load: productQuery(products) },
    ];
    // Unmeasured first: every server compiles its hot path (the JIT) before the pairs.
    for (const route of routes) for (const server of [servers.shop, servers.express[route.name]]) await load(server.url, route.load, sizes.warmUp);

    const measure = async (route: Route) => {
      const closedLoop = (server: Running) => costed(server, () => load(server.url, route.load, sizes.window));
      const capacity = await interleaved(sizes.pairs, () => closedLoop(servers.shop), () => closedLoop(servers.express[route.name]));
      const rate = medianOf(capacity, (p) => p.ours.rate) / 2;
      await sleep(1000); // the projections catch up with what the closed loop appended
      const steady = (server: Running, seconds = sizes.latencyWindow) =>
        costed(server, () => generator.run({ url: server.url, products, tokens, route: route.name, seconds, steadyRate: rate, connections: CONNECTIONS }));
      // Unmeasured: the load process's steady sender, and both servers, at this rate before the pairs.
      for (const server of [servers.shop, servers.express[route.name]]) await steady(server, 1);
      const latency = await interleaved(sizes.pairs, () => steady(servers.shop), () => steady(servers.express[route.name]));
      return { capacity, latency, rate };
    };
    const command = await measure(routes[0]!);
    const query = await measure(routes[1]!);
    const [bareNode] = await interleaved(1, () => load(servers.shop.url, routes[0]!.load, sizes.window), () => load(node.url, routes[0]!.load, sizes.window));
    return [...metrics('command', command, sizes, bareNode), ...metrics('query', query, sizes)];
  } finally {
    await generator.stop();
    for (const running of stops) await running.stop();
  }
};

/** A window's result, with what its server took meanwhile (from /proc; undefined elsewhere). */
type Costed = LoadResult & { cpuMsPerRequest: number | undefined; loopBusy: number | undefined };

/** Runs a window and reads the server's CPU (all threads) per request answered, and its event loop's busy share. */
const costed = async (server: Running, run: () => Promise<LoadResult>): Promise<Costed> => {
  const before = server.pid === undefined ? undefined : usageOf(server.pid);
  const result = await run();
  const after = server.pid === undefined ? undefined : usageOf(server.pid);
  return { ...result, cpuMsPerRequest: perUnit(before, after, result.requests)?.cpuMs, loopBusy: busiestMainThread(before, after) };
};

type Measured = { capacity: Array<Pair<Costed>>; latency: Array<Pair<Costed>>; rate: number };

/** The median of a figure the windows may lack (no /proc): undefined unless every window has it. */
const medianCost = (windows: readonly Costed[], figure: (window: Costed) => number | undefined, scale = 1): number | undefined => {
  const values = windows.map(figure);
  return values.every((v) => v !== undefined) ? round(median(values as number[]) * scale, 3) : undefined;
};

/** What the servers took per request (ms of CPU, all threads) and how busy their event loops were (%): ours and express's, in the same pairs of windows. */
const costParams = (pairs: Array<Pair<Costed>>): Record<string, number> => {
  const ours = pairs.map((p) => p.ours);
  const express = pairs.map((p) => p.anchor);
  const figures = {
    cpu_ms_per_request: medianCost(ours, (w) => w.cpuMsPerRequest),
    express_cpu_ms_per_request: medianCost(express, (w) => w.cpuMsPerRequest),
    loop_busy_pct: medianCost(ours, (w) => w.loopBusy, 100),
    express_loop_busy_pct: medianCost(express, (w) => w.loopBusy, 100),
  };
  return Object.fromEntries(Object.entries(figures).filter((entry): entry is [string, number] => entry[1] !== undefined));
};

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
      params: { ...params, closed_loop_p99_ms: medianOf(m.capacity, (p) => p.ours.p99), express_closed_loop_p99_ms: medianOf(m.capacity, (p) => p.anchor.p99), ...costParams(m.capacity) },
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
        ...costParams(m.latency),
      },
    },
  ];
};
