import { Aggregator } from 'mingo';

/**
 * The anchor of search_p99_ms: the same query answered the naive way, by a full scan of
 * every product held in memory with mingo (no index, no precomputed terms): each word of
 * the query as a case-insensitive regular expression over the product's text, the filters
 * as they read, the page sorted from every match, and the facet counts over every match.
 * Relevance is not scored (newest first instead), which only spares the anchor work.
 */

export type NaiveProduct = {
  _id: string;
  text: string;
  brand: string;
  category: string;
  categoryKey: string;
  price: { amount: number };
  available: number;
  createdAt: string;
};

const PAGE_SIZE = 20;
const SORTS: Record<string, Record<string, 1 | -1>> = { price: { 'price.amount': 1 }, '-price': { 'price.amount': -1 }, newest: { createdAt: -1 }, relevance: { createdAt: -1 } };
const escape = (word: string) => word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const facet = (field: string) => [{ $group: { _id: `$${field}`, count: { $sum: 1 } } }, { $sort: { count: -1, _id: 1 } }, { $limit: 50 }];

/** The pipeline for a query string of GET /api/v1/search. */
export const naivePipeline = (queryString: string) => {
  const query = new URLSearchParams(queryString);
  const match: Record<string, unknown> = {};
  const words = (query.get('q') ?? '').split(/\s+/).filter(Boolean);
  if (words.length > 0) match.$and = words.map((word) => ({ text: { $regex: new RegExp(`\\b${escape(word)}`, 'i') } }));
  if (query.get('category')) match.categoryKey = query.get('category')!.toLowerCase();
  const price: Record<string, number> = {};
  if (query.get('minPrice')) price.$gte = Number(query.get('minPrice'));
  if (query.get('maxPrice')) price.$lte = Number(query.get('maxPrice'));
  if (Object.keys(price).length > 0) match['price.amount'] = price;
  if (query.get('inStock') === 'true') match.available = { $gt: 0 };
  const page = Number(query.get('page') ?? 1);
  const sort = SORTS[query.get('sort') ?? (words.length > 0 ? 'relevance' : 'newest')]!;
  return [
    { $match: match },
    {
      $facet: {
        total: [{ $count: 'n' }],
        brand: facet('brand'),
        category: facet('category'),
        items: [{ $sort: { ...sort, _id: 1 } }, { $skip: (page - 1) * PAGE_SIZE }, { $limit: PAGE_SIZE }],
      },
    },
  ];
};

/** Answers the query over `products` by a full scan; the number of matches. */
export const naiveSearch = (products: readonly NaiveProduct[], queryString: string): number => {
  const [result] = new Aggregator(naivePipeline(queryString)).run(products as NaiveProduct[]) as Array<{ total: Array<{ n: number }> }>;
  return result?.total[0]?.n ?? 0;
};
