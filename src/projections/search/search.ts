import type { RecordedEvent } from '../../infrastructure/event-store/event-store.js';
import type { Projection } from '../projection.js';
import { evolve as evolveProduct, productsProjection, type ProductView } from '../products/products.js';
import { termsOf } from './text.js';

/**
 * The search read model: the catalog with stock levels and ratings (the products fold,
 * reused) plus the terms of each product's text. `terms` (multikey-indexed) decides
 * matches: every word of the query must be there. `rank` weighs the terms of the name,
 * brand and category for relevance; a term found only in the description weighs 1.
 * `boosted` lists the terms `rank` weighs (multikey-indexed): the products a query ranks
 * above the plain description matches. Its queries: ./search-query.ts.
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
  version: 4, // 2: `boosted`; 3: the products' `nameKey`; 4: terms fold `ß`, `Ø`, `Œ`... as the name sort does
};
