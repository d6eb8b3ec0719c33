import type { ProductCreated, ProductPriceChanged, ProductUpdated } from '../../domain/catalog/product.js';
import type {
  InventoryAdjusted,
  InventoryItemRegistered,
  StockAdjusted,
  StockDispatched,
  StockReceived,
  StockReleased,
  StockReserved,
} from '../../domain/inventory/inventory.js';
import type { ReviewRevised, ReviewSubmitted } from '../../domain/reviews/review.js';
import type { Money } from '../../domain/shared/types.js';
import type { RecordedEvent } from '../../infrastructure/event-store/event-store.js';
import type { Document, Filter, ReadModelCollection, Sort } from '../../infrastructure/read-models/read-model-store.js';
import { paged } from '../paging.js';
import { nameKey } from './name-key.js';
import type { Projection } from '../projection.js';

/** The catalog as shoppers see it: product details, price and availability in one document. */
export type ProductView = Document & {
  productId: string;
  sku: string;
  name: string;
  /** The name as a list sorted by name orders it (name-key.ts). */
  nameKey: string;
  description: string;
  brand: string;
  category: string;
  /** Lower-cased brand and category: filters match whatever the shopper's casing. */
  brandKey: string;
  categoryKey: string;
  price: Money;
  onHand: number;
  reserved: number;
  available: number;
  rating: { average: number; count: number };
  /** Sum of the ratings: the average is kept exact as reviews come and change. */
  ratingSum: number;
  /** False until ProductCreated: stock events of a SKU may land first. */
  listed: boolean;
  /** Revision of the product stream: the ETag of the product. */
  revision: number;
  createdAt: string;
  updatedAt: string;
};

type Handled =
  | ProductCreated
  | ProductUpdated
  | ProductPriceChanged
  | InventoryItemRegistered
  | StockReceived
  | InventoryAdjusted
  | StockAdjusted
  | StockReserved
  | StockReleased
  | StockDispatched
  | ReviewSubmitted
  | ReviewRevised;

const EVENT_TYPES: Handled['type'][] = [
  'ProductCreated',
  'ProductUpdated',
  'ProductPriceChanged',
  'InventoryItemRegistered',
  'StockReceived',
  'InventoryAdjusted',
  'StockAdjusted',
  'StockReserved',
  'StockReleased',
  'StockDispatched',
  'ReviewSubmitted',
  'ReviewRevised',
];

const blank = (productId: string): ProductView => ({
  _id: productId,
  productId,
  sku: '',
  name: '',
  nameKey: '',
  description: '',
  brand: '',
  category: '',
  brandKey: '',
  categoryKey: '',
  price: { amount: 0, currency: 'USD' },
  onHand: 0,
  reserved: 0,
  available: 0,
  rating: { average: 0, count: 0 },
  ratingSum: 0,
  listed: false,
  revision: -1,
  createdAt: '',
  updatedAt: '',
});

const withStock = (doc: ProductView, onHand: number, reserved = doc.reserved): ProductView => ({
  ...doc,
  onHand,
  reserved,
  available: onHand - reserved,
});

const withRating = (doc: ProductView, sum: number, count: number): ProductView => ({
  ...doc,
  ratingSum: sum,
  rating: { average: count === 0 ? 0 : Math.round((sum / count) * 100) / 100, count },
});

