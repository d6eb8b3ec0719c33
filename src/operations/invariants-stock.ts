import type { Document } from '../infrastructure/read-models/read-model-store.js';
import type { CartView } from '../projections/carts/carts.js';
import type { OrderView } from '../projections/orders/orders.js';
import type { ProductView } from '../projections/products/products.js';
import type { ReviewView } from '../projections/reviews/reviews.js';
import type { SearchView } from '../projections/search/search.js';
import type { StockLevel } from '../projections/stock-levels/stock-levels.js';
import { eachOne, same, shown, viewOf, violation, type Invariant, type Snapshot, type Violation } from './invariants-snapshot.js';

/** Invariants of stock, the catalog built on it (products, search, reviews and ratings) and carts. */

const levels = (s: Snapshot) => viewOf<StockLevel>(s, 'stock-levels');
const products = (s: Snapshot) => viewOf<ProductView>(s, 'products');

/** The fields of `expected` whose value differs in `actual`, as details. */
const differing = (actual: Document, expected: Record<string, unknown>, source: string): string[] =>
  Object.entries(expected)
    .filter(([field, value]) => !same(actual[field], value))
    .map(([field, value]) => `${field} is ${shown(actual[field])}, ${source} ${shown(value)}`);

const stockLevelLog: Invariant = {
  name: 'stock-level-log',
  rule: "Every SKU of the log has a stock level (and no other), whose product, on hand, reserved, available, low-stock threshold, shoppers waiting and revision are those of its inventory stream.",
  reads: ['stock-levels'],
  check: (s) => {
    const found = violation('stock-level-log');
    const out: Violation[] = [];
    for (const [sku, { state, revision }] of s.log.stock) {
      eachOne(out, found, sku, () => {
        if (state.status !== 'Tracked' || levels(s).later(sku)) return;
        const level = levels(s).get(sku);
        if (!level) out.push(found(sku, 'the log tracks this SKU, the read model not'));
        else {
          const expected = {
            productId: state.productId, onHand: state.onHand, reserved: state.reserved, available: state.onHand - state.reserved,
            threshold: state.threshold, waiting: state.watchers.length, revision,
          };
          out.push(...differing(level, expected, 'the inventory stream says').map((detail) => found(sku, detail)));
        }
      });
    }
    for (const level of levels(s).docs()) if (!s.log.stock.has(level._id)) out.push(found(level._id, 'the read model has a SKU the log does not'));
    return out;
  },
};

const stockLevelBounds: Invariant = {
  name: 'stock-level-bounds',
  rule: 'A stock level never has less than nothing reserved nor more reserved than on hand, and available is on hand minus reserved.',
  reads: ['stock-levels'],
  check: (s) => {
    const found = violation('stock-level-bounds');
    const out: Violation[] = [];
    for (const { _id, onHand, reserved, available } of levels(s).docs()) {
      eachOne(out, found, _id, () => {
        if (reserved < 0 || reserved > onHand) out.push(found(_id, `${reserved} reserved of ${onHand} on hand`));
        if (available !== onHand - reserved) out.push(found(_id, `${available} available, ${onHand} on hand and ${reserved} reserved`));
      });
    }
    return out;
  },
};

const stockReserved: Invariant = {
  name: 'stock-reserved',
  rule: "A SKU's reserved quantity is the sum of the open reservations (in its inventory stream) of live orders: Paid or Confirmed in the orders read model, or in flight. A reservation held by an order given up or shipped is a leak.",
  reads: ['stock-levels', 'orders'],
  check: (s) => {
    const found = violation('stock-reserved');
    const orders = viewOf<OrderView>(s, 'orders');
    const out: Violation[] = [];
    for (const level of levels(s).docs()) {
      eachOne(out, found, level._id, () => {
        const open = [...(s.log.stock.get(level._id)?.orders ?? [])].filter(([, r]) => r.status === 'reserved');
        if (open.some(([orderId]) => orders.later(orderId))) return;
        const live = (orderId: string) => s.inFlight.has(orderId) || ['Paid', 'Confirmed'].includes(orders.get(orderId)?.status ?? '');
        const expected = open.filter(([orderId]) => live(orderId)).reduce((total, [, r]) => total + r.quantity, 0);
        const leaks = open.filter(([orderId]) => !live(orderId)).map(([orderId, r]) => `order ${orderId} (${orders.get(orderId)?.status ?? 'unknown'}) holds ${r.quantity}`);
        if (level.reserved !== expected || leaks.length > 0) {
          out.push(found(level._id, [`${level.reserved} reserved, live orders hold ${expected}`, ...leaks].join('; ')));
        }
      });
    }
    return out;
  },
};

/** Longer than any request takes to write a product and its SKU. */
export const CREATION_GRACE_MS = 30_000;

/**
 * A product and its SKU are written by one request, one stream after the other: for a moment
 * one is there without the other. Past that, the pair is incomplete (a creation a crash cut
 * short, until the next creation of that SKU completes it).
 */
const registering = (s: Snapshot, sku: string, productId: string, since: string | undefined) =>
  s.changedAfter.has(`sku:${sku}`) || s.changedAfter.has(`product:${productId}`) || s.now - Date.parse(since ?? '') < CREATION_GRACE_MS;

const stockLevelProduct: Invariant = {
  name: 'stock-level-product',
  rule: `Every SKU in stock levels belongs to a listed product of that SKU (once ${CREATION_GRACE_MS / 1000} s have passed since its registration: the product's creation is over).`,
  reads: ['stock-levels', 'products'],
  check: (s) => {
    const found = violation('stock-level-product');
    const out: Violation[] = [];
    for (const level of levels(s).docs()) {
      eachOne(out, found, level._id, () => {
        if (products(s).later(level.productId)) return;
        const product = products(s).get(level.productId);
        const stock = s.log.stock.get(level._id)?.state;
        if (!product?.listed) {
          if (!registering(s, level.sku, level.productId, stock?.status === 'Tracked' ? stock.registeredAt : undefined)) {
            out.push(found(level._id, `no listed product ${level.productId} for this SKU`));
          }
        } else if (product.sku !== level.sku) out.push(found(level._id, `product ${level.productId} has SKU ${product.sku}`));
      });
    }
    return out;
  },
};

