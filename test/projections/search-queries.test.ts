import { expect } from 'chai';
import { v4 as uuid } from 'uuid';
import { rankKey, searchProjection, WEIGHTS, type SearchView } from '../../src/projections/search/search.js';
import { searchProducts, type SearchQuery } from '../../src/projections/search/search-query.js';
import { termsOf } from '../../src/projections/search/text.js';
import { recorded, recording } from '../support/recording-collection.js';
import { projectionFixture, untyped } from './projection-fixture.js';
import { seeded } from '../support/seeded-random.js';

/**
 * What search sends to the read-model store. On MongoDB a `$facet` stage answers ONE
 * document (16 MB at most), and whatever enters it is held by its sub-pipelines: the
 * pipelines must carry ids, scores and the few fields sorting and facets read, never whole
 * products, and a deep page must answer what sorting every match would.
 */

const WORDS = ['lamp', 'oak', 'steel', 'blue', 'travel', 'mug', 'quiet', 'smart'];
const BRANDS = ['Oak', 'Nordlys', 'Steel', 'Kettle'];
const CATEGORIES = ['Travel', 'Kitchen', 'Lighting'];
/** Fields of a whole product that a query never needs to carry through a pipeline. */
const BULKY = ['description', 'name', 'terms', 'rank', 'sku', 'productId'];

/** Every object inside a value (the value too). */
const objectsIn = (value: unknown): Record<string, unknown>[] => {
  if (Array.isArray(value)) return value.flatMap(objectsIn);
  if (value === null || typeof value !== 'object') return [];
  return [value as Record<string, unknown>, ...Object.values(value).flatMap(objectsIn)];
};

