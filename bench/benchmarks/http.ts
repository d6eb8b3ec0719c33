import { round, type BenchOptions, type Metric } from '../support/metrics.js';
import { client, startBare, startShop, type Running } from '../support/processes.js';
import { CONNECTIONS, CUSTOMERS, LINES_PER_CART, cartCommand, load, productQuery, setUpShop } from '../support/shop-load.js';

/**
 * http_command: POST /api/v1/cart/items at 50 connections, req/s and p99. The requests go
 * round-robin to 200 signed-in customers (no two in flight for one cart), each filling a
 * cart of 5 products, as shoppers do. http_query: GET /api/v1/products/:id. Anchors: a bare
 * express app and a bare node:http server giving the same JSON answer, hit by the same
 * client with the same requests.
 */

export const httpBenchmarks = async ({ quick }: BenchOptions): Promise<Metric[]> => {
  const seconds = quick ? 5 : 15;
  const shop = await startShop();
  const stops: Running[] = [shop];
  try {
    const { products, tokens } = await setUpShop(shop.url, 40);
    const command = cartCommand(products, tokens);
    const query = productQuery(products);
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

