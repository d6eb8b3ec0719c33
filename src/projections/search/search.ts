import type { RecordedEvent } from '../../infrastructure/event-store/event-store.js';
import type { Filter, ReadModelCollection, Sort } from '../../infrastructure/read-models/read-model-store.js';
import type { Page } from '../paging.js';
import type { Projection } from '../projection.js';
import { catalogFilter, evolve as evolveProduct, productsProjection, toProduct, type ProductView } from '../products/products.js';
import { queryTermsOf, termsOf } from './text.js';

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

/*
 * The pipelines carry ids, not products. On MongoDB a `$facet` stage answers ONE document,
 * and a document is 16 MB at most (BSONObjectTooLarge past it); whatever enters a `$facet`
 * is also what its sub-pipelines hold (a `$sort` before `$skip`/`$limit` keeps skip + limit
 * rows: page × pageSize, up to 10,000 × 100). The relevance branch used to answer the newest
 * page × pageSize whole products from its `$facet`: at 100 a page and 3 KB a product, 16 MB
 * by page 55. So each pipeline projects its matches, right after the `$match`, to the
 * fields its sorting and facets read (a few dozen bytes a row), and its `$facet` answers
 * one page of ids (and scores), a count and at most 2 × MAX_FACET_VALUES names: a few KB
 * whatever the page. The page's products are then read by id. A sort deep in a huge
 * catalog still holds page × pageSize small rows (about 100 MB at the last page of a
 * million matches): MongoDB spills such a sort to disk past its 100 MB limit (the adapter
 * allows disk use, which 5.0 needs to be told).
 */

type Facet = Array<{ _id: string; name: string; count: number }>;
type Hit = { _id: string; score?: number };
type Counted = { total: Array<{ n: number }>; brand: Facet; category: Facet; items?: Hit[] };

/** What a pipeline carries past its `$match`: these fields (and `_id`). */
const carrying = (fields: readonly string[]) => ({ $project: Object.fromEntries(fields.map((field) => [field, 1])) });

const FACETED = ['brandKey', 'brand', 'categoryKey', 'category'];

/**
 * The most frequent values of a facet. A value's spellings (one brand as `Swift` and `SWIFT`)
 * share its key: the least of them, in the stores' binary order, names it. (`$first` of the
 * spelling per key named it after whichever document the server read first, which changes
 * with the plan, a rebuild or a write.) Counted per spelling first, whose key is one (the
 * key is the spelling lower-cased), then per key over those few: each match is read once.
 */
const facet = (key: string, display: string) => [
  { $group: { _id: `$${display}`, key: { $first: `$${key}` }, count: { $sum: 1 } } },
  { $group: { _id: '$key', name: { $min: '$_id' }, count: { $sum: '$count' } } },
  { $sort: { count: -1, _id: 1 } },
  { $limit: MAX_FACET_VALUES },
];

const COUNTS = { total: [{ $count: 'n' }], brand: facet('brandKey', 'brand'), category: facet('categoryKey', 'category') };

const toCounts = (values: Facet): Record<string, number> => Object.fromEntries(values.map((value) => [value.name, value.count]));

const page = (query: Page) => [{ $skip: (query.page - 1) * query.pageSize }, { $limit: query.pageSize }];

const answer = <I>(query: Page, items: I[], counted: Counted | undefined) => ({
  items,
  total: counted?.total[0]?.n ?? 0,
  page: query.page,
  pageSize: query.pageSize,
  facets: { brand: toCounts(counted?.brand ?? []), category: toCounts(counted?.category ?? []) },
});

/**
 * Full-text search with filters, sorting, paging and brand/category facet counts over
 * everything that matched. Without words the default order is newest first. Words that
 * give no term (stop words, punctuation, emoji) are named in `ignoredWords`; when every
 * word is one of them, nothing matches: such a query is not "no query".
 */
