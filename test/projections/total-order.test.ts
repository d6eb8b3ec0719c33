import { expect } from 'chai';
import { v4 as uuid } from 'uuid';
import type { ProductView } from '../../src/projections/products/products.js';
import { purchasesProjection, recommendForCustomer, recommendForProduct, type PurchaseView } from '../../src/projections/purchases/purchases.js';
import { searchProjection, type SearchView } from '../../src/projections/search/search.js';
import { searchProducts, type SearchQuery } from '../../src/projections/search/search-query.js';
import { recorded, recording, type Recorded } from '../support/recording-collection.js';
import { projectionFixture, untyped } from './projection-fixture.js';

/**
 * A query that cuts a sorted list ($skip, $limit, a find's skip or limit) must sort it in a
 * total order: MongoDB returns ties in no particular order (it changes with the plan, the
 * storage, a rebuild), so a cut through ties picks different documents from one call, or
 * one store, to the next. The embedded store always answers ties in the same order, which
 * hides the fault: these tests look at the sorts the queries send instead.
 */

/** The sorts that come before a cut in a pipeline (a sort followed, later, by $skip or $limit). */
const cutSorts = (pipeline: readonly Record<string, unknown>[]): Array<Record<string, number>> => {
  const found: Array<Record<string, number>> = [];
  pipeline.forEach((stage, i) => {
    if (stage.$sort && pipeline.slice(i + 1).some((later) => '$limit' in later || '$skip' in later)) found.push(stage.$sort as Record<string, number>);
    if (stage.$facet) for (const sub of Object.values(stage.$facet as Record<string, Record<string, unknown>[]>)) found.push(...cutSorts(sub));
  });
  return found;
};

const expectTotalOrders = (calls: Recorded) => {
  const sorts = [
    ...calls.aggregations.flatMap(({ pipeline }) => cutSorts(pipeline)),
    ...calls.finds.filter(({ options }) => options.sort && (options.limit || options.skip)).map(({ options }) => options.sort!),
  ];
  expect(sorts, 'a query that cuts nothing proves nothing').not.to.be.empty;
  // `_id` is unique: once the sort reaches it, no two documents tie.
  for (const sort of sorts) expect(Object.keys(sort), JSON.stringify(sort)).to.include('_id');
};

describe('queries that cut a sorted list sort it in a total order', () => {
  const fixture = projectionFixture([untyped(searchProjection), untyped(purchasesProjection)]);
  after(() => fixture.close());

  it('search, on every path: relevance tiers, sorts, facets', async () => {
    const productId = uuid();
    await fixture.append(`product-${productId}`, 'ProductCreated', {
      productId,
      sku: 'SKU-1',
      name: 'Oak lamp',
      description: 'A lamp',
      brand: 'Nordlys',
      category: 'Lighting',
      price: { amount: 100, currency: 'EUR' },
      createdAt: '2026-01-01T00:00:00.000Z',
    });
    await fixture.project();
    const queries: SearchQuery[] = ['relevance', 'price', '-price', 'rating', 'newest'].flatMap((sort) => [
      { q: 'lamp', sort: sort as SearchQuery['sort'], page: 1, pageSize: 5 },
      { sort: sort as SearchQuery['sort'], page: 2, pageSize: 5 },
    ]);
    const calls = recorded();
    const search = recording(fixture.readModels.collection<SearchView>('search'), calls);
    for (const query of queries) await searchProducts(search, query);
    expectTotalOrders(calls);
  });

  it('recommendations: the baskets counted and the customer’s own orders', async () => {
    const calls = recorded();
    const purchases = recording(fixture.readModels.collection<PurchaseView>('purchases'), calls);
    const products = fixture.readModels.collection<ProductView>('products');
    await recommendForProduct(purchases, products, uuid());
    await recommendForCustomer(purchases, products, uuid());
    expectTotalOrders(calls);
  });
});
