import 'reflect-metadata';
import { Command, InvalidArgumentError } from 'commander';
import { Agent, request } from 'node:http';
import { sleep } from './support/metrics.js';
import { startShop } from './support/processes.js';
import { ADDRESS } from './support/saga-count.js';
import { setUpShop } from './support/shop-load.js';

/**
 * `npm run bench:overload`: what the shop does with more checkouts than its order saga can
 * carry, for a minute or more (a probe, not a benchmark: it runs for minutes and is no part
 * of `npm run bench`). Shoppers loop, each putting an item into the cart and checking out;
 * a checkout refused as `orders-backlogged` waits its Retry-After, as a client should. Then
 * the probe waits for the saga to settle every order and counts: orders taken, confirmed,
 * failed (and why), checkouts refused, and the saga's backlog each second
 * (`order_backlog_seconds` in /metrics). `--compare` runs it with admission control off
 * (ORDER_BACKLOG_LIMIT_MS=0) and then as configured.
 */

type Answer = { status: number; headers: Record<string, string | string[] | undefined>; body: any };
type Options = { shoppers: number; seconds: number; workers: number; paymentTimeoutMs: number; limitMs?: number; compare?: boolean };

const caller = (base: string) => {
  const agent = new Agent({ keepAlive: true, maxSockets: 1024, timeout: 4000 });
  return (method: string, path: string, token?: string, body?: unknown): Promise<Answer> =>
    new Promise((resolve, reject) => {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const headers = { 'content-type': 'application/json', ...(payload ? { 'content-length': String(Buffer.byteLength(payload)) } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) };
      const req = request(`${base}${path}`, { agent, method, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const json = text && /json/.test(String(res.headers['content-type'])) ? JSON.parse(text) : text;
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: json });
        });
      });
      req.on('error', reject);
      req.end(payload);
    });
};

const run = async (options: Options, limitMs: number | undefined) => {
  const env: Record<string, string> = { WORKERS: String(options.workers), PAYMENT_TIMEOUT_MS: String(options.paymentTimeoutMs) };
  if (limitMs !== undefined) env.ORDER_BACKLOG_LIMIT_MS = String(limitMs);
  const shop = await startShop(env);
  try {
    const { admin, products, tokens } = await setUpShop(shop.url, 40, options.shoppers);
    const call = caller(shop.url);
    const backlogNow = async () => {
      const text = String((await call('GET', '/metrics')).body);
      const line = text.split('\n').find((l) => l.startsWith('order_backlog_seconds '));
      return line === undefined ? null : Number(line.split(' ')[1]);
    };
    const counts = { placed: 0, refused: 0, other: {} as Record<string, number> };
    const backlog: (number | null)[] = [];
    const end = Date.now() + options.seconds * 1000;
    const sampling = (async () => {
      while (Date.now() < end) {
        backlog.push(await backlogNow().catch(() => null));
        await sleep(1000);
      }
    })();
    let n = 0;
    const other = (what: string) => (counts.other[what] = (counts.other[what] ?? 0) + 1);
    const shopper = async (token: string) => {
      while (Date.now() < end) {
        const i = n++;
        // A connection that fails is counted, and the shopper goes on: one reset must not end the probe.
        const placed = await (async () => {
          const added = await call('POST', '/api/v1/cart/items', token, { productId: products[(i * 7) % products.length], quantity: 1 });
          return added.status === 200 ? call('POST', '/api/v1/checkout', token, { shippingAddress: ADDRESS, paymentMethod: { token: 'tok_visa' } }) : added;
        })().catch((error: Error) => ({ status: 0, headers: {}, body: { type: `connection: ${error.message}` } }) as Answer);
        if (placed.status === 202) counts.placed += 1;
        else if (placed.body?.type === 'urn:shop:problem:orders-backlogged') {
          counts.refused += 1;
          await sleep(Math.min(Math.max(0, end - Date.now()), Number(placed.headers['retry-after']) * 1000));
        } else other(`${placed.status} ${placed.body?.type ?? ''}`);
      }
    };
    await Promise.all([...tokens.map(shopper), sampling]);

    const total = async (status: string) => (await call('GET', `/api/v1/orders?status=${status}&pageSize=1`, admin)).body.total as number;
    const settling = Date.now();
    while ((await total('Pending')) + (await total('Paid')) > 0 && Date.now() - settling < 600_000) await sleep(1000);
    const failures: Record<string, number> = {};
    for (let page = 1; ; page += 1) {
      const { items } = (await call('GET', `/api/v1/orders?status=Failed&pageSize=100&page=${page}`, admin)).body as { items: { failureReason: string }[] };
      for (const order of items) failures[order.failureReason] = (failures[order.failureReason] ?? 0) + 1;
      if (items.length < 100) break;
    }
    const seen = backlog.filter((b): b is number => b !== null);
    return {
      limit_ms: limitMs ?? 'default',
      orders_taken: counts.placed,
      taken_per_s: Math.round(counts.placed / options.seconds),
      confirmed: await total('Confirmed'),
      failed: failures,
      checkouts_refused: counts.refused,
      other_answers: counts.other,
      backlog_max_s: seen.length ? Math.max(...seen) : null,
      backlog_last_s: seen.at(-1) ?? null,
      settled_after_load_s: Math.round((Date.now() - settling) / 100) / 10,
      backlog_each_s: seen.map((b) => Math.round(b * 10) / 10),
    };
  } finally {
    await shop.stop();
  }
};

const integer = (value: string) => {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0) throw new InvalidArgumentError('a whole number, 0 or more');
  return parsed;
};

const program = new Command('bench:overload')
  .description('More checkouts than the order saga can carry: orders taken, confirmed, failed, refused')
  .option('--shoppers <n>', 'shoppers looping item → checkout', integer, 60)
  .option('--seconds <n>', 'how long they loop', integer, 60)
  .option('--workers <n>', 'WORKERS of the shop', integer, 2)
  .option('--payment-timeout-ms <n>', 'PAYMENT_TIMEOUT_MS of the shop', integer, 10_000)
  .option('--limit-ms <n>', 'ORDER_BACKLOG_LIMIT_MS of the shop (unset: its default, a third of the payment timeout)', integer)
  .option('--compare', 'run with ORDER_BACKLOG_LIMIT_MS=0 first, then with --limit-ms');
program.parse();
const options = program.opts<Options>();
const results = [];
if (options.compare) results.push(await run(options, 0));
results.push(await run(options, options.limitMs));
console.log(JSON.stringify({ shoppers: options.shoppers, seconds: options.seconds, workers: options.workers, payment_timeout_ms: options.paymentTimeoutMs, runs: results }, null, 2));
