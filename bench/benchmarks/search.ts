import { join } from 'node:path';
import { v4 as uuid } from 'uuid';
import type { EventToAppend } from '../../src/infrastructure/event-store/event-store.js';
import { SqliteEventStore } from '../../src/infrastructure/event-store/sqlite-event-store.js';
import { tempDir } from '../../test/support/temp-dir.js';
import { interleaved, medianOf, ratioOf } from '../support/interleave.js';
import { histogram, round, sleep, type BenchOptions, type Metric } from '../support/metrics.js';
import { naiveSearch, type NaiveProduct } from '../support/naive-search.js';
import { client, startShop } from '../support/processes.js';
import { searchElsewhere } from '../support/search-client.js';

/**
 * search_p99_ms: GET /api/v1/search on a catalog of 50,000 products (quick runs too: the
 * target is about that size), answered by the shop as `npm start` runs it, on the embedded
 * store. The catalog is written to the log before the server starts; the server projects
 * it (the time until /ready is a parameter). Then one query at a time (so the figure is
 * the service time, not queueing), a mix of what shoppers send: one word, two words, words
 * and a category, a category browsed by price, words with a price range and in-stock only,
 * and the whole catalog newest first (facets over all 50,000).
 *
 * Anchor: the same queries answered by a full scan of the 50,000 products in memory with
 * mingo (support/naive-search.ts), in interleaved pairs: each pair's queries are answered
 * by the shop, then by the scan (or the other way round).
 */

const PRODUCTS = 50_000;

const ADJECTIVES = ['classic', 'compact', 'wireless', 'organic', 'ultra', 'vintage', 'modern', 'rugged', 'slim', 'deluxe', 'portable', 'smart', 'quiet', 'heavy', 'light', 'premium', 'eco', 'pro', 'mini', 'giant', 'soft', 'waterproof', 'foldable', 'electric', 'handmade', 'digital', 'outdoor', 'travel', 'kids', 'studio'];
const MATERIALS = ['leather', 'cotton', 'steel', 'bamboo', 'ceramic', 'wool', 'glass', 'oak', 'aluminium', 'linen', 'copper', 'silicone', 'walnut', 'canvas', 'titanium', 'marble', 'denim', 'rubber', 'carbon', 'velvet'];
const NOUNS = ['shoe', 'jacket', 'lamp', 'mug', 'kettle', 'backpack', 'headphones', 'chair', 'desk', 'watch', 'wallet', 'belt', 'scarf', 'tent', 'stove', 'bottle', 'blender', 'speaker', 'keyboard', 'mouse', 'monitor', 'pillow', 'blanket', 'towel', 'knife', 'pan', 'bowl', 'plate', 'glove', 'hat', 'sock', 'boot', 'sandal', 'umbrella', 'bicycle', 'helmet', 'camera', 'tripod', 'charger', 'cable', 'drill', 'hammer', 'ladder', 'mirror', 'clock', 'vase', 'candle', 'rug', 'curtain', 'sofa', 'table', 'shelf', 'basket', 'bag', 'jersey', 'hoodie', 'skirt', 'dress', 'shirt', 'trousers'];
const CATEGORIES = ['Footwear', 'Apparel', 'Kitchen', 'Outdoor', 'Electronics', 'Furniture', 'Home', 'Tools', 'Sports', 'Travel', 'Garden', 'Office', 'Toys', 'Beauty', 'Books', 'Music', 'Pets', 'Baby', 'Automotive', 'Crafts', 'Lighting', 'Bath', 'Bedding', 'Storage', 'Photo', 'Audio', 'Gaming', 'Health', 'Jewellery', 'Watches', 'Bags', 'Hats', 'Cycling', 'Camping', 'Fitness', 'Party', 'Stationery', 'Decor', 'Tableware', 'Cleaning'];
const SYLLABLES = ['ka', 'lo', 'mi', 'ra', 'ven', 'tor', 'sil', 'qua', 'der', 'pho', 'lin', 'gar', 'bex', 'ful', 'nor', 'ste', 'vi', 'zan', 'cor', 'mel'];

/** A small seeded generator: the same catalog and queries on every run. */
export const random = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};

export type Catalog = { brands: string[]; words: string[] };

