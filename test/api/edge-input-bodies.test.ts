/**
 * What a refused body is told: a text over its field's limit is told that limit, however long it is (no
 * general cap answers with another number), and a body that is JSON but no object is refused as `[]` is,
 * not as malformed JSON, which only truly malformed JSON is.
 */
import { expect } from 'chai';
import type supertest from 'supertest';
import { ADDRESS, receive, stockedProduct, type Shopper } from '../support/shop.js';
import { appendsNothing, expectProblem, startTestApp, type TestApp } from '../support/test-app.js';

const HUGE = 900_000;

describe('Refused bodies', () => {
  let app: TestApp;
  let admin: string;
  let shopper: Shopper;
  let productId: string;
  before(async function () {
    this.timeout(60_000);
    app = await startTestApp();
    admin = await app.adminToken();
    shopper = await app.customer();
    ({ productId } = await stockedProduct(app, admin, 20));
    await receive(app, admin, shopper, productId);
  });
  after(async () => app.close());

  const as = (token: string) => ({
    post: (url: string) => app.http().post(url).set('Authorization', `Bearer ${token}`),
  });
  const raw = (req: supertest.Test, text: string) => req.set('Content-Type', 'application/json').send(text);

  /** 400 validation-failed naming exactly `errors` (when given), with nothing appended and the log head where it was. */
  const refused = async (act: () => supertest.Test, errors?: unknown[]) => {
    const head = await app.head();
    const res = await appendsNothing(app, act);
    expectProblem(res, 400);
    expect(res.body.type).to.equal('urn:shop:problem:validation-failed');
    if (errors) expect(res.body.errors).to.deep.equal(errors);
    expect(await app.head(), 'the log head moved').to.equal(head);
    return res;
  };

  describe('a text over its field\'s limit', () => {
    const fields = [
      {
        name: 'POST /reviews text',
        limit: 5000,
        field: 'text',
        send: (text: string) => as(shopper.token).post('/api/v1/reviews').send({ productId, rating: 5, text }),
        atLimit: 201,
      },
      {
        name: 'POST /account/me/addresses line1',
        limit: 200,
        field: 'line1',
        send: (line1: string) => as(shopper.token).post('/api/v1/account/me/addresses').send({ ...ADDRESS, line1 }),
        atLimit: 201,
      },
      {
        name: 'POST /checkout shippingAddress.line1',
        limit: 200,
        field: 'shippingAddress.line1',
        send: (line1: string) => as(shopper.token).post('/api/v1/checkout').send({ shippingAddress: { ...ADDRESS, line1 }, paymentMethod: { token: 'tok_visa' } }),
        // The cart is empty: the address passed, the checkout itself is refused.
        atLimit: 422,
      },
      {
        name: 'POST /account/login password',
        limit: 128,
        field: 'password',
        send: (password: string) => app.http().post('/api/v1/account/login').send({ email: shopper.email, password }),
        atLimit: 401,
      },
    ];
    for (const { name, limit, field, send, atLimit } of fields) {
      it(`${name}: passes at ${limit}, and is told "at most ${limit}" at ${limit + 1}, 10,001 and ${HUGE.toLocaleString('en')} characters`, async () => {
        const at = await send('x'.repeat(limit));
        expect(at.status, JSON.stringify(at.body)).to.equal(atLimit);
        for (const length of [limit + 1, 10_001, HUGE]) {
          await refused(() => send('x'.repeat(length)), [{ field, message: `must be at most ${limit} characters` }]);
        }
      });
    }
  });

  describe('a body that is JSON but no object', () => {
    const writes: Array<[string, () => supertest.Test]> = [
      ['POST /account/register', () => app.http().post('/api/v1/account/register')],
      ['POST /cart/items', () => as(shopper.token).post('/api/v1/cart/items')],
      ['POST /orders/:id/cancel (reads no body)', () => as(shopper.token).post('/api/v1/orders/3f2b8c4e-9a7d-4e1f-8b6a-0c5d2e7f9a1b/cancel')],
      ['POST /shipments/:id/dispatch (body optional)', () => as(admin).post('/api/v1/shipments/3f2b8c4e-9a7d-4e1f-8b6a-0c5d2e7f9a1b/dispatch')],
    ];
    for (const [route, request] of writes) {
      it(`${route}: null, a number, a string and true are refused as [] is (400 validation-failed), appending nothing`, async () => {
        const array = await refused(() => raw(request(), '[]'));
        expect(array.body.errors).to.have.length(1);
        for (const text of ['null', '123', '"x"', 'true', ' null ']) {
          const res = await refused(() => raw(request(), text), array.body.errors);
          expect(res.body, text).to.deep.equal(array.body);
        }
      });
    }

    it('a body that is not JSON at all is still malformed JSON (400 malformed-json), appending nothing', async () => {
      for (const text of ['{"email":', 'nul', "'x'", '{"a":1,}', '   ', '[] []']) {
        const res = await appendsNothing(app, () => raw(app.http().post('/api/v1/account/register'), text));
        expectProblem(res, 400);
        expect(res.body, text).to.deep.include({ type: 'urn:shop:problem:malformed-json', detail: 'The request body is not valid JSON.' });
      }
    });
  });
});
