import { expect } from 'chai';
import { appendsNothing, createProduct, expectProblem, startTestApp, type TestApp } from '../support/test-app.js';

type Item = { productId: string; name: string; brand: string; category: string; price: { amount: number }; inStock: boolean; score?: number };

describe('search', () => {
  let app: TestApp;
  let admin: string;
  const ids: Record<string, string> = {};

  /** A small catalog, created one after the other (so "newest" has an order). */
  const CATALOG = [
    { key: 'trail', name: 'Trail Running Shoes', brand: 'Swift', category: 'Footwear', description: 'Light shoes for mountain trails', price: 8900, stock: 5 },
    { key: 'boots', name: 'Leather Boots', brand: 'Oakridge', category: 'Footwear', description: 'Boots for running errands in the rain', price: 12900, stock: 0 },
    { key: 'socks', name: 'Running Socks', brand: 'Swift', category: 'Apparel', description: 'Soft and warm', price: 1200, stock: 40 },
    { key: 'bike', name: 'Road Bike', brand: 'Velo', category: 'Cycling', description: 'A fast bike for long rides', price: 99900, stock: 2 },
    { key: 'mug', name: 'Café Crème Mug', brand: 'Brewster', category: 'Kitchen', description: 'Porcelain, 350 ml', price: 1500, stock: 10 },
  ];

  before(async () => {
    app = await startTestApp();
    admin = await app.adminToken();
    for (const { key, stock, ...product } of CATALOG) {
      ids[key] = (await createProduct(app, admin, product)).productId;
      if (stock > 0) {
        const sku = (await app.http().get(`/api/v1/products/${ids[key]}`)).body.sku;
        await app.http().post(`/api/v1/inventory/${sku}/receipts`).set('Authorization', `Bearer ${admin}`).send({ quantity: stock });
      }
    }
    await app.settled();
  });
  after(() => app.close());

  const search = async (query: string) => {
    const res = await app.http().get(`/api/v1/search${query}`);
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    return res.body as {
      items: Item[];
      total: number;
      page: number;
      pageSize: number;
      facets: { brand: Record<string, number>; category: Record<string, number> };
      ignoredWords?: string[];
    };
  };
  const keysOf = (items: Item[]) => items.map((item) => Object.keys(ids).find((key) => ids[key] === item.productId));

  it('matches words of the name, description and brand, ranking name matches above description matches', async () => {
    const found = await search('?q=running');
    // "Running" in the name weighs more than "running" in a description; equal scores: newest first.
    expect(keysOf(found.items)).to.deep.equal(['socks', 'trail', 'boots']);
    expect(found.items.map((item) => item.score)).to.deep.equal([10, 10, 1]);
    expect(found.total).to.equal(3);
    expect(keysOf((await search('?q=swift')).items)).to.deep.equal(['socks', 'trail']);
    expect(keysOf((await search('?q=porcelain')).items)).to.deep.equal(['mug']);
  });

  it('needs every word, whatever the case, the accents or the word form', async () => {
    expect(keysOf((await search('?q=RUNNING%20shoes')).items)).to.deep.equal(['trail']);
    expect(keysOf((await search('?q=shoe%20run')).items)).to.deep.equal(['trail']);
    expect(keysOf((await search('?q=cafe%20creme')).items)).to.deep.equal(['mug']);
    expect(keysOf((await search('?q=the%20boots')).items)).to.deep.equal(['boots']);
    expect((await search('?q=running%20bike')).total).to.equal(0);
    expect((await search('?q=kayak')).items).to.deep.equal([]);
  });

  it('filters by category and brand (any case), price range and stock', async () => {
    expect(keysOf((await search('?category=footwear')).items)).to.have.members(['trail', 'boots']);
    expect(keysOf((await search('?q=running&brand=SWIFT')).items)).to.deep.equal(['socks', 'trail']);
    expect(keysOf((await search('?minPrice=1200&maxPrice=8900&sort=price')).items)).to.deep.equal(['socks', 'mug', 'trail']);
    expect(keysOf((await search('?q=running&inStock=true')).items)).to.deep.equal(['socks', 'trail']);
    expect((await search('?q=running&inStock=false')).total).to.equal(3);
  });

  it('counts brands and categories over the filtered set', async () => {
    const found = await search('?q=running');
    expect(found.facets).to.deep.equal({ brand: { Swift: 2, Oakridge: 1 }, category: { Footwear: 2, Apparel: 1 } });
    const cheap = await search('?maxPrice=1500');
    expect(cheap.facets).to.deep.equal({ brand: { Brewster: 1, Swift: 1 }, category: { Apparel: 1, Kitchen: 1 } });
    expect((await search('?q=kayak')).facets).to.deep.equal({ brand: {}, category: {} });
  });

  it('sorts by price both ways, newest and rating; pages with a total', async () => {
    expect(keysOf((await search('?sort=price')).items)).to.deep.equal(['socks', 'mug', 'trail', 'boots', 'bike']);
    expect(keysOf((await search('?sort=-price')).items)).to.deep.equal(['bike', 'boots', 'trail', 'mug', 'socks']);
    expect(keysOf((await search('')).items)).to.deep.equal(['mug', 'bike', 'socks', 'boots', 'trail']);
    expect(keysOf((await search('?q=running&sort=newest')).items)).to.deep.equal(['socks', 'boots', 'trail']);
    // No reviews yet: every rating is 0, ties newest first.
    expect(keysOf((await search('?sort=rating')).items)).to.deep.equal(['mug', 'bike', 'socks', 'boots', 'trail']);
    const page = await search('?sort=price&page=2&pageSize=2');
    expect(page).to.include({ total: 5, page: 2, pageSize: 2 });
    expect(keysOf(page.items)).to.deep.equal(['trail', 'boots']);
    expect((await search('?sort=price&page=9&pageSize=2')).items).to.deep.equal([]);
  });

  it('follows the catalog: a renamed product is found by its new name only', async () => {
    const { productId } = await createProduct(app, admin, { name: 'Canvas Tote', brand: 'Baggins', category: 'Bags', description: 'Holds groceries' });
    await app.settled();
    expect((await search('?q=tote')).total).to.equal(1);
    const patched = await app.http().patch(`/api/v1/products/${productId}`).set('Authorization', `Bearer ${admin}`).send({ name: 'Canvas Shopper' });
    expect(patched.status).to.equal(200);
    await app.settled();
    expect((await search('?q=tote')).total).to.equal(0);
    expect((await search('?q=shopper')).items.map((item) => item.name)).to.deep.equal(['Canvas Shopper']);
  });

  describe('with words it cannot search for', () => {
    const q = (text: string) => `?q=${encodeURIComponent(text)}`;
    const NOTHING = { items: [], total: 0, page: 1, pageSize: 20, next: null, facets: { brand: {}, category: {} } };

    // Each of these used to answer the whole catalog: no term left meant "no query".
    const IGNORED: Array<[string, string[]]> = [
      ['the', ['the']],
      ['The AND of', ['The', 'AND', 'of']],
      ['!!!', ['!!!']],
      ['🙂', ['🙂']],
      ['¿? --- ...', ['¿?', '---', '...']],
      ['the the', ['the']],
      ['x'.repeat(41), ['x'.repeat(41)]],
      ['© + €', ['©', '+', '€']],
    ];
    for (const [text, ignoredWords] of IGNORED) {
      it(`finds nothing for ${JSON.stringify(text)} and names the ignored words`, async () => {
        expect(await search(q(text))).to.deep.equal({ ...NOTHING, ignoredWords });
      });
    }

    it('finds nothing whatever the sort, filters and page, when every word is ignored', async () => {
      for (const rest of ['&sort=price', '&sort=-price', '&sort=rating', '&sort=newest', '&sort=relevance', '&category=footwear', '&inStock=true&page=2&pageSize=3']) {
        const found = await search(`${q('the')}${rest}`);
        expect(found, rest).to.deep.include({ items: [], total: 0, facets: { brand: {}, category: {} }, ignoredWords: ['the'] });
      }
    });

    it('searches the words that remain and names the ones it ignored', async () => {
      const shoes = await search(q('shoes'));
      expect(shoes.total).to.equal(1);
      expect(shoes).not.to.have.property('ignoredWords');
      for (const [text, ignoredWords] of [['the shoes', ['the']], ['shoes !!!', ['!!!']], ['🙂 the  shoes', ['🙂', 'the']]] as const) {
        const found = await search(q(text));
        expect(found, text).to.deep.equal({ ...shoes, ignoredWords });
      }
      const byPrice = await search(`${q('the running')}&sort=price`);
      expect(keysOf(byPrice.items)).to.deep.equal(['socks', 'trail', 'boots']);
      expect(byPrice.ignoredWords).to.deep.equal(['the']);
      expect(byPrice.facets).to.deep.equal({ brand: { Swift: 2, Oakridge: 1 }, category: { Footwear: 2, Apparel: 1 } });
    });

    it('still lists the newest when q is blank', async () => {
      const newest = await search('');
      expect(newest.total).to.be.greaterThan(0);
      for (const text of ['', '   ']) expect(await search(q(text)), JSON.stringify(text)).to.deep.equal(newest);
    });
  });

  it('answers 400 to a bad query, 200 to words that match nothing', async () => {
    for (const query of ['?sort=best', '?minPrice=10&maxPrice=5', '?inStock=yes', '?page=0', '?pageSize=500', '?colour=red', '?minPrice=cheap', `?q=${'x'.repeat(201)}`]) {
      expectProblem(await appendsNothing(app, () => app.http().get(`/api/v1/search${query}`)), 400);
    }
    expect((await search('?q=%20%20')).total).to.be.greaterThan(0);
  });
});