export const makeCatalog = (next: () => number): Catalog => {
  const word = (syllables: number) => Array.from({ length: syllables }, () => SYLLABLES[Math.floor(next() * SYLLABLES.length)]).join('');
  const brands = [...new Set(Array.from({ length: 260 }, () => word(2)))].slice(0, 200).map((b) => b[0]!.toUpperCase() + b.slice(1));
  const words = [...new Set(Array.from({ length: 5000 }, () => word(3)))].slice(0, 3000);
  return { brands, words };
};

const pick = <T>(next: () => number, list: readonly T[]) => list[Math.floor(next() * list.length)]!;
/** Zipf-like: the first words of the list come up far more often than the last ones. */
const zipf = <T>(next: () => number, list: readonly T[]) => list[Math.floor(list.length ** next()) - 1]!;

const metadata = () => ({ correlationId: uuid(), causationId: uuid(), actor: 'bench', occurredAt: new Date().toISOString(), schemaVersion: 1 });

/** ProductCreated, the SKU's registration and (for 4 products in 5) a stock receipt, per product. */
export const writeCatalog = async (store: SqliteEventStore, catalog: Catalog, next: () => number): Promise<NaiveProduct[]> => {
  const started = Date.now();
  const naive: NaiveProduct[] = [];
  let batch: Array<Promise<unknown>> = [];
  for (let i = 0; i < PRODUCTS; i += 1) {
    const productId = uuid();
    const sku = `SKU-${i}`;
    const name = `${pick(next, ADJECTIVES)} ${pick(next, MATERIALS)} ${pick(next, NOUNS)} ${100 + (i % 900)}`;
    const description = Array.from({ length: 15 + Math.floor(next() * 20) }, () => zipf(next, catalog.words)).join(' ');
    const createdAt = new Date(started - (PRODUCTS - i) * 1000).toISOString();
    const price = { amount: 500 + Math.floor(next() * 50_000), currency: 'USD' };
    const product: ProductEvent = {
      id: uuid(),
      type: 'ProductCreated',
      data: { productId, sku, name, description, brand: zipf(next, catalog.brands), category: pick(next, CATEGORIES), price, createdAt },
      metadata: metadata(),
    };
    const inventory: EventToAppend[] = [{ id: uuid(), type: 'InventoryItemRegistered', data: { sku, productId, registeredAt: createdAt }, metadata: metadata() }];
    const stocked = next() < 0.8 ? 1 + Math.floor(next() * 100) : 0;
    if (stocked > 0) inventory.push({ id: uuid(), type: 'StockReceived', data: { sku, productId, quantity: stocked, receivedAt: createdAt }, metadata: metadata() });
    const { brand, category } = product.data as { brand: string; category: string };
    naive.push({ _id: productId, text: `${name} ${brand} ${category} ${description}`, brand, category, categoryKey: category.toLowerCase(), price, available: stocked, createdAt });
    batch.push(store.appendToStream(`inventory-${sku}`, inventory, { expectedRevision: 'no_stream' }));
    batch.push(store.appendToStream(`product-${productId}`, [product], { expectedRevision: 'no_stream' }));
    if (batch.length >= 2000) {
      await Promise.all(batch);
      batch = [];
    }
  }
  await Promise.all(batch);
  return naive;
};

type ProductEvent = EventToAppend;

type Shape = { name: string; share: number; query: (next: () => number, catalog: Catalog) => string };

const q = (words: string[]) => `q=${encodeURIComponent(words.join(' '))}`;

export const SHAPES: Shape[] = [
  { name: 'one_word', share: 0.3, query: (next) => q([pick(next, [...NOUNS, ...ADJECTIVES])]) },
  { name: 'two_words', share: 0.2, query: (next) => q([pick(next, ADJECTIVES), pick(next, NOUNS)]) },
  { name: 'description_word', share: 0.1, query: (next, catalog) => q([zipf(next, catalog.words)]) },
  { name: 'word_and_category', share: 0.15, query: (next) => `${q([pick(next, MATERIALS)])}&category=${pick(next, CATEGORIES)}` },
  { name: 'category_by_price', share: 0.1, query: (next) => `category=${pick(next, CATEGORIES)}&sort=price&page=${1 + Math.floor(next() * 3)}` },
  {
    name: 'words_price_in_stock',
    share: 0.1,
    query: (next) => {
      const min = Math.floor(next() * 20_000);
      return `${q([pick(next, NOUNS)])}&minPrice=${min}&maxPrice=${min + 15_000}&inStock=true&sort=-price`;
    },
  },
  { name: 'whole_catalog', share: 0.05, query: () => 'sort=newest' },
];

