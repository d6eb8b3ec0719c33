import type { OrderCancelled, OrderConfirmed, OrderCreated, OrderFailed } from '../../domain/ordering/order.js';
import type { RecordedEvent } from '../../infrastructure/event-store/event-store.js';
import type { Document, ReadModelCollection } from '../../infrastructure/read-models/read-model-store.js';
import type { Projection } from '../projection.js';
import type { ProductView } from '../products/products.js';

/**
 * What was bought together: one document per order with the products in it, marked once
 * the order is confirmed (paid and its stock reserved), unmarked if it is cancelled (or
 * failed) after all: an order given up was not bought. Recommendations count, over the
 * confirmed orders holding a product, how often each other product was in them; the
 * multikey index on `productIds` keeps that to the orders concerned.
 */
export type PurchaseView = Document & {
  orderId: string;
  customerId: string;
  productIds: string[];
  confirmed: boolean;
  createdAt: string;
};

type Handled = OrderCreated | OrderConfirmed | OrderCancelled | OrderFailed;

const evolve = (current: PurchaseView | null, recorded: RecordedEvent): PurchaseView | null => {
  const event = recorded as unknown as Handled;
  if (event.type === 'OrderCreated') {
    const { orderId, customerId, lines, createdAt } = event.data;
    // (An order without lines cannot be placed; an event that lacks them counts as an empty basket.)
    const productIds = [...new Set((Array.isArray(lines) ? lines : []).map((line) => line.productId))];
    return { _id: orderId, orderId, customerId, productIds, confirmed: current?.confirmed ?? false, createdAt };
  }
  return current && { ...current, confirmed: event.type === 'OrderConfirmed' };
};

export const purchasesProjection: Projection<PurchaseView> = {
  name: 'purchases',
  collection: 'purchases',
  eventTypes: ['OrderCreated', 'OrderConfirmed', 'OrderCancelled', 'OrderFailed'],
  documentIds: (event) => [String(event.data.orderId)],
  evolve,
  indexes: [{ keys: { productIds: 1 } }, { keys: { customerId: 1 } }],
  version: 2, // 2: a cancelled order is no purchase
};

// ------------------------------------------------------------------ queries

export const MAX_RECOMMENDATIONS = 10;
/** Enough orders to rank co-purchases well; a best seller's older orders add little. */
export const MAX_BASKETS = 5_000;

export type Recommendation = { productId: string; score: number; name: string; price: ProductView['price']; rating: ProductView['rating'] };

/**
 * Products bought together with any of `basis`, scored by the number of confirmed orders
 * holding both, best first; products in `basis`, unlisted and out of stock ones left out.
 */
const boughtWith = async (
  purchases: ReadModelCollection<PurchaseView>,
  products: ReadModelCollection<ProductView>,
  basis: readonly string[],
  limit: number,
): Promise<Recommendation[]> => {
  if (basis.length === 0) return [];
  const counts = await purchases.aggregate<{ _id: string; score: number }>([
    { $match: { productIds: { $in: basis }, confirmed: true } },
    // Ties by id: which orders make the cut must not change from one call (or store) to the next.
    { $sort: { createdAt: -1, _id: 1 } },
    { $limit: MAX_BASKETS },
    { $unwind: '$productIds' },
    { $match: { productIds: { $nin: basis } } },
    { $group: { _id: '$productIds', score: { $sum: 1 } } },
    { $sort: { score: -1, _id: 1 } },
  ]);
  if (counts.length === 0) return [];
  const listed = await products.find(
    { _id: { $in: counts.map((count) => count._id) }, listed: true, available: { $gt: 0 } },
    { projection: { name: 1, price: 1, rating: 1 }, readonly: true },
  );
  const byId = new Map(listed.map((product) => [product._id, product]));
  const items: Recommendation[] = [];
  for (const { _id, score } of counts) {
    const product = byId.get(_id);
    if (product) items.push({ productId: _id, score, name: product.name, price: product.price, rating: product.rating });
    if (items.length === limit) break;
  }
  return items;
};

/** "Customers who bought this also bought". */
export const recommendForProduct = (
  purchases: ReadModelCollection<PurchaseView>,
  products: ReadModelCollection<ProductView>,
  productId: string,
  limit = MAX_RECOMMENDATIONS,
) => boughtWith(purchases, products, [productId], limit);

/** For a signed-in customer: what others bought with what this customer bought, minus what they have. */
export const recommendForCustomer = async (
  purchases: ReadModelCollection<PurchaseView>,
  products: ReadModelCollection<ProductView>,
  customerId: string,
  limit = MAX_RECOMMENDATIONS,
) => {
  const own = await purchases.find({ customerId, confirmed: true }, { projection: { productIds: 1 }, sort: { createdAt: -1, _id: 1 }, limit: 100, readonly: true });
  const bought = [...new Set(own.flatMap((order) => order.productIds))];
  return boughtWith(purchases, products, bought, limit);
};
