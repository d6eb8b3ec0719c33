import type { Filter, ReadModelCollection, Sort } from '../../infrastructure/read-models/read-model-store.js';
import { cursorAfter, filterAfter, readCursor, type Scalar } from '../page-cursor.js';
import type { Page } from '../paging.js';
import { catalogFilter, toProduct } from '../products/products.js';
import { rankKey, WEIGHTS, type SearchView } from './search.js';
import { queryTermsOf } from './text.js';

/** The queries of the search read model (./search.ts). */

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

/**
 * Relevance as one order, for its cursors: the boosted matches first (tier 0) by score, then
 * the plain ones (tier 1, each scoring one per word) newest first; ties by id. A cursor of
 * this order names its tier, so the next page starts in the right one.
 */
const RELEVANCE: Sort = { tier: 1, score: -1, createdAt: -1 };
const BOOSTED: Sort = { score: -1, createdAt: -1 };

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
 * allows disk use, which 5.0 needs to be told). A page after a cursor (`after`) skips
 * nothing before it: its `$match` comes first in the page's sub-pipeline, so the counts
 * stay those of every match.
 */

type Facet = Array<{ _id: string; name: string; count: number }>;
type Hit = { _id: string; score?: number; tier?: 0 | 1 };
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

/** Rows before the page, counted from the list's start or from the cursor's item. */
const offsetOf = (query: Page) => (query.page - 1) * query.pageSize;

const answer = <I>(query: Page, items: I[], counted: Counted | undefined, next: string | null) => ({
  items,
  total: counted?.total[0]?.n ?? 0,
  page: query.page,
  pageSize: query.pageSize,
  next,
  facets: { brand: toCounts(counted?.brand ?? []), category: toCounts(counted?.category ?? []) },
});

/**
 * Full-text search with filters, sorting, paging (by number, or after a page's `next`) and
 * brand/category facet counts over everything that matched. Without words the default order
 * is newest first. Words that give no term (stop words, punctuation, emoji) are named in
 * `ignoredWords`; when every word is one of them, nothing matches: such a query is not "no query".
 */
export const searchProducts = async (search: ReadModelCollection<SearchView>, query: SearchQuery) => {
  const { terms, ignored } = queryTermsOf(query.q ?? '');
  const noted = ignored.length > 0 ? { ignoredWords: ignored } : {};
  const sort = query.sort ?? (terms.length > 0 ? 'relevance' : 'newest');
  const ranked = sort === 'relevance' && terms.length > 0;
  const order = ranked ? RELEVANCE : { ...SORTS[sort === 'relevance' ? 'newest' : sort], _id: 1 as const };
  // Read first: a cursor made up, of another search or of another order, is 400 whatever matches.
  const scope = scopeOf(query, terms);
  const after = query.after === undefined ? undefined : readCursor(query.after, order, scope);
  if (terms.length === 0 && ignored.length > 0) return { ...answer(query, [], undefined, null), ...noted };
  const filter = catalogFilter(query);
  if (terms.length > 0) filter.terms = { $all: terms };
  if (query.inStock) filter.available = { $gt: 0 };

  // One hit more than the page: whether a page comes after it.
  const want = query.pageSize + 1;
  const { hits, counted } = ranked ? await rankedHits(search, filter, terms, query, want, after) : await sortedHits(search, filter, order, query, want, after);
  const found = await productsOf(search, hits.slice(0, query.pageSize));
  const last = found[found.length - 1];
  const next = hits.length > query.pageSize && last ? (cursorAfter(ranked ? { _id: last.doc._id, tier: last.tier ?? 1, score: last.score ?? 0, createdAt: last.doc.createdAt } : last.doc, order, scope) ?? null) : null;
  const items = found.map(({ doc, score }) => ({ ...toProduct(doc), ...(ranked ? { score } : {}) }));
  return { ...answer(query, items, counted, next), ...noted };
};

