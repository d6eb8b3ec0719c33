import autocannon from 'autocannon';
import { round, type BenchOptions, type Metric } from '../support/metrics.js';
import { client, startBare, startShop, type Running } from '../support/processes.js';

/**
 * http_command: POST /api/v1/cart/items at 50 connections, req/s and p99. The requests go
 * round-robin to 200 signed-in customers (no two in flight for one cart), each filling a
 * cart of 5 products, as shoppers do. http_query: GET /api/v1/products/:id. Anchors: a bare
 * express app and a bare node:http server giving the same JSON answer, hit by the same
 * client with the same requests.
 */

const CONNECTIONS = 50;
const CUSTOMERS = 200;
const LINES_PER_CART = 5;

type Load = { method: 'GET' | 'POST'; path: (i: number) => string; body?: (i: number) => unknown; token?: (i: number) => string };

/** autocannon with a path, body and token that change with every request. */
const load = async (url: string, spec: Load, seconds: number) => {
  let request = 0;
  const result = await autocannon({
    url,
    connections: CONNECTIONS,
    duration: seconds,
    requests: [
      {
        // Called for every request (autocannon resets its per-connection context after each).
        setupRequest: (req) => {
          const i = request++;
          const token = spec.token?.(i);
          const headers = { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) };
          const body = spec.body ? JSON.stringify(spec.body(i)) : undefined;
          return { ...req, method: spec.method, path: spec.path(i), headers, ...(body ? { body } : {}) };
        },
      },
    ],
  });
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${result.non2xx} non-2xx answers, ${result.errors} errors at ${url}`);
  return { rate: result.requests.average, p99: result.latency.p99 };
};

export const httpBenchmarks = async ({ quick }: BenchOptions): Promise<Metric[]> => {
  const seconds = quick ? 5 : 15;
  const shop = await startShop();
  const stops: Running[] = [shop];
  try {
    const { products, tokens } = await setUp(shop.url, 40);
    const customerOf = (i: number) => i % CUSTOMERS;
    const command: Load = {
      method: 'POST',
      path: () => '/api/v1/cart/items',
      // Customer c fills a cart with 5 products of its own choosing, one unit at a time.
      body: (i) => ({ productId: products[(customerOf(i) * 7 + (Math.floor(i / CUSTOMERS) % LINES_PER_CART)) % products.length]!, quantity: 1 }),
      token: (i) => tokens[customerOf(i)]!,
    };
    const query: Load = { method: 'GET', path: (i) => `/api/v1/products/${products[i % products.length]}` };
    const sampleCart = await client(shop.url)('POST', '/api/v1/cart/items', tokens[0], { productId: products[0], quantity: 1 });
    const sampleProduct = await client(shop.url)('GET', `/api/v1/products/${products[0]}`);

    const ours = { command: await load(shop.url, command, seconds), query: await load(shop.url, query, seconds) };
    const express = { command: await startBare('express', sampleCart), query: await startBare('express', sampleProduct) };
    const node = await startBare('node', sampleCart);
    stops.push(express.command, express.query, node);
    const anchors = {
      expressCommand: await load(express.command.url, command, seconds),
      nodeCommand: await load(node.url, command, seconds),
      expressQuery: await load(express.query.url, query, seconds),
    };
    return [
      {
        id: 'http_command',
        value: round(ours.command.rate),
        unit: 'req/s',
        anchors: { express_bare: round(anchors.expressCommand.rate), node_http_bare: round(anchors.nodeCommand.rate) },
        target: '>= 35% of express_bare',
        met: ours.command.rate >= 0.35 * anchors.expressCommand.rate,
        params: { connections: CONNECTIONS, seconds, route: 'POST /api/v1/cart/items', customers: CUSTOMERS, cart_lines: LINES_PER_CART },
      },
      {
        id: 'http_command_p99_ms',
        value: ours.command.p99,
        unit: 'ms',
        anchors: { express_bare: anchors.expressCommand.p99, node_http_bare: anchors.nodeCommand.p99 },
        target: '<= 25 ms',
        met: ours.command.p99 <= 25,
      },
      {
        id: 'http_query',
        value: round(ours.query.rate),
        unit: 'req/s',
        anchors: { express_bare: round(anchors.expressQuery.rate) },
        target: '>= 70% of express_bare',
        met: ours.query.rate >= 0.7 * anchors.expressQuery.rate,
        params: { connections: CONNECTIONS, seconds, route: 'GET /api/v1/products/:id', p99_ms: ours.query.p99 },
      },
    ];
  } finally {
    for (const running of stops) await running.stop();
  }
};

/** Products with plenty of stock, and signed-in customers. */
const setUp = async (url: string, productCount: number) => {
  const call = client(url);
  const admin = (await call('POST', '/api/v1/account/login', undefined, { email: 'bench@shop.local', password: 'bench-password' })).token as string;
  const products: string[] = [];
  for (let i = 0; i < productCount; i += 1) {
    const sku = `BENCH-${i}`;
    const { productId } = await call('POST', '/api/v1/products', admin, { sku, name: `Bench product ${i}`, description: 'A product for the benchmark', brand: 'Bench', category: 'Bench', price: { amount: 1000 + i, currency: 'USD' } });
    await call('POST', `/api/v1/inventory/${sku}/receipts`, admin, { quantity: 1_000_000 });
    products.push(productId as string);
  }
  const tokens: string[] = [];
  for (let i = 0; i < CUSTOMERS; i += 1) {
    const email = `bench${i}@shop.local`;
    await call('POST', '/api/v1/account/register', undefined, { email, password: 'bench-password', name: `Bench ${i}` });
    tokens.push((await call('POST', '/api/v1/account/login', undefined, { email, password: 'bench-password' })).token as string);
  }
  return { products, tokens };
};