export const shapeFor = (next: () => number) => {
  let roll = next();
  for (const shape of SHAPES) {
    roll -= shape.share;
    if (roll < 0) return shape;
  }
  return SHAPES[0]!;
};

export const searchBenchmark = async ({ quick }: BenchOptions): Promise<Metric> => {
  const sizes = { pairs: 3, queries: quick ? 90 : 400 };
  const next = random(20261121);
  const catalog = makeCatalog(next);
  const dir = tempDir('bench-search-');
  const store = new SqliteEventStore({ path: join(dir.path, 'events.db') });
  const naive = await writeCatalog(store, catalog, next);
  await store.close();

  const started = performance.now();
  const shop = await startShop({ DATA_DIR: dir.path });
  try {
    const http = client(shop.url);
    for (;;) {
      const ready = await http('GET', '/ready').then(() => true, () => false);
      if (ready) break;
      await sleep(100);
    }
    const projectedMs = performance.now() - started;
    for (let i = 0; i < 50; i += 1) await http('GET', `/api/v1/search?${shapeFor(next).query(next, catalog)}`); // warm-up
    for (let i = 0; i < 5; i += 1) naiveSearch(naive, shapeFor(next).query(next, catalog));
    // Each pair: the same queries, answered by the shop over HTTP, then by the full scan (or the other way round).
    const byShape = new Map(SHAPES.map((shape) => [shape.name, histogram()]));
    const pairs = await interleaved(
      sizes.pairs,
      // From a process of its own (support/search-client.ts): this one's GC is the anchor's.
      async (i) => {
        const queries = queriesOf(i);
        const { latencies, matched } = await searchElsewhere(shop.url, queries);
        const latency = histogram();
        latencies.forEach((ms, q) => {
          latency.recordMs(ms);
          byShape.get(queries[q]!.shape)!.recordMs(ms);
        });
        return { latency, matched };
      },
      (i) => timed(queriesOf(i), async (query) => naiveSearch(naive, query)),
    );
    const ratio = ratioOf('mingo_full_scan_p99', pairs, (o) => o.latency.percentileMs(99), (a) => a.latency.percentileMs(99));
    const p99 = medianOf(pairs, (p) => p.ours.latency.percentileMs(99));
    const params: Record<string, number | string> = {
      products: PRODUCTS,
      pairs: sizes.pairs,
      queries_per_pair: sizes.queries,
      concurrency: 1,
      p50_ms: round(medianOf(pairs, (p) => p.ours.latency.percentileMs(50)), 2),
      mingo_full_scan_p50_ms: round(medianOf(pairs, (p) => p.anchor.latency.percentileMs(50)), 2),
      mean_matches: Math.round(medianOf(pairs, (p) => p.ours.matched) / sizes.queries),
      mingo_mean_matches: Math.round(medianOf(pairs, (p) => p.anchor.matched) / sizes.queries),
      ready_after_projecting_ms: Math.round(projectedMs),
    };
    for (const [name, h] of byShape) params[`${name}_p99_ms`] = round(h.percentileMs(99), 2);
    return {
      id: 'search_p99_ms',
      value: round(p99, 2),
      unit: 'ms',
      anchors: { mingo_full_scan_p99: round(medianOf(pairs, (p) => p.anchor.latency.percentileMs(99)), 2) },
      ratios: [ratio],
      target: '<= 0.1 x mingo_full_scan_p99',
      met: ratio.median <= 0.1,
      params,
    };
  } finally {
    await shop.stop();
    dir.remove();
  }

  /** The queries of pair `i`: the same on every run (seeded), the same for both sides of the pair. */
  function queriesOf(i: number) {
    const draw = random(7000 + i);
    return Array.from({ length: sizes.queries }, () => {
      const shape = shapeFor(draw);
      return { shape: shape.name, query: shape.query(draw, catalog) };
    });
  }
};

/** Answers every query one at a time (the anchor's side); the latency of each and the matches in all. */
const timed = async (queries: Array<{ shape: string; query: string }>, answer: (query: string) => Promise<number>) => {
  const latency = histogram();
  let matched = 0;
  for (const { query } of queries) {
    // A turn of the event loop between queries, as the shop's side has.
    await new Promise((resolve) => setImmediate(resolve));
    const t0 = performance.now();
    matched += await answer(query);
    latency.recordMs(performance.now() - t0);
  }
  return { latency, matched };
};