const productStock: Invariant = {
  name: 'product-stock',
  rule: "A listed product's on hand, reserved and available (what shoppers are shown and carts are checked against) are its SKU's stock level's.",
  reads: ['products', 'stock-levels'],
  check: (s) => {
    const found = violation('product-stock');
    const out: Violation[] = [];
    for (const product of products(s).docs()) {
      eachOne(out, found, product._id, () => {
        if (!product.listed || levels(s).later(product.sku)) return;
        const level = levels(s).get(product.sku);
        if (!level) {
          if (!registering(s, product.sku, product._id, product.createdAt)) out.push(found(product._id, `no stock level for its SKU ${product.sku}`));
        } else {
          const expected = { onHand: level.onHand, reserved: level.reserved, available: level.available };
          out.push(...differing(product, expected, 'the stock level says').map((detail) => found(product._id, detail)));
        }
      });
    }
    return out;
  },
};

const searchProduct: Invariant = {
  name: 'search-product',
  rule: 'Search holds every product, and only those, with the same details, price, stock, rating and listing as the products read model.',
  reads: ['search', 'products'],
  check: (s) => {
    const found = violation('search-product');
    const search = viewOf<SearchView>(s, 'search');
    const out: Violation[] = [];
    for (const product of products(s).docs()) {
      eachOne(out, found, product._id, () => {
        if (search.later(product._id)) return;
        const indexed = search.get(product._id);
        const { _id, _position, ...expected } = product;
        if (!indexed) out.push(found(product._id, 'not in search'));
        else out.push(...differing(indexed, expected, 'the product says').map((detail) => found(product._id, detail)));
      });
    }
    for (const indexed of search.docs()) if (!products(s).get(indexed._id) && !products(s).later(indexed._id)) out.push(found(indexed._id, 'in search, not a product'));
    return out;
  },
};

const productRating: Invariant = {
  name: 'product-rating',
  rule: "A product's rating counts its reviews, and its average is theirs (to two decimals).",
  reads: ['products', 'reviews'],
  check: (s) => {
    const found = violation('product-rating');
    const reviews = viewOf<ReviewView>(s, 'reviews');
    const byProduct = new Map<string, { count: number; sum: number }>();
    for (const review of reviews.docs()) {
      const totals = byProduct.get(review.productId) ?? { count: 0, sum: 0 };
      byProduct.set(review.productId, { count: totals.count + 1, sum: totals.sum + review.rating });
    }
    // A review changed since the snapshot is not what it was then: its product's rating is not comparable.
    const changed = new Set([...reviews.laterDocs()].map((review) => review.productId));
    const out: Violation[] = [];
    for (const product of products(s).docs()) {
      eachOne(out, found, product._id, () => {
        if (changed.has(product._id)) return;
        const { count, sum } = byProduct.get(product._id) ?? { count: 0, sum: 0 };
        const average = count === 0 ? 0 : Math.round((sum / count) * 100) / 100;
        if (product.rating.count !== count || product.rating.average !== average) {
          out.push(found(product._id, `rated ${product.rating.average} by ${product.rating.count}, its reviews ${average} by ${count}`));
        }
      });
    }
    return out;
  },
};

const reviewDelivered: Invariant = {
  name: 'review-delivered',
  rule: 'A review ("verified purchase") names a Delivered order of its author that holds the product reviewed.',
  reads: ['reviews', 'orders'],
  check: (s) => {
    const found = violation('review-delivered');
    const orders = viewOf<OrderView>(s, 'orders');
    const out: Violation[] = [];
    for (const review of viewOf<ReviewView>(s, 'reviews').docs()) {
      eachOne(out, found, review._id, () => {
        if (orders.later(review.orderId)) return;
        const order = orders.get(review.orderId);
        const holds = order?.lines.some((line) => line.productId === review.productId);
        if (!order || order.customerId !== review.customerId || order.status !== 'Delivered' || !holds) {
          out.push(found(review._id, `names order ${review.orderId}: ${order ? `${order.status}, of ${order.customerId === review.customerId ? 'its author' : 'another customer'}, ${holds ? 'with' : 'without'} the product` : 'unknown'}`));
        }
      });
    }
    return out;
  },
};

const cartLog: Invariant = {
  name: 'cart-log',
  rule: "A customer's cart shows the lines of their cart stream: the products, quantities, names and prices checkout will order.",
  reads: ['carts'],
  check: (s) => {
    const found = violation('cart-log');
    const carts = viewOf<CartView>(s, 'carts');
    const out: Violation[] = [];
    for (const [customerId, cart] of s.log.carts) {
      eachOne(out, found, customerId, () => {
        if (carts.later(customerId)) return;
        const items = carts.get(customerId)?.items ?? [];
        const lines = cart.lines.map(({ productId, sku, name, quantity, unitPrice }) => ({ productId, sku, name, quantity, unitPrice }));
        if (!same(items, lines)) out.push(found(customerId, `the cart shows ${shown(items)}, the cart stream has ${shown(lines)}`));
      });
    }
    return out;
  },
};

export const STOCK_INVARIANTS: readonly Invariant[] = [
  stockLevelLog, stockLevelBounds, stockReserved, stockLevelProduct, productStock, searchProduct, productRating, reviewDelivered, cartLog,
];