export const evolve = (current: ProductView | null, recorded: RecordedEvent): ProductView => {
  const event = recorded as unknown as Handled & { revision: number };
  const doc = current ?? blank(event.data.productId);
  switch (event.type) {
    case 'ProductCreated': {
      const { sku, name, description, brand, category, price, createdAt } = event.data;
      const keys = { brandKey: brand.toLowerCase(), categoryKey: category.toLowerCase() };
      return { ...doc, sku, name, nameKey: nameKey(name), description, brand, category, ...keys, price, listed: true, revision: event.revision, createdAt, updatedAt: createdAt };
    }
    case 'ProductUpdated': {
      const { changes, updatedAt } = event.data;
      const next = { ...doc, ...changes, revision: event.revision, updatedAt };
      return { ...next, nameKey: nameKey(next.name), brandKey: next.brand.toLowerCase(), categoryKey: next.category.toLowerCase() };
    }
    case 'ProductPriceChanged':
      return { ...doc, price: event.data.price, revision: event.revision, updatedAt: event.data.changedAt };
    case 'InventoryItemRegistered':
      return { ...doc, sku: event.data.sku };
    case 'StockReceived':
      return withStock(doc, doc.onHand + event.data.quantity);
    case 'InventoryAdjusted':
    case 'StockAdjusted':
      return withStock(doc, doc.onHand + event.data.delta);
    case 'StockReserved':
      return withStock(doc, doc.onHand, doc.reserved + event.data.quantity);
    case 'StockReleased':
      return withStock(doc, doc.onHand, doc.reserved - event.data.quantity);
    case 'StockDispatched':
      return withStock(doc, doc.onHand - event.data.quantity, doc.reserved - event.data.quantity);
    case 'ReviewSubmitted':
      return withRating(doc, (doc.ratingSum ?? 0) + event.data.rating, doc.rating.count + 1);
    case 'ReviewRevised':
      return withRating(doc, (doc.ratingSum ?? 0) - event.data.previousRating + event.data.rating, doc.rating.count);
  }
};

export const productsProjection: Projection<ProductView> = {
  name: 'products',
  collection: 'products',
  eventTypes: EVENT_TYPES,
  documentIds: (event) => [String(event.data.productId)],
  evolve,
  indexes: [{ keys: { categoryKey: 1 } }, { keys: { brandKey: 1 } }, { keys: { sku: 1 } }],
  version: 2, // 2: `nameKey`, the order of sort=name
};

// ------------------------------------------------------------------ queries

export type ProductSort = 'newest' | 'price' | '-price' | 'name';

export type ProductQuery = {
  category?: string;
  brand?: string;
  minPrice?: number;
  maxPrice?: number;
  page: number;
  pageSize: number;
  sort?: ProductSort;
};

const SORTS: Record<ProductSort, Sort> = {
  newest: { createdAt: -1 },
  price: { 'price.amount': 1 },
  '-price': { 'price.amount': -1 },
  // Alphabetical as shoppers read it: case, accents and leading zeros aside, numbers by value; then the name as written.
  name: { nameKey: 1, name: 1 },
};

export const toProduct = (doc: ProductView) => ({
  productId: doc.productId,
  sku: doc.sku,
  name: doc.name,
  description: doc.description,
  brand: doc.brand,
  category: doc.category,
  price: doc.price,
  available: Math.max(0, doc.available),
  inStock: doc.available > 0,
  rating: doc.rating,
  createdAt: doc.createdAt,
  updatedAt: doc.updatedAt,
});

/** Listed products of a category and a brand (any case) in a price range (minor units): the catalog's filters, shared with search. */
export const catalogFilter = (query: Pick<ProductQuery, 'category' | 'brand' | 'minPrice' | 'maxPrice'>): Filter => {
  const filter: Filter = { listed: true };
  if (query.category) filter.categoryKey = query.category.toLowerCase();
  if (query.brand) filter.brandKey = query.brand.toLowerCase();
  const price: Record<string, number> = {};
  if (query.minPrice !== undefined) price.$gte = query.minPrice;
  if (query.maxPrice !== undefined) price.$lte = query.maxPrice;
  if (Object.keys(price).length > 0) filter['price.amount'] = price;
  return filter;
};

export const listProducts = async (products: ReadModelCollection<ProductView>, query: ProductQuery) =>
  paged(products, catalogFilter(query), SORTS[query.sort ?? 'newest'], query, toProduct);

export const getProduct = async (products: ReadModelCollection<ProductView>, productId: string) => {
  // toProduct copies what it answers with: the stored document itself is not needed as a copy.
  const doc = await products.findOne({ _id: productId, listed: true }, { readonly: true });
  return doc ? { product: toProduct(doc), revision: doc.revision } : undefined;
};
