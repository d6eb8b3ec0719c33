import { expect } from 'chai';
import { v4 as uuid } from 'uuid';
import { rankKey, searchProjection, WEIGHTS, type SearchView } from '../../src/projections/search/search.js';
import { searchProducts } from '../../src/projections/search/search-query.js';
import { termsOf } from '../../src/projections/search/text.js';
import { projectionFixture, untyped } from './projection-fixture.js';
import { seeded } from '../support/seeded-random.js';

/**
 * Relevance order is answered in two parts (the products a query's words boost, then the
 * plain description matches newest first). It must give exactly what scoring and sorting
 * every match gives: checked here against that, page by page, on a catalog where the
 * same words turn up in names, brands, categories and descriptions.
 */

const WORDS = ['lamp', 'oak', 'steel', 'blue', 'travel', 'mug', 'quiet', 'smart'];
const BRANDS = ['Oak', 'Nordlys', 'Steel', 'Kettle'];
const CATEGORIES = ['Travel', 'Kitchen', 'Lighting'];

describe('search read model: relevance order', () => {
  const fixture = projectionFixture([untyped(searchProjection)]);
  const collection = () => fixture.readModels.collection<SearchView>('search');

  before(async () => {
    const next = seeded(7);
    const pick = <T>(list: readonly T[]) => list[Math.floor(next() * list.length)]!;
    for (let i = 0; i < 160; i += 1) {
      const productId = uuid();
      const words = (n: number) => Array.from({ length: n }, () => pick(WORDS)).join(' ');
      await fixture.append(`product-${productId}`, 'ProductCreated', {
        productId,
        sku: `SKU-${i}`,
        name: next() < 0.3 ? words(2) : `Item ${i}`,
        description: words(1 + Math.floor(next() * 5)),
        brand: pick(BRANDS),
        category: pick(CATEGORIES),
        price: { amount: 100 + Math.floor(next() * 900), currency: 'EUR' },
        // Every fourth product shares its time with the one before: ties go by id.
        createdAt: new Date(Date.UTC(2026, 0, 1, 0, 0, i - (i % 4 === 3 ? 1 : 0))).toISOString(),
      });
    }
    await fixture.project();
  });
  after(() => fixture.close());

  /** Every match scored and sorted: what the answer must be. */
  const expected = async (q: string, page: number, pageSize: number) => {
    const terms = termsOf(q);
    const all = await collection().find({ listed: true, terms: { $all: terms } });
    const scored = all.map((doc) => ({ doc, score: terms.reduce((sum, term) => sum + (doc.rank[rankKey(term)] ?? WEIGHTS.description), 0) }));
    scored.sort((a, b) => b.score - a.score || (a.doc.createdAt < b.doc.createdAt ? 1 : a.doc.createdAt > b.doc.createdAt ? -1 : 0) || (a.doc._id < b.doc._id ? -1 : 1));
    return {
      total: all.length,
      items: scored.slice((page - 1) * pageSize, page * pageSize).map(({ doc, score }) => ({ productId: doc.productId, score })),
    };
  };

  for (const q of ['lamp', 'oak', 'steel lamp', 'travel blue', 'kitchen mug', 'quiet', 'oak travel smart']) {
    it(`orders "${q}" as scoring every match would, on every page`, async () => {
      const pageSize = 7;
      const { total } = await expected(q, 1, pageSize);
      expect(total, 'a query that matches little proves little').to.be.greaterThan(2 * pageSize);
      for (let page = 1; page <= Math.ceil(total / pageSize) + 1; page += 1) {
        const answer = await searchProducts(collection(), { q, page, pageSize });
        const want = await expected(q, page, pageSize);
        expect(answer.total).to.equal(want.total);
        expect(answer.items.map((item) => ({ productId: item.productId, score: item.score })), `page ${page}`).to.deep.equal(want.items);
      }
    });
  }

  it('mixes boosted and plain matches on the page where one ends and the other starts', async () => {
    const q = 'lamp';
    const terms = termsOf(q);
    const all = await collection().find({ listed: true, terms: { $all: terms } });
    const boosted = all.filter((doc) => doc.boosted.includes(terms[0]!)).length;
    expect(boosted, 'some boosted').to.be.greaterThan(0);
    expect(all.length - boosted, 'some plain').to.be.greaterThan(0);
    const pageSize = 5;
    const page = Math.floor(boosted / pageSize) + 1;
    const answer = await searchProducts(collection(), { q, page, pageSize });
    expect(answer.items.map((item) => item.score)).to.deep.equal((await expected(q, page, pageSize)).items.map((item) => item.score));
  });
});
