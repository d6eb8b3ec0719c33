import { expect } from 'chai';
import { ConfigError, loadConfig } from '../../src/config.js';
import { stockedProduct, type Shopper } from '../support/shop.js';
import { expectProblem, startTestApp, type TestApp } from '../support/test-app.js';

/**
 * Gateway caching (issue 16, part 5): the public GETs answer callers not signed in with an ETag
 * and `Cache-Control: public, max-age=CACHE_MAX_AGE_S`, If-None-Match gets 304 without a body;
 * a signed-in caller's answers are `private, no-store`, and problems are never cacheable.
 */

const WEAK_ETAG = /^W\/"[A-Za-z0-9_-]+"$/;

describe('HTTP gateway caching', () => {
  let app: TestApp;
  let admin: string;
  let shopper: Shopper;
  let product: { productId: string; sku: string };
  beforeEach(async () => {
    app = await startTestApp();
    admin = await app.adminToken();
    shopper = await app.customer();
    product = await stockedProduct(app, admin, 10);
    await app.settled();
  });
  afterEach(async () => app.close());

  const get = (url: string) => app.http().get(url);
  const publicUrls = () => [
    '/api/v1/products',
    `/api/v1/products/${product.productId}`,
    '/api/v1/search?q=widget',
    `/api/v1/reviews?productId=${product.productId}`,
    `/api/v1/recommendations?productId=${product.productId}`,
  ];

  describe('a caller not signed in', () => {
    it('gets an ETag and Cache-Control: public, max-age=5 on every public GET, varying by Authorization', async () => {
      for (const url of publicUrls()) {
        const res = await get(url);
        expect(res.status, url).to.equal(200);
        expect(res.headers.etag, url).to.match(WEAK_ETAG);
        expect(res.headers['cache-control'], url).to.equal('public, max-age=5');
        expect(res.headers.vary, url).to.match(/Authorization/i);
      }
    });

    it('gets 304 without a body for an If-None-Match naming the current ETag, with the ETag and Cache-Control again', async () => {
      for (const url of publicUrls()) {
        const first = await get(url);
        const res = await get(url).set('If-None-Match', first.headers.etag!);
        expect(res.status, url).to.equal(304);
        expect(res.text ?? '', url).to.equal('');
        expect(res.headers['content-length'] ?? '0', url).to.equal('0');
        expect(res.headers.etag, url).to.equal(first.headers.etag);
        expect(res.headers['cache-control'], url).to.equal('public, max-age=5');
      }
    });

    it('matches If-None-Match as a list, weakly (with or without W/), and *; another tag gets the whole answer', async () => {
      const url = `/api/v1/products/${product.productId}`;
      const etag = (await get(url)).headers.etag!;
      const strong = etag.replace(/^W\//, '');
      for (const header of [`"other", ${etag}`, `W/"a",${strong} , "b"`, strong, '*']) {
        expect((await get(url).set('If-None-Match', header)).status, header).to.equal(304);
      }
      for (const header of ['"other"', 'W/"other", "more"', etag.replace(/"$/, 'x"'), 'garbage']) {
        const res = await get(url).set('If-None-Match', header);
        expect(res.status, header).to.equal(200);
        expect(res.body).to.include({ productId: product.productId });
      }
    });

    it("gets a new ETag (and the whole answer) once the answer changes, even where the product's revision does not (its availability)", async () => {
      const url = `/api/v1/products/${product.productId}`;
      const before = await get(url);
      const receipt = await app.http().post(`/api/v1/inventory/${product.sku}/receipts`).set('Authorization', `Bearer ${admin}`).send({ quantity: 5 });
      expect(receipt.status).to.equal(200);
      await app.settled();
      const after = await get(url).set('If-None-Match', before.headers.etag!);
      expect(after.status).to.equal(200);
      expect(after.body.available).to.equal(15);
      expect(after.headers.etag).to.match(WEAK_ETAG).and.not.equal(before.headers.etag);
      const list = await get('/api/v1/products');
      const changed = await app.http().patch(`/api/v1/products/${product.productId}`).set('Authorization', `Bearer ${admin}`).send({ name: 'Renamed' });
      expect(changed.status).to.equal(200);
      await app.settled();
      expect((await get('/api/v1/products').set('If-None-Match', list.headers.etag!)).status).to.equal(200);
    });

    it('takes max-age from CACHE_MAX_AGE_S', async () => {
      await app.close();
      app = await startTestApp({ cacheMaxAgeS: 60 });
      expect((await get('/api/v1/products')).headers['cache-control']).to.equal('public, max-age=60');
    });
  });

  describe('a signed-in caller (an Authorization header)', () => {
    it('gets Cache-Control: private, no-store on the public GETs, and the whole answer whatever If-None-Match says', async () => {
      for (const url of publicUrls()) {
        const anonymous = await get(url);
        const res = await get(url).set('Authorization', `Bearer ${shopper.token}`).set('If-None-Match', anonymous.headers.etag!);
        expect(res.status, url).to.equal(200);
        expect(res.headers['cache-control'], url).to.equal('private, no-store');
        expect(res.body, url).to.not.deep.equal({});
      }
    });

    it("keeps the product's revision as its ETag (what If-Match takes)", async () => {
      const res = await get(`/api/v1/products/${product.productId}`).set('Authorization', `Bearer ${admin}`);
      expect(res.headers.etag).to.equal('"0"');
      expect(res.headers['cache-control']).to.equal('private, no-store');
    });

    it('gets private, no-store on its own data and its writes', async () => {
      const cart = await get('/api/v1/cart').set('Authorization', `Bearer ${shopper.token}`);
      expect(cart.status).to.equal(200);
      expect(cart.headers['cache-control']).to.equal('private, no-store');
      const added = await app.http().post('/api/v1/cart/items').set('Authorization', `Bearer ${shopper.token}`).send({ productId: product.productId, quantity: 1 });
      expect(added.headers['cache-control']).to.equal('private, no-store');
    });
  });

  describe('problems', () => {
    it('are never cacheable (no-store), on public routes too, signed in or not', async () => {
      const urls: Array<[string, string | undefined]> = [
        ['/api/v1/products/3f2b8c4e-9a7d-4e1f-8b6a-0c5d2e7f9a1b', undefined],
        ['/api/v1/products?minPrice=abc', undefined],
        ['/api/v1/reviews', undefined],
        ['/api/v1/recommendations', undefined],
        ['/api/v1/products', 'Bearer not-a-token'],
        ['/api/v1/products/3f2b8c4e-9a7d-4e1f-8b6a-0c5d2e7f9a1b', `Bearer ${shopper.token}`],
        ['/api/v1/no-such-route', undefined],
        ['/api/v1/cart', undefined],
      ];
      for (const [url, authorization] of urls) {
        const res = await (authorization ? get(url).set('Authorization', authorization) : get(url));
        expect(res.status, url).to.be.within(400, 499);
        expectProblem(res, res.status);
        expect(res.headers['cache-control'], url).to.equal('no-store');
        expect(res.headers.etag, url).to.equal(undefined);
      }
    });

    it('ignore If-None-Match: a 404 stays a 404', async () => {
      const res = await get('/api/v1/products/3f2b8c4e-9a7d-4e1f-8b6a-0c5d2e7f9a1b').set('If-None-Match', '*');
      expectProblem(res, 404);
    });
  });
});

describe('CACHE_MAX_AGE_S', () => {
  it('is 5 seconds unless set, and takes 0 (revalidate every time) up to a year', () => {
    expect(loadConfig({}).cacheMaxAgeS).to.equal(5);
    expect(loadConfig({ CACHE_MAX_AGE_S: '0' }).cacheMaxAgeS).to.equal(0);
    expect(loadConfig({ CACHE_MAX_AGE_S: '31536000' }).cacheMaxAgeS).to.equal(31_536_000);
  });

  for (const value of ['-1', '1.5', 'abc', '31536001'])
    it(`refuses "${value}"`, () => expect(() => loadConfig({ CACHE_MAX_AGE_S: value })).to.throw(ConfigError, /CACHE_MAX_AGE_S/));
});