/** Latin letters Unicode does not decompose, folded as the name sort folds them (a shopper on a US keyboard types `strasse`). */
describe('search, letters without a decomposition', () => {
  let app: TestApp;
  after(() => app?.close());

  it('finds `Straße`, `Øresund`, `Łódź`, `Ærø`, `Þór` and `Œuvre` typed in plain ASCII, and in their own letters', async () => {
    app = await startTestApp();
    const admin = await app.adminToken();
    const names = { strasse: 'Straße Map', oresund: 'Øresund Bridge Print', lodz: 'Łódź Poster', aero: 'Ærø Island Guide', thor: 'Þór Figure', oeuvre: 'Œuvre Complète' };
    for (const name of Object.values(names)) await createProduct(app, admin, { name, brand: 'Atlas', category: 'Prints', description: 'A print', price: 1000 });
    await app.settled();
    for (const [typed, name] of Object.entries(names)) {
      const found = await app.http().get(`/api/v1/search?q=${encodeURIComponent(typed)}`);
      expect(found.body.items.map((item: Item) => item.name), typed).to.deep.equal([name]);
      const own = await app.http().get(`/api/v1/search?q=${encodeURIComponent(name.split(' ')[0]!)}`);
      expect(own.body.items.map((item: Item) => item.name), name).to.deep.equal([name]);
    }
  });
});