export const searchProducts = async (search: ReadModelCollection<SearchView>, query: SearchQuery) => {
  const { terms, ignored } = queryTermsOf(query.q ?? '');
  const noted = ignored.length > 0 ? { ignoredWords: ignored } : {};
  if (terms.length === 0 && ignored.length > 0) return { ...answer(query, [], undefined), ...noted };
  const filter = catalogFilter(query);
  if (terms.length > 0) filter.terms = { $all: terms };
  if (query.inStock) filter.available = { $gt: 0 };

  const sort = query.sort ?? (terms.length > 0 ? 'relevance' : 'newest');
  const ranked = sort === 'relevance' && terms.length > 0;
  const { hits, counted } = ranked
    ? await rankedHits(search, filter, terms, query)
    : await sortedHits(search, filter, SORTS[sort === 'relevance' ? 'newest' : sort], query);
  const items = (await productsOf(search, hits)).map(({ doc, score }) => ({ ...toProduct(doc), ...(ranked ? { score } : {}) }));
  return { ...answer(query, items, counted), ...noted };
};

/** One page in `sort` order (ties by id), with the counts. */
const sortedHits = async (search: ReadModelCollection<SearchView>, filter: Filter, sort: Sort, query: Page) => {
  const [counted] = await search.aggregate<Counted>([
    { $match: filter },
    carrying([...FACETED, ...Object.keys(sort)]),
    { $facet: { ...COUNTS, items: [{ $sort: { ...sort, _id: 1 } }, ...page(query), { $project: { _id: 1 } }] } },
  ]);
  return { hits: counted?.items ?? [], counted };
};

/**
 * Relevance order: the score (the sum, per word, of its weight in the name, brand and
 * category, or 1 when only the description has it), newest first among equals. A product
 * none of whose matching words is boosted scores exactly one per word, less than any
 * boosted one (3 at least for one word), so the order is: the boosted matches ranked by
 * score (found through the `boosted` index, usually few), then the others newest first.
 * This answers what sorting every match by its score answers, without scoring the tens of
 * thousands a common word matches.
 */
const rankedHits = async (search: ReadModelCollection<SearchView>, filter: Filter, terms: string[], query: Page) => {
  const weights = terms.map((term) => `rank.${rankKey(term)}`);
  const score = { $add: weights.map((weight) => ({ $ifNull: [`$${weight}`, WEIGHTS.description] })) };
  const [boosted] = await search.aggregate<{ items: Hit[]; n: Array<{ n: number }> }>([
    { $match: { ...filter, boosted: { $in: terms } } },
    carrying(['createdAt', ...weights]),
    {
      $facet: {
        items: [{ $addFields: { score } }, { $sort: { score: -1, createdAt: -1, _id: 1 } }, ...page(query), { $project: { score: 1 } }],
        n: [{ $count: 'n' }],
      },
    },
  ]);
  const boostedCount = boosted?.n[0]?.n ?? 0;
  const offset = (query.page - 1) * query.pageSize;
  // Rows of the plain matches on this page: [from, to) in their own order. Among the
  // newest `to + boostedCount` matches, at most boostedCount are boosted: the rest hold them.
  const from = Math.max(0, offset - boostedCount);
  const to = Math.max(0, offset + query.pageSize - boostedCount);
  const plain = [
    { $sort: { ...SORTS.newest, _id: 1 } },
    { $limit: to + boostedCount },
    { $match: { boosted: { $nin: terms } } },
    { $skip: from },
    { $limit: to - from },
    { $project: { _id: 1 } },
  ];
  const [counted] = await search.aggregate<Counted>([
    { $match: filter },
    carrying([...FACETED, ...(to > 0 ? ['createdAt', 'boosted'] : [])]),
    { $facet: { ...COUNTS, ...(to > 0 ? { items: plain } : {}) } },
  ]);
  const rest = (counted?.items ?? []).map(({ _id }) => ({ _id, score: terms.length * WEIGHTS.description }));
  return { hits: [...(boosted?.items ?? []), ...rest], counted };
};

/**
 * The page's products by id, in the order of the hits: a product changed since shows as it
 * is now, one gone is left out, and one that changed tier between the two aggregations
 * (boosted by an edit) shows once.
 */
const productsOf = async (search: ReadModelCollection<SearchView>, hits: readonly Hit[]) => {
  if (hits.length === 0) return [];
  const docs = await search.find({ _id: { $in: hits.map((hit) => hit._id) } }, { readonly: true });
  const byId = new Map(docs.map((doc) => [doc._id, doc]));
  return hits.flatMap(({ _id, score }) => {
    const doc = byId.get(_id);
    byId.delete(_id);
    return doc ? [{ doc, score }] : [];
  });
};
