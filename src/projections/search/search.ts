import type { RecordedEvent } from '../../infrastructure/event-store/event-store.js';
import type { Filter, ReadModelCollection, Sort } from '../../infrastructure/read-models/read-model-store.js';
import type { Page } from '../paging.js';
import type { Projection } from '../projection.js';
import { evolve as evolveProduct, productsProjection, toProduct, type ProductView } from '../products/products.js';
import { termsOf } from './text.js';

/**
 * The search read model: the catalog with stock levels and ratings (the products fold,
 * reused) plus the terms of each product's text. `terms` (multikey-indexed) decides
 * matches: every word of the query must be there. `rank` weighs the terms of the name,
 * brand and category for relevance; a term found only in the description weighs 1.
 */
export type SearchView = ProductView & {
  terms: string[];
  /** `t_<term>` → weight, for terms of the name, brand or category (prefixed: never a built-in property name). */
  rank: Record<string, number>;
};

export const WEIGHTS = { name: 10, brand: 5, category: 3, description: 1 } as const;
const TEXT_EVENTS = new Set(['ProductCreated', 'ProductUpdated']);

export const rankKey = (term: string) => `t_${term}`;

const indexed = (doc: ProductView): Pick<SearchView, 'terms' | 'rank'> => {
  const description = new Set(termsOf(doc.description));
  const rank: Record<string, number> = {};
  for (const field of ['name', 'brand', 'category'] as const) {
    for (const term of termsOf(doc[field])) rank[rankKey(term)] = (rank[rankKey(term)] ?? 0) + WEIGHTS[field];
  }
  for (const key of Object.keys(rank)) if (description.has(key.slice(2))) rank[key]! += WEIGHTS.description;
  const terms = [...new Set([...Object.keys(rank).map((key) => key.slice(2)), ...description])];
  return { terms, rank };
};

const evolve = (current: SearchView | null, event: RecordedEvent): SearchView | null => {
  const product = evolveProduct(current, event) as SearchView;
  if (TEXT_EVENTS.has(event.type)) return { ...product, ...indexed(product) };
  return current ? product : { ...product, terms: [], rank: {} };
};

export const searchProjection: Projection<SearchView> = {
  name: 'search',
  collection: 'search',
  eventTypes: productsProjection.eventTypes,
  documentIds: productsProjection.documentIds,
  evolve,
  indexes: [{ keys: { terms: 1 } }, { keys: { categoryKey: 1 } }, { keys: { brandKey: 1 } }],
};

// ------------------------------------------------------------------ queries

export type SearchSort = 'relevance' | 'price' | '-price' | 'newest' | 'rating';

export type SearchQuery = Page & {
  q?: string;
  category?: string;
  brand?: string;
  minPrice?: number;
  maxPrice?: number;
  inStock?: boolean;
  sort?: SearchSort;
};

/** Facet values listed per facet, most frequent first. */
export const MAX_FACET_VALUES = 50;

const SORTS: Record<Exclude<SearchSort, 'relevance'>, Sort> = {
  price: { 'price.amount': 1 },
  '-price': { 'price.amount': -1 },
  newest: { createdAt: -1 },
  rating: { 'rating.average': -1, 'rating.count': -1, createdAt: -1 },
};

type Facet = Array<{ _id: string; name: string; count: number }>;
type Searched = { items: Array<SearchView & { score?: number }>; total: Array<{ n: number }>; brand: Facet; category: Facet };

const facet = (key: string, display: string) => [
  { $group: { _id: `$${key}`, name: { $first: `$${display}` }, count: { $sum: 1 } } },
  { $sort: { count: -1, _id: 1 } },
  { $limit: MAX_FACET_VALUES },
];

const toCounts = (values: Facet): Record<string, number> => Object.fromEntries(values.map((value) => [value.name, value.count]));

/**
 * Full-text search with filters, sorting, paging and brand/category facet counts over
 * everything that matched. Without words the default order is newest first.
 */
export const searchProducts = async (search: ReadModelCollection<SearchView>, query: SearchQuery) => {
  const terms = termsOf(query.q ?? '');
  const filter: Filter = { listed: true };
  if (terms.length > 0) filter.terms = { $all: terms };
  if (query.category) filter.categoryKey = query.category.toLowerCase();
  if (query.brand) filter.brandKey = query.brand.toLowerCase();
  const price: Record<string, number> = {};
  if (query.minPrice !== undefined) price.$gte = query.minPrice;
  if (query.maxPrice !== undefined) price.$lte = query.maxPrice;
  if (Object.keys(price).length > 0) filter['price.amount'] = price;
  if (query.inStock) filter.available = { $gt: 0 };

  const sort = query.sort ?? (terms.length > 0 ? 'relevance' : 'newest');
  const ranked = sort === 'relevance' && terms.length > 0;
  const order: Sort = ranked ? { score: -1, createdAt: -1, _id: 1 } : { ...(sort === 'relevance' ? SORTS.newest : SORTS[sort]), _id: 1 };
  const score = { $add: terms.map((term) => ({ $ifNull: [`$rank.${rankKey(term)}`, WEIGHTS.description] })) };
  const [result] = await search.aggregate<Searched>([
    { $match: filter },
    {
      $facet: {
        items: [
          ...(ranked ? [{ $addFields: { score } }] : []),
          { $sort: order },
          { $skip: (query.page - 1) * query.pageSize },
          { $limit: query.pageSize },
        ],
        total: [{ $count: 'n' }],
        brand: facet('brandKey', 'brand'),
        category: facet('categoryKey', 'category'),
      },
    },
  ]);
  const { items = [], total = [], brand = [], category = [] } = result ?? {};
  return {
    items: items.map((doc) => ({ ...toProduct(doc), ...(ranked ? { score: doc.score } : {}) })),
    total: total[0]?.n ?? 0,
    page: query.page,
    pageSize: query.pageSize,
    facets: { brand: toCounts(brand), category: toCounts(category) },
  };
};