describe('search queries (embedded store)', () => {
  const fixture = projectionFixture([untyped(searchProjection)]);
  const collection = () => fixture.readModels.collection<SearchView>('search');

  before(async () => {
    const next = seeded(11);
    const pick = <T>(list: readonly T[]) => list[Math.floor(next() * list.length)]!;
    for (let i = 0; i < 150; i += 1) {
      const productId = uuid();
      const words = (n: number) => Array.from({ length: n }, () => pick(WORDS)).join(' ');
      await fixture.append(`product-${productId}`, 'ProductCreated', {
        productId,
        sku: `SKU-${i}`,
        name: next() < 0.3 ? words(2) : `Item ${i}`,
        // Long descriptions: a carried whole document would show.
        description: `${words(1 + Math.floor(next() * 5))} ${'filler '.repeat(40)}`,
        brand: pick(BRANDS),
        category: pick(CATEGORIES),
        // Few prices: ties go by id.
        price: { amount: 100 * (1 + Math.floor(next() * 8)), currency: 'EUR' },
        createdAt: new Date(Date.UTC(2026, 0, 1, 0, 0, i - (i % 4 === 3 ? 1 : 0))).toISOString(),
      });
      if (next() < 0.6) await fixture.append(`inventory-SKU-${i}`, 'StockReceived', { sku: `SKU-${i}`, productId, quantity: 1 + Math.floor(next() * 5), receivedAt: '2026-01-02T00:00:00.000Z' });
      for (let r = Math.floor(next() * 3); r > 0; r -= 1) {
        await fixture.append(`review-${uuid()}`, 'ReviewSubmitted', { reviewId: uuid(), productId, customerId: uuid(), rating: 1 + Math.floor(next() * 5), text: '', submittedAt: '2026-01-03T00:00:00.000Z' });
      }
    }
    await fixture.project();
  });
  after(() => fixture.close());

  const newer = (a: SearchView, b: SearchView) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0);
  const byId = (a: SearchView, b: SearchView) => (a._id < b._id ? -1 : 1);
  const ORDERS = {
    price: (a: SearchView, b: SearchView) => a.price.amount - b.price.amount || byId(a, b),
    '-price': (a: SearchView, b: SearchView) => b.price.amount - a.price.amount || byId(a, b),
    rating: (a: SearchView, b: SearchView) => b.rating.average - a.rating.average || b.rating.count - a.rating.count || newer(a, b) || byId(a, b),
    newest: (a: SearchView, b: SearchView) => newer(a, b) || byId(a, b),
  };

  /** Every match sorted in memory: what each page must hold. */
  const expected = async (query: SearchQuery) => {
    const terms = termsOf(query.q ?? '');
    const all = (await collection().find({ listed: true })).filter(
      (doc) => terms.every((term) => doc.terms.includes(term)) && (!query.inStock || doc.available > 0),
    );
    const score = (doc: SearchView) => terms.reduce((sum, term) => sum + (doc.rank[rankKey(term)] ?? WEIGHTS.description), 0);
    const sort = query.sort ?? (terms.length > 0 ? 'relevance' : 'newest');
    all.sort(sort === 'relevance' ? (a, b) => score(b) - score(a) || newer(a, b) || byId(a, b) : ORDERS[sort]);
    const start = (query.page - 1) * query.pageSize;
    return { total: all.length, ids: all.slice(start, start + query.pageSize).map((doc) => doc._id) };
  };

  for (const q of ['lamp', 'oak travel', '']) {
    for (const sort of ['relevance', 'price', '-price', 'rating', 'newest'] as const) {
      it(`pages "${q}" by ${sort} as sorting every match would, to the last page and past it`, async () => {
        const pageSize = 4;
        const { total } = await expected({ q, sort, page: 1, pageSize });
        expect(total, 'a query that matches little proves little').to.be.greaterThan(3 * pageSize);
        for (let page = 1; page <= Math.ceil(total / pageSize) + 1; page += 1) {
          const answer = await searchProducts(collection(), { q, sort, page, pageSize, inStock: page % 2 === 0 });
          const want = await expected({ q, sort, page, pageSize, inStock: page % 2 === 0 });
          expect(answer.total, `page ${page}`).to.equal(want.total);
          expect(answer.items.map((item) => item.productId), `page ${page}`).to.deep.equal(want.ids);
        }
      });
    }
  }

  for (const q of ['lamp', 'oak travel', '']) {
    for (const sort of ['relevance', 'price', '-price', 'rating', 'newest'] as const) {
      it(`pages "${q}" by ${sort} after each page's next as sorting every match would, ending with next null`, async () => {
        for (const inStock of [false, true]) {
          const pageSize = 4;
          const whole = await expected({ q, sort, inStock, page: 1, pageSize: 1000 });
          const seen: string[] = [];
          let after: string | undefined;
          let pages = 0;
          do {
            const answer = await searchProducts(collection(), { q, sort, inStock, page: 1, pageSize, ...(after ? { after } : {}) });
            expect(answer.total, 'the counts are of every match, whatever the cursor').to.equal(whole.total);
            seen.push(...answer.items.map((item) => item.productId));
            after = answer.next ?? undefined;
            pages += 1;
            expect(pages, 'a cursor that does not move on').to.be.at.most(whole.total);
          } while (after);
          expect(seen, `inStock ${inStock}`).to.deep.equal(whole.ids);
          expect(pages).to.equal(Math.max(1, Math.ceil(whole.total / pageSize)));
        }
      });
    }
  }

  it('counts `page` from the cursor: page 2 after page 1\'s next is page 3 by number', async () => {
    for (const sort of ['relevance', 'price'] as const) {
      const first = await searchProducts(collection(), { q: 'lamp', sort, page: 1, pageSize: 3 });
      const third = await searchProducts(collection(), { q: 'lamp', sort, page: 2, pageSize: 3, after: first.next! });
      expect(third.items.map((item) => item.productId), sort).to.deep.equal((await expected({ q: 'lamp', sort, page: 3, pageSize: 3 })).ids);
      expect(third.page).to.equal(2);
    }
  });

  it('refuses a cursor made up, changed, of another search or of another order (400 naming after)', async () => {
    const byPrice = await searchProducts(collection(), { q: 'lamp', sort: 'price', page: 1, pageSize: 3 });
    const byRelevance = await searchProducts(collection(), { q: 'lamp', page: 1, pageSize: 3 });
    const relevance = JSON.parse(Buffer.from(byRelevance.next!.slice(0, -22), 'base64url').toString()) as unknown[];
    // Tier 7 (anything but 0 read as past the boosted tier: every boosted match skipped), a score of another type.
    const changed = (at: number, value: unknown) => Buffer.from(JSON.stringify(relevance.map((v, i) => (i === at ? value : v)))).toString('base64url') + byRelevance.next!.slice(-22);
    for (const [query, why] of [
      [{ q: 'lamp', sort: 'newest' as const, after: byPrice.next! }, 'another order'],
      [{ q: 'lamp', after: byPrice.next! }, 'another order'],
      [{ q: 'lamp', sort: 'price' as const, after: 'bm90LWEtY3Vyc29y' }, 'is not one'],
      [{ q: 'oak', sort: 'price' as const, after: byPrice.next! }, 'was not made by this list'],
      [{ q: 'lamp', sort: 'price' as const, inStock: true, after: byPrice.next! }, 'was not made by this list'],
      [{ q: 'lamp', after: changed(1, 7) }, 'was not made by this list'],
      [{ q: 'lamp', after: changed(2, 'zz') }, 'was not made by this list'],
    ] as const) {
      const refused = await searchProducts(collection(), { ...query, page: 1, pageSize: 3 }).then(() => undefined, (error: unknown) => error);
      expect(String(refused), JSON.stringify(query)).to.include(why);
      expect((refused as { errors?: Array<{ field: string }> }).errors?.map((d) => d.field)).to.deep.equal(['after']);
    }
  });

  it("takes a cursor for the same words written otherwise (case, a plural, word order): the same list, the same next page", async () => {
    for (const sort of ['price', undefined] as const) {
      const first = await searchProducts(collection(), { q: 'lamp oak', ...(sort ? { sort } : {}), page: 1, pageSize: 3 });
      expect(first.next, 'more than a page matches').to.be.a('string');
      const second = await searchProducts(collection(), { q: 'lamp oak', ...(sort ? { sort } : {}), page: 1, pageSize: 3, after: first.next! });
      expect(second.items).to.have.length.above(0);
      for (const q of ['LAMP Oak', 'oak lamps', 'the lamp, oak']) {
        const again = await searchProducts(collection(), { q, ...(sort ? { sort } : {}), page: 1, pageSize: 3, after: first.next! });
        expect(again.items.map((item) => item.productId), `${q} ${sort}`).to.deep.equal(second.items.map((item) => item.productId));
      }
    }
  });

  it('answers any string as q: nothing for one without a searchable word, naming what it ignored', async () => {
    const next = seeded(5);
    const randomText = () => String.fromCharCode(...Array.from({ length: 1 + Math.floor(next() * 12) }, () => Math.floor(next() * 0x10000)));
    const strange = ['\u0000', '\uD800', '\uDFFF lamp', 'lamp\u0301', '\u202Elamp', '\uFDFD', 'ß İ ǅ', '\u0000'.repeat(200), 'x'.repeat(10_000), '$where', '{"$gt":""}', 'rank.t_lamp', '__proto__ constructor'];
    for (const q of [...strange, ...Array.from({ length: 60 }, randomText)]) {
      const answer = await searchProducts(collection(), { q, page: 1, pageSize: 5 });
      if (termsOf(q).length === 0 && q.trim().length > 0) {
        expect(answer, JSON.stringify(q)).to.deep.include({ items: [], total: 0, facets: { brand: {}, category: {} } });
        expect(answer.ignoredWords, JSON.stringify(q)).not.to.be.empty;
      } else expect(answer.total, JSON.stringify(q)).to.be.at.least(0);
    }
  });

  it('hands whole products to no $facet, and gets at most a page of ids back, however deep the page', async () => {
    const pageSize = 5;
    for (const query of [{ q: 'lamp' }, { q: 'lamp', sort: 'price' as const }, { q: 'oak travel', sort: 'rating' as const }, {}]) {
      const { total } = await expected({ ...query, page: 1, pageSize });
      for (const page of [1, Math.ceil(total / pageSize)]) {
        const calls = recorded();
        const answer = await searchProducts(recording(collection(), calls), { ...query, page, pageSize });
        expect(answer.items, JSON.stringify({ query, page })).to.have.length.greaterThan(0);
        expect(calls.aggregations).to.have.length.greaterThan(0);
        for (const { pipeline, results } of calls.aggregations) {
          const facetAt = pipeline.findIndex((stage) => '$facet' in stage);
          expect(facetAt, 'a $facet stage').to.be.greaterThan(0);
          expect(pipeline.slice(0, facetAt).some((stage) => '$project' in stage), 'a $project before $facet').to.equal(true);
          // What enters the $facet: no field of a whole product.
          const entering = await collection().aggregate(pipeline.slice(0, facetAt));
          expect(entering.length).to.be.greaterThan(0);
          for (const row of entering) expect(Object.keys(row)).not.to.include.any.members(BULKY);
          // What leaves it (the one document MongoDB's 16 MB limit applies to): a page of ids at most (and one more: whether a page follows).
          for (const row of objectsIn(results)) expect(Object.keys(row)).not.to.include.any.members(BULKY);
          const [facets] = results as Array<Record<string, unknown[]>>;
          for (const [name, rows] of Object.entries(facets ?? {})) if (name === 'items') expect(rows.length).to.be.at.most(pageSize + 1);
        }
      }
    }
  });
});

