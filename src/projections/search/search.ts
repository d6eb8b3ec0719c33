import type { RecordedEvent } from '../../infrastructure/event-store/event-store.js';
import type { Filter, ReadModelCollection, Sort } from '../../infrastructure/read-models/read-model-store.js';
import type { Page } from '../paging.js';
import type { Projection } from '../projection.js';
import { catalogFilter, evolve as evolveProduct, productsProjection, toProduct, type ProductView } from '../products/products.js';
import { termsOf } from './text.js';

/**
 * The search read model: the catalog with stock levels and ratings (the products fold,
 * reused) plus the terms of each product's text. `terms` (multikey-indexed) decides
 * matches: every word of the query must be there. `rank` weighs the terms of the name,
 * brand and category for relevance; a term found only in the description weighs 1.
 * `boosted` lists the terms `rank` weighs (multikey-indexed): the products a query ranks
 * above the plain description matches.
 */
export type SearchView = ProductView & {
  terms: string[];
  /** `t_<term>` → weight, for terms of the name, brand or category (prefixed: never a built-in property name). */
  rank: Record<string, number>;
  boosted: string[];
};

export const WEIGHTS = { name: 10, brand: 5, category: 3, description: 1 } as const;
const TEXT_EVENTS = new Set(['ProductCreated', 'ProductUpdated']);

export const rankKey = (term: string) => `t_${term}`;

const indexed = (doc: ProductView): Pick<SearchView, 'terms' | 'rank' | 'boosted'> => {
  const description = new Set(termsOf(doc.description));
  const rank: Record<string, number> = {};
  for (const field of ['name', 'brand', 'category'] as const) {
    for (const term of termsOf(doc[field])) rank[rankKey(term)] = (rank[rankKey(term)] ?? 0) + WEIGHTS[field];
  }
  for (const key of Object.keys(rank)) if (description.has(key.slice(2))) rank[key]! += WEIGHTS.description;
  const boosted = Object.keys(rank).map((key) => key.slice(2));
  const terms = [...new Set([...boosted, ...description])];
  return { terms, rank, boosted };
};

const evolve = (current: SearchView | null, event: RecordedEvent): SearchView | null => {
  const product = evolveProduct(current, event) as SearchView;
  if (TEXT_EVENTS.has(event.type)) return { ...product, ...indexed(product) };
  return current ? product : { ...product, terms: [], rank: {}, boosted: [] };
};

export const searchProjection: Projection<SearchView> = {
  name: 'search',
  collection: 'search',
  eventTypes: productsProjection.eventTypes,
  documentIds: productsProjection.documentIds,
  evolve,
  indexes: [{ keys: { terms: 1 } }, { keys: { boosted: 1 } }, { keys: { categoryKey: 1 } }, { keys: { brandKey: 1 } }],
  version: 2, // 2: `boosted`
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
type Found = SearchView & { score?: number };
type Counted = { total: Array<{ n: number }>; brand: Facet; category: Facet; items?: Found[] };

const facet = (key: string, display: string) => [
  { $group: { _id: `$${key}`, name: { $first: `$${display}` }, count: { $sum: 1 } } },
  { $sort: { count: -1, _id: 1 } },
  { $limit: MAX_FACET_VALUES },
];

const toCounts = (values: Facet): Record<string, number> => Object.fromEntries(values.map((value) => [value.name, value.count]));

const page = (query: Page) => [{ $skip: (query.page - 1) * query.pageSize }, { $limit: query.pageSize }];

/**
 * Full-text search with filters, sorting, paging and brand/category facet counts over
 * everything that matched. Without words the default order is newest first.
 */
export const searchProducts = async (search: ReadModelCollection<SearchView>, query: SearchQuery) => {
  const terms = termsOf(query.q ?? '');
  const filter = catalogFilter(query);
  if (terms.length > 0) filter.terms = { $all: terms };
  if (query.inStock) filter.available = { $gt: 0 };

  const sort = query.sort ?? (terms.length > 0 ? 'relevance' : 'newest');
  const ranked = sort === 'relevance' && terms.length > 0;
  const counts = { total: [{ $count: 'n' }], brand: facet('brandKey', 'brand'), category: facet('categoryKey', 'category') };
  let items: Found[];
  let counted: Counted | undefined;
  if (ranked) ({ items, counted } = await searchRanked(search, filter, terms, query, counts));
  else {
    const order: Sort = { ...(sort === 'relevance' ? SORTS.newest : SORTS[sort]), _id: 1 };
    [counted] = await search.aggregate<Counted>([{ $match: filter }, { $facet: { ...counts, items: [{ $sort: order }, ...page(query)] } }]);
    items = counted?.items ?? [];
  }
  const { total = [], brand = [], category = [] } = counted ?? {};
  return {
    items: items.map((doc) => ({ ...toProduct(doc), ...(ranked ? { score: doc.score } : {}) })),
    total: total[0]?.n ?? 0,
    page: query.page,
    pageSize: query.pageSize,
    facets: { brand: toCounts(brand), category: toCounts(category) },
  };
};

/**
 * Relevance order: the score (the sum, per word, of its weight in the name, brand and
 * category, or 1 when only the description has it), newest first among equals. A product
 * none of whose matching words is boosted scores exactly one per word, less than any
 * boosted one (3 at least for one word), so the order is: the boosted matches ranked by
 * score (found through the `boosted` index, usually few), then the others newest first.
 * A page of the others comes from the newest matches: among the first k of them, at most
 * as many as there are boosted ones are boosted. This answers what sorting every match by
 * its score answers, without scoring the tens of thousands a common word matches.
 */
const searchRanked = async (
  search: ReadModelCollection<SearchView>,
  filter: Filter,
  terms: string[],
  query: SearchQuery,
  counts: Record<string, unknown[]>,
): Promise<{ items: Found[]; counted: Counted | undefined }> => {
  const score = { $add: terms.map((term) => ({ $ifNull: [`$rank.${rankKey(term)}`, WEIGHTS.description] })) };
  const [boosted] = await search.aggregate<{ items: Found[]; n: Array<{ n: number }> }>([
    { $match: { ...filter, boosted: { $in: terms } } },
    { $facet: { items: [{ $addFields: { score } }, { $sort: { score: -1, createdAt: -1, _id: 1 } }, ...page(query)], n: [{ $count: 'n' }] } },
  ]);
  const boostedCount = boosted?.n[0]?.n ?? 0;
  const offset = (query.page - 1) * query.pageSize;
  const end = offset + query.pageSize;
  // Rows of the unboosted matches on this page: [from, to) in their own order.
  const from = Math.max(0, offset - boostedCount);
  const to = Math.max(0, end - boostedCount);
  const rest = to > 0 ? { items: [{ $sort: { ...SORTS.newest, _id: 1 } }, { $limit: to + boostedCount }] } : {};
  const [counted] = await search.aggregate<Counted>([{ $match: filter }, { $facet: { ...counts, ...rest } }]);
  const wanted = new Set(terms);
  const plain = (counted?.items ?? []).filter((doc) => !(doc.boosted ?? []).some((term) => wanted.has(term)));
  const items = [...(boosted?.items ?? []), ...plain.slice(from, to).map((doc) => ({ ...doc, score: terms.length * WEIGHTS.description }))];
  return { items, counted };
};
