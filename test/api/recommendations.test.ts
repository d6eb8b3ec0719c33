import { expect } from 'chai';
import { addToCart, checkout, orderReaches, stockedProduct, type Shopper } from '../support/shop.js';
import { expectProblem, startTestApp, type TestApp } from '../support/test-app.js';

describe('recommendations', () => {
  let app: TestApp;
  let admin: string;
  let p: Record<'tent' | 'stove' | 'lamp' | 'mat' | 'rope' | 'axe', string>;

  /** One order of these products (one unit each), waited for until it settles. */
  const order = async (shopper: Shopper, productIds: string[], card = 'tok_visa') => {
    for (const productId of productIds) await addToCart(app, shopper, productId, 1);
    const res = await checkout(app, shopper, card);
    expect(res.status, JSON.stringify(res.body)).to.equal(202);
    await orderReaches(app, shopper.token, res.body.orderId, card === 'tok_visa' ? ['Confirmed'] : ['Failed']);
  };

  const recommend = async (query: string, token?: string) => {
    const req = app.http().get(`/api/v1/recommendations${query}`);
    const res = await (token ? req.set('Authorization', `Bearer ${token}`) : req);
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    return (res.body.items as Array<{ productId: string; score: number; name: string }>).map(({ productId, score }) => ({
      product: Object.keys(p).find((key) => p[key as keyof typeof p] === productId),
      score,
    }));
  };

  before(async () => {
    app = await startTestApp();
    admin = await app.adminToken();
    const stocked = async (quantity: number) => (await stockedProduct(app, admin, quantity)).productId;
    // The mat sells out with the one order that holds it.
    p = { tent: await stocked(50), stove: await stocked(50), lamp: await stocked(50), mat: await stocked(1), rope: await stocked(50), axe: await stocked(50) };
    const [a, b, c, d] = [await app.customer(), await app.customer(), await app.customer(), await app.customer()];
    await order(a, [p.tent, p.stove, p.lamp]);
    await order(b, [p.tent, p.stove]);
    await order(c, [p.tent, p.lamp, p.mat]);
    await order(d, [p.rope]);
    // A declined order is not a purchase.
    await order(d, [p.tent, p.axe], 'tok_declined');
    await app.settled();
  });
  after(() => app.close());

  it('scores what was bought together by the number of confirmed orders, leaving out sold-out products', async () => {
    expect(await recommend(`?productId=${p.tent}`)).to.deep.equal([
      { product: 'stove', score: 2 },
      { product: 'lamp', score: 2 },
    ].sort((x, y) => (x.score === y.score ? (p[x.product as keyof typeof p] < p[y.product as keyof typeof p] ? -1 : 1) : y.score - x.score)));
    expect(await recommend(`?productId=${p.stove}`)).to.deep.equal([
      { product: 'tent', score: 2 },
      { product: 'lamp', score: 1 },
    ]);
    expect(await recommend(`?productId=${p.rope}`)).to.deep.equal([]);
    expect(await recommend(`?productId=${p.axe}`)).to.deep.equal([]);
    const limited = await recommend(`?productId=${p.tent}&limit=1`);
    expect(limited).to.have.length(1);
  });

  it('answers each item with its name, price and rating', async () => {
    const res = await app.http().get(`/api/v1/recommendations?productId=${p.stove}`);
    expect(res.body.items[0]).to.have.keys(['productId', 'score', 'name', 'price', 'rating']);
    expect(res.body.items[0]).to.include({ productId: p.tent, score: 2, name: 'Widget' });
  });

  it("suggests to a signed-in customer what goes with their own orders, not what they already have", async () => {
    const shopper = await app.customer();
    expect(await recommend('', shopper.token)).to.deep.equal([]);
    await order(shopper, [p.stove]);
    await app.settled();
    // Orders with a stove: the tent was in 2 of them, the lamp in 1 (the customer's own order holds only the stove).
    expect(await recommend('', shopper.token)).to.deep.equal([
      { product: 'tent', score: 2 },
      { product: 'lamp', score: 1 },
    ]);
    await order(shopper, [p.tent]);
    await app.settled();
    // Tent and stove are theirs now: of the orders holding either, two also held the lamp (and one the sold-out mat).
    expect(await recommend('', shopper.token)).to.deep.equal([{ product: 'lamp', score: 2 }]);
  });

  it('answers 400 without a product id to an anonymous caller, and to a bad product id or limit; 404 for an id no product has', async () => {
    expectProblem(await app.http().get('/api/v1/recommendations'), 400);
    expectProblem(await app.http().get('/api/v1/recommendations?productId=tent'), 400);
    expectProblem(await app.http().get(`/api/v1/recommendations?productId=${p.tent}&limit=0`), 400);
    expectProblem(await app.http().get(`/api/v1/recommendations?productId=${p.tent}&limit=51`), 400);
    const unknown = await app.http().get('/api/v1/recommendations?productId=00000000-0000-4000-8000-000000000000');
    expectProblem(unknown, 404);
    expect(unknown.body.detail).to.equal('product not found');
  });
});
