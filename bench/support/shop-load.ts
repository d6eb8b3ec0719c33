import autocannon, { type Client } from 'autocannon';
import { inParallel } from '../../src/processes/concurrency.js';
import { client } from './processes.js';

/**
 * The shop's load, shared by the benchmarks: a shop set up over HTTP (products with
 * plenty of stock, signed-in customers), and autocannon runs whose path, body and token
 * change with every request.
 */

export const CONNECTIONS = 50;
export const CUSTOMERS = 200;
export const LINES_PER_CART = 5;

/**
 * Request `i` of a run: its path, body and token. `period`: after how many requests they
 * repeat (request i + period is request i again); 1,000 when not given.
 */
export type Load = { method: 'GET' | 'POST'; path: (i: number) => string; body?: (i: number) => unknown; token?: (i: number) => string; period?: number };

export type LoadResult = { rate: number; p50: number; p99: number; requests: number; failed: number };

/** autocannon at `connections` (50), for `seconds`, as fast as the answers come. */
/**
 * `tolerateFailures`: an anchor's answers that are not 2xx (Emmett's SQLite store refuses some
 * concurrent appends) are not counted as done work, and do not end the run; ours always must
 * all succeed.
 */
export const load = async (url: string, spec: Load, seconds: number, options: { connections?: number; tolerateFailures?: boolean } = {}): Promise<LoadResult> => {
  const connections = options.connections ?? CONNECTIONS;
  const request = (i: number) => {
    const token = spec.token?.(i);
    const headers = { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) };
    const body = spec.body ? JSON.stringify(spec.body(i)) : undefined;
    return { method: spec.method, path: spec.path(i), headers, ...(body ? { body } : {}) };
  };
  // Connection c sends requests c, c + connections, c + 2 × connections, ... (as a round robin of
  // the run's requests over its connections would), from a list of its own built before the run
  // and sent as built: autocannon builds a request made in the run (setupRequest) anew each time,
  // which cost the load generator about a quarter more CPU per request, on the cores the shop runs on.
  const perConnection = Math.max(1, Math.ceil((spec.period ?? 1000) / connections));
  let next = 0;
  const result = await autocannon({
    url,
    connections,
    duration: seconds,
    requests: [request(0)],
    setupClient: (client: Client) => {
      const c = next++ % connections;
      client.setRequests(Array.from({ length: perConnection }, (_, k) => request(c + connections * k)));
    },
  });
  const failed = result.non2xx + result.errors;
  if (failed > 0 && !options.tolerateFailures) throw new Error(`${result.non2xx} non-2xx answers, ${result.errors} errors at ${url}`);
  const done = result.requests.total - failed;
  return { rate: (result.requests.average * done) / Math.max(1, result.requests.total), p50: result.latency.p50, p99: result.latency.p99, requests: done, failed };
};

/**
 * POST /api/v1/cart/items, round-robin over the customers (no two requests in flight for
 * one cart at 50 connections), each filling a cart of 5 products, one unit at a time.
 */
export const cartCommand = (products: readonly string[], tokens: readonly string[]): Load => {
  const customerOf = (i: number) => i % tokens.length;
  return {
    method: 'POST',
    period: tokens.length * LINES_PER_CART,
    path: () => '/api/v1/cart/items',
    body: (i) => ({ productId: products[(customerOf(i) * 7 + (Math.floor(i / tokens.length) % LINES_PER_CART)) % products.length]!, quantity: 1 }),
    token: (i) => tokens[customerOf(i)]!,
  };
};

/** Our cart command's requests (bodies and cart per request) on Emmett's shopping-cart sample's route: the cart is the path's client (emmett-http.ts). */
export const emmettCommand = (ours: Load): Load => ({
  method: 'POST',
  path: (i) => `/clients/bench-${i % CUSTOMERS}/shopping-carts/current/product-items`,
  body: ours.body!,
  ...(ours.period !== undefined ? { period: ours.period } : {}),
});

export const productQuery = (products: readonly string[]): Load => ({ method: 'GET', period: products.length, path: (i) => `/api/v1/products/${products[i % products.length]}` });

export type Shop = { admin: string; products: string[]; tokens: string[] };

/** How many of the set-up's requests are in flight at once: registrations and logins hash passwords on the shop's thread pool, so one at a time left a core idle. */
const SET_UP_CONCURRENCY = 8;

/** Products with plenty of stock, and signed-in customers (the shop runs with ADMIN_EMAIL bench@shop.local). */
export const setUpShop = async (url: string, productCount: number, customers = CUSTOMERS): Promise<Shop> => {
  const call = client(url);
  const admin = (await call('POST', '/api/v1/account/login', undefined, { email: 'bench@shop.local', password: 'bench-password' })).token as string;
  const products = await inParallel(indexes(productCount), SET_UP_CONCURRENCY, async (i) => {
    const sku = `BENCH-${i}`;
    const { productId } = await call('POST', '/api/v1/products', admin, { sku, name: `Bench product ${i}`, description: 'A product for the benchmark', brand: 'Bench', category: 'Bench', price: { amount: 1000 + i, currency: 'USD' } });
    await call('POST', `/api/v1/inventory/${sku}/receipts`, admin, { quantity: 1_000_000 });
    return productId as string;
  });
  const tokens = await inParallel(indexes(customers), SET_UP_CONCURRENCY, async (i) => {
    const email = `bench${i}@shop.local`;
    await call('POST', '/api/v1/account/register', undefined, { email, password: 'bench-password', name: `Bench ${i}` });
    return (await call('POST', '/api/v1/account/login', undefined, { email, password: 'bench-password' })).token as string;
  });
  return { admin, products, tokens };
};

const indexes = (count: number) => Array.from({ length: count }, (_, i) => i);