describe('search facets', () => {
  /** A catalog holding each brand and category under two spellings, written in the given order. */
  const facetsOf = async (spellings: Array<[string, string]>) => {
    const fixture = projectionFixture([untyped(searchProjection)]);
    try {
      for (const [i, [brand, category]] of spellings.entries()) {
        const productId = uuid();
        await fixture.append(`product-${productId}`, 'ProductCreated', {
          productId,
          sku: `SKU-${i}`,
          name: `Runner ${i}`,
          description: 'Light shoes',
          brand,
          category,
          price: { amount: 1000 + i, currency: 'EUR' },
          createdAt: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(),
        });
      }
      await fixture.project();
      const search = fixture.readModels.collection<SearchView>('search');
      const queries: SearchQuery[] = [{ page: 1, pageSize: 10 }, { q: 'runner', page: 1, pageSize: 10 }, { q: 'shoes', sort: 'price', page: 1, pageSize: 10 }];
      return await Promise.all(queries.map(async (query) => (await searchProducts(search, query)).facets));
    } finally {
      await fixture.close();
    }
  };

  it('names a value by the same spelling whatever order its spellings were written in', async () => {
    const oneWay = await facetsOf([['Swift', 'Footwear'], ['SWIFT', 'FootWear'], ['swift', 'footwear']]);
    const otherWay = await facetsOf([['swift', 'footwear'], ['SWIFT', 'FootWear'], ['Swift', 'Footwear']]);
    expect(oneWay).to.deep.equal(otherWay);
    // The least spelling in binary order (MongoDB's $min of strings): upper case first.
    for (const facets of oneWay) expect(facets).to.deep.equal({ brand: { SWIFT: 3 }, category: { FootWear: 3 } });
  });
});