/**
 * The list a search's cursors belong to: the terms its words give and its filters (not its sort:
 * a cursor of another sort is refused as such). Terms, not words as typed: `q=Probe` lists what
 * `q=probe` and `q=probes` list, so a cursor of one is a cursor of the others.
 */
const scopeOf = (query: SearchQuery, terms: readonly string[]): string =>
  `search\n${JSON.stringify([[...new Set(terms)].sort(), query.category ?? null, query.brand ?? null, query.minPrice ?? null, query.maxPrice ?? null, query.inStock ?? false])}`;

/** One page in `order` (ties by id), after the cursor's item if given, with the counts of every match. */
const sortedHits = async (search: ReadModelCollection<SearchView>, filter: Filter, order: Sort, query: Page, want: number, after: Scalar[] | undefined) => {
  const from = after ? [{ $match: filterAfter(after, order) }] : [];
  const [counted] = await search.aggregate<Counted>([
    { $match: filter },
    carrying([...FACETED, ...Object.keys(order).filter((key) => key !== '_id')]),
    { $facet: { ...COUNTS, items: [...from, { $sort: order }, { $skip: offsetOf(query) }, { $limit: want }, { $project: { _id: 1 } }] } },
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
 * thousands a common word matches. A cursor (see RELEVANCE) starts the page in its tier.
 */
const rankedHits = async (search: ReadModelCollection<SearchView>, filter: Filter, terms: string[], query: Page, want: number, after: Scalar[] | undefined) => {
  const weights = terms.map((term) => `rank.${rankKey(term)}`);
  const score = { $add: weights.map((weight) => ({ $ifNull: [`$${weight}`, WEIGHTS.description] })) };
  // [tier, score, createdAt, id]: past the boosted matches (tier 1), or among them.
  const pastBoosted = after !== undefined && after[0] !== 0;
  const boostedFrom = after && !pastBoosted ? [{ $match: filterAfter(after.slice(1), BOOSTED) }] : [];
  const [boosted] = await search.aggregate<{ items?: Hit[]; n: Array<{ n: number }>; left?: Array<{ n: number }> }>([
    { $match: { ...filter, boosted: { $in: terms } } },
    carrying(['createdAt', ...weights]),
    {
      $facet: {
        n: [{ $count: 'n' }],
        ...(pastBoosted
          ? {}
          : {
              ...(after ? { left: [{ $addFields: { score } }, ...boostedFrom, { $count: 'n' }] } : {}),
              items: [{ $addFields: { score } }, ...boostedFrom, { $sort: { score: -1, createdAt: -1, _id: 1 } }, { $skip: offsetOf(query) }, { $limit: want }, { $project: { score: 1 } }],
            }),
      },
    },
  ]);
  // Every boosted match bounds how many of the newest matches are boosted; those after the cursor come before this page's plain ones.
  const bound = boosted?.n[0]?.n ?? 0;
  const remaining = pastBoosted ? 0 : after ? (boosted?.left?.[0]?.n ?? 0) : bound;
  // Rows of the plain matches on this page: [from, to) in their own order. Among the
  // newest `to + bound` matches (after the cursor's, in its tier), at most `bound` are boosted: the rest hold them.
  const from = Math.max(0, offsetOf(query) - remaining);
  const to = Math.max(0, offsetOf(query) + want - remaining);
  const plainFrom = after && pastBoosted ? [{ $match: filterAfter(after.slice(2), SORTS.newest) }] : [];
  const plain = [
    ...plainFrom,
    { $sort: { ...SORTS.newest, _id: 1 } },
    { $limit: to + bound },
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
  const first: Hit[] = (boosted?.items ?? []).map(({ _id, score: s }) => ({ _id, score: s ?? 0, tier: 0 }));
  const rest: Hit[] = (counted?.items ?? []).map(({ _id }) => ({ _id, score: terms.length * WEIGHTS.description, tier: 1 }));
  return { hits: [...first, ...rest], counted };
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
  return hits.flatMap(({ _id, score, tier }) => {
    const doc = byId.get(_id);
    byId.delete(_id);
    return doc ? [{ doc, score, tier }] : [];
  });
};
