import { expect } from 'chai';
import { reviewIdOf } from '../../src/commands/reviews.js';
import { buy, eventsOf, orderReaches, receive, stockedProduct, type Shopper } from '../support/shop.js';
import { eventually } from '../support/temp-dir.js';
import { appendsNothing, expectProblem, startTestApp, type TestApp } from '../support/test-app.js';

describe('reviews and ratings', () => {
  let app: TestApp;
  let admin: string;
  let shopper: Shopper;
  let productId: string;
  before(async () => {
    app = await startTestApp();
    admin = await app.adminToken();
  });
  after(() => app.close());
  beforeEach(async () => {
    shopper = await app.customer('Ada Lovelace');
    ({ productId } = await stockedProduct(app, admin, 20));
  });

  const review = (token: string | undefined, body: unknown) => {
    const req = app.http().post('/api/v1/reviews');
    return (token ? req.set('Authorization', `Bearer ${token}`) : req).send(body as object);
  };
  const reviewsOf = (id: string, query = '') => app.http().get(`/api/v1/reviews?productId=${id}${query}`);

  it('answers 412 to a first review sent with `If-Match: *` (nothing there yet to match), appending nothing; the same review without it is 201', async () => {
    await receive(app, admin, shopper, productId);
    const starred = await appendsNothing(app, () => app.http().post('/api/v1/reviews').set('Authorization', `Bearer ${shopper.token}`).set('If-Match', '*').send({ productId, rating: 5, text: 'Star.' }));
    expectProblem(starred, 412);
    expect((await review(shopper.token, { productId, rating: 5, text: 'Star.' })).status).to.equal(201);
    // Once it exists, `*` matches it: a second review replaces the first (200).
    const again = await app.http().post('/api/v1/reviews').set('Authorization', `Bearer ${shopper.token}`).set('If-Match', '*').send({ productId, rating: 4, text: 'Still good.' });
    expect(again.status, JSON.stringify(again.body)).to.equal(200);
  });

  it('publishes the review of a delivered product: listed with the average, on the product and in search', async () => {
    const orderId = await receive(app, admin, shopper, productId);
    const res = await review(shopper.token, { productId, rating: 4, text: '  Sturdy and handy.  ' });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    const reviewId = reviewIdOf(shopper.customerId, productId);
    expect(res.body).to.deep.equal({ reviewId, productId, rating: 4, text: 'Sturdy and handy.' });
    expect(res.headers.location).to.equal(`/api/v1/reviews/${reviewId}`);

    const [submitted] = await eventsOf(app, 'ReviewSubmitted', (e) => e.data.productId === productId);
    expect(submitted!.streamName).to.equal(`review-${reviewId}`);
    expect(submitted!.data).to.include({ customerId: shopper.customerId, orderId, rating: 4, authorName: 'Ada' });

    const listed = await reviewsOf(productId);
    expect(listed.status).to.equal(200);
    expect(listed.body).to.include({ average: 4, count: 1, total: 1 });
    expect(listed.body.items).to.have.length(1);
    expect(listed.body.items[0]).to.include({ reviewId, authorName: 'Ada', rating: 4, text: 'Sturdy and handy.', verifiedPurchase: true });
    expect(listed.body.items[0]).not.to.have.property('customerId');

    const product = await app.http().get(`/api/v1/products/${productId}`);
    expect(product.body.rating).to.deep.equal({ average: 4, count: 1 });
    await app.settled();
    const found = await app.http().get('/api/v1/search?q=widget&pageSize=100');
    expect(found.body.items.find((item: { productId: string }) => item.productId === productId).rating).to.deep.equal({ average: 4, count: 1 });
  });

  it('averages the ratings of several customers', async () => {
    const others = [shopper, await app.customer('Bo'), await app.customer('Cy')];
    for (const [i, customer] of others.entries()) {
      await receive(app, admin, customer, productId);
      expect((await review(customer.token, { productId, rating: [5, 4, 4][i], text: '' })).status).to.equal(201);
    }
    const listed = await reviewsOf(productId, '&sort=lowest');
    expect(listed.body).to.include({ average: 4.33, count: 3 });
    expect(listed.body.items.map((item: { rating: number }) => item.rating)).to.deep.equal([4, 4, 5]);
    expect((await reviewsOf(productId, '&rating=5')).body).to.include({ total: 1, count: 3 });
    expect((await app.http().get(`/api/v1/products/${productId}`)).body.rating).to.deep.equal({ average: 4.33, count: 3 });
  });

  it('a second review of the same product replaces the first (200), keeping one review per customer', async () => {
    await receive(app, admin, shopper, productId);
    expect((await review(shopper.token, { productId, rating: 2, text: 'Broke after a week' })).status).to.equal(201);
    const second = await review(shopper.token, { productId, rating: 4, text: 'The replacement part fixed it' });
    expect(second.status, JSON.stringify(second.body)).to.equal(200);
    expect(second.body).to.include({ rating: 4, text: 'The replacement part fixed it' });

    const [revised] = await eventsOf(app, 'ReviewRevised', (e) => e.data.productId === productId);
    expect(revised!.data).to.include({ rating: 4, previousRating: 2 });
    const listed = await reviewsOf(productId);
    expect(listed.body).to.include({ average: 4, count: 1 });
    expect(listed.body.items.map((item: { text: string }) => item.text)).to.deep.equal(['The replacement part fixed it']);
    expect((await app.http().get(`/api/v1/products/${productId}`)).body.rating).to.deep.equal({ average: 4, count: 1 });

    // The same review once more changes nothing.
    const same = await appendsNothing(app, () => review(shopper.token, { productId, rating: 4, text: 'The replacement part fixed it' }));
    expect(same.status).to.equal(200);
  });

  it('answers 403 to a customer who has not received the product, even with the order on its way', async () => {
    const orderId = await buy(app, shopper, productId, 1);
    await orderReaches(app, shopper.token, orderId, ['Confirmed']);
    const res = await appendsNothing(app, () => review(shopper.token, { productId, rating: 5, text: 'Cannot wait' }));
    expectProblem(res, 403);
    const stranger = await app.customer();
    expectProblem(await appendsNothing(app, () => review(stranger.token, { productId, rating: 1, text: '' })), 403);
    expect((await reviewsOf(productId)).body).to.include({ count: 0, average: 0 });
  });

  it('does not count a delivery of another product', async () => {
    const other = await stockedProduct(app, admin, 5);
    await receive(app, admin, shopper, other.productId);
    expectProblem(await appendsNothing(app, () => review(shopper.token, { productId, rating: 5, text: '' })), 403);
  });

  it('answers 401 without a token, 404 for an unknown product, and 400 for a bad rating or field', async () => {
    expectProblem(await appendsNothing(app, () => review(undefined, { productId, rating: 5, text: '' })), 401);
    await receive(app, admin, shopper, productId);
    const unknown = await appendsNothing(app, () => review(shopper.token, { productId: '00000000-0000-4000-8000-000000000000', rating: 5, text: '' }));
    expectProblem(unknown, 404);
    for (const rating of [0, 6, 2.5, '5', null]) {
      const res = await appendsNothing(app, () => review(shopper.token, { productId, rating, text: 'x' }));
      expectProblem(res, 400);
      expect(res.body.errors.map((e: { field: string }) => e.field)).to.deep.equal(['rating']);
    }
    expectProblem(await appendsNothing(app, () => review(shopper.token, { productId, rating: 3, text: 'x'.repeat(5001) })), 400);
    expectProblem(await appendsNothing(app, () => review(shopper.token, { productId, rating: 3, text: '😀'.repeat(5001) })), 400);
    // A review is published: never a card number in it (400, not echoed); dates and times are at home.
    const carded = await appendsNothing(app, () => review(shopper.token, { productId, rating: 3, text: 'my card 4111 1111 1111 1111 works' }));
    expectProblem(carded, 400);
    expect(JSON.stringify(carded.body)).to.not.include('1111');
    // 5000 characters as the schema counts them (code points): an emoji is one, though two UTF-16 units.
    for (const text of ['😀'.repeat(5000), `${'x'.repeat(4999)}😀`, 'Arrived 2024-12-25 10:30:45, two days late']) {
      const res = await review(shopper.token, { productId, rating: 3, text });
      expect(res.status, JSON.stringify(res.body).slice(0, 200)).to.be.oneOf([200, 201]);
    }
    expectProblem(await appendsNothing(app, () => review(shopper.token, { productId, rating: 3, stars: 3 })), 400);
    expectProblem(await appendsNothing(app, () => review(shopper.token, { productId: 'not-a-uuid', rating: 3 })), 400);
  });

  it('lists reviews only for a product id the catalog knows (404 for another: not an empty list), and pages them', async () => {
    expectProblem(await app.http().get('/api/v1/reviews'), 400);
    expectProblem(await app.http().get('/api/v1/reviews?productId=nope'), 400);
    const unknown = await app.http().get('/api/v1/reviews?productId=00000000-0000-4000-8000-000000000000');
    expectProblem(unknown, 404);
    expect(unknown.body.detail).to.equal('product not found');
    expect((await reviewsOf(productId, '')).body).to.include({ total: 0, count: 0, average: 0 });
    const customers = [shopper, await app.customer('Bo'), await app.customer('Cy')];
    for (const customer of customers) {
      await receive(app, admin, customer, productId);
      expect((await review(customer.token, { productId, rating: 3, text: customer.email })).status).to.equal(201);
    }
    const page2 = await reviewsOf(productId, '&pageSize=2&page=2');
    expect(page2.body).to.include({ total: 3, page: 2, pageSize: 2, count: 3 });
    expect(page2.body.items).to.have.length(1);
    // Newest first: the first customer's review is the last one.
    expect(page2.body.items[0].text).to.equal(shopper.email);
  });

  it('reads one review by id, 404 for an unknown one', async () => {
    await receive(app, admin, shopper, productId);
    await review(shopper.token, { productId, rating: 5, text: 'Great' });
    const reviewId = reviewIdOf(shopper.customerId, productId);
    const res = await app.http().get(`/api/v1/reviews/${reviewId}`);
    expect(res.status).to.equal(200);
    expect(res.body).to.include({ reviewId, productId, rating: 5, text: 'Great' });
    expectProblem(await app.http().get('/api/v1/reviews/00000000-0000-4000-8000-000000000000'), 404);
  });

  it('invites the customer to review what was delivered', async () => {
    const orderId = await receive(app, admin, shopper, productId);
    const invitation = await eventually(async () => {
      const res = await app.http().get('/api/v1/account/me/notifications').set('Authorization', `Bearer ${shopper.token}`);
      return (res.body.items as Array<{ type: string; orderId: string; subject: string }>).find((item) => item.type === 'OrderDelivered');
    });
    expect(invitation.orderId).to.equal(orderId);
    expect(invitation.subject).to.match(/was delivered: how was it\?$/);
  });
});
