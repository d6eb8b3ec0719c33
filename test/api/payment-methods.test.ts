import { expect } from 'chai';
import { IDEMPOTENCY_COLLECTION } from '../../src/api/idempotency.js';
import type { Shopper } from '../support/shop.js';
import { appendsNothing, expectProblem, startTestApp, type TestApp, type TestAppOptions } from '../support/test-app.js';
import { walletCalls } from './payment-methods-fixture.js';

/**
 * Saved payment methods end to end (issue 16, part 4): saving a provider token (never a card
 * number), on the embedded stores, with the log showing what was appended and what was not.
 * Listing, removing and choosing the default: payment-methods-wallet.test.ts.
 */

const CARD_NUMBERS = ['4242424242424242', '4242 4242 4242 4242', '4242-4242-4242-4242', '378282246310005', '1234567890123', ' 5555 5555 5555 4444 '];

describe('HTTP saved payment methods', () => {
  let app: TestApp;
  let shopper: Shopper;
  const start = async (options: TestAppOptions = {}) => {
    app = await startTestApp(options);
    shopper = await app.customer();
  };
  beforeEach(() => start());
  afterEach(async () => app.close());
  const { save, list, appendedBy, saved } = walletCalls(() => ({ app, shopper }));

  describe('saving', () => {
    it('answers 201 with the brand and last four digits the provider reports, the first one the default; PaymentMethodSaved keeps the token on the wallet stream', async () => {
      const res = await save({ token: 'tok_visa', label: '  Work card ' });
      expect(res.status, JSON.stringify(res.body)).to.equal(201);
      expect(res.body).to.deep.equal({ paymentMethodId: res.body.paymentMethodId, brand: 'visa', last4: '4242', label: 'Work card', isDefault: true });
      expect(res.headers.location).to.equal(`/api/v1/account/me/payment-methods/${res.body.paymentMethodId}`);
      expect(res.headers.etag).to.equal('"0"');
      expect(await appendedBy(res)).to.deep.equal(['PaymentMethodSaved']);
      const event = (await app.events()).find((e) => e.type === 'PaymentMethodSaved')!;
      expect(event.streamName).to.equal(`wallet-${shopper.customerId}`);
      expect(event.data).to.include({ customerId: shopper.customerId, token: 'tok_visa', brand: 'visa', last4: '4242', label: 'Work card', isDefault: true });
      expect(event.metadata).to.include({ actor: `customer:${shopper.customerId}` });
    });

    it('saves a second one, not the default, and lists both, oldest first, without their tokens', async () => {
      const visa = await saved('tok_visa');
      const res = await save({ token: 'tok_mastercard' });
      expect(res.body).to.include({ brand: 'mastercard', last4: '4444', label: null, isDefault: false });
      expect(res.headers.etag).to.equal('"1"');
      const items = await list();
      expect(items).to.deep.equal([
        { paymentMethodId: visa, brand: 'visa', last4: '4242', label: null, isDefault: true },
        { paymentMethodId: res.body.paymentMethodId, brand: 'mastercard', last4: '4444', label: null, isDefault: false },
      ]);
      expect(JSON.stringify(items)).to.not.include('tok_');
    });

    it('answers 200 with the method saved already for the same token, appending nothing', async () => {
      const visa = await saved('tok_visa');
      const again = await appendsNothing(app, () => save({ token: 'tok_visa', label: 'Other' }));
      expect(again.status).to.equal(200);
      expect(again.body).to.include({ paymentMethodId: visa, isDefault: true });
    });

    for (const [index, value] of CARD_NUMBERS.entries()) {
      it(`refuses a card number as a token (400 naming the problem, never echoing it), appending nothing: "${value}"`, async () => {
        const res = await appendsNothing(app, () => save({ token: value, label: 'Mine' }).set('Idempotency-Key', `card-${index}`));
        expectProblem(res, 400);
        expect(res.body.errors).to.deep.equal([{ field: 'token', message: "looks like a card number: send the payment provider's token for the card, never the card number" }]);
        const digits = value.replace(/\D/g, '');
        const answer = JSON.stringify(res.body) + JSON.stringify(res.headers);
        for (const echo of [value.trim(), digits, digits.slice(-4) + '"', digits.slice(0, 6)]) expect(answer).to.not.include(echo);
        // Nor kept anywhere: the answer to the key is not stored (a 400 never is), no read model holds it.
        expect(JSON.stringify(await app.store.collection('idempotency_keys').find({}))).to.not.include(digits);
        expect(await list()).to.deep.equal([]);
      });
    }

    for (const label of [
      '4111 1111 1111 1111', 'Visa 4111-1111-1111-1111', 'card 411111111111', '4111.1111.1111.1111', '4111/1111_1111,1111',
      '4111\u00a01111\u20091111\u200b1111', '\uff14\uff11\uff11\uff11 1111 1111 1111', '\u0664\u0661\u0661\u0661 1111 1111 1111', '4111\u00ad1111\u20601111 1111', 'Visa 4111a1111b1111c1111',
    ]) {
      it(`refuses a card number in the label (400, never echoing it), appending nothing: "${label}"`, async () => {
        const res = await appendsNothing(app, () => save({ token: 'tok_visa', label }));
        expectProblem(res, 400);
        expect(res.body.errors).to.deep.equal([{ field: 'label', message: 'holds what looks like a card number (12 or more digits): name the card without its number' }]);
        expect(JSON.stringify(res.body)).to.not.include('1111');
        expect(await list()).to.deep.equal([]);
      });
    }

    it('takes a label with a few digits in it (a year, the last four)', async () => {
      const res = await save({ token: 'tok_visa', label: 'Visa 4242, since 2024' });
      expect(res.status, JSON.stringify(res.body)).to.equal(201);
      expect(res.body.label).to.equal('Visa 4242, since 2024');
    });

    it('refuses a token the provider does not know, and a card it refuses (422), appending nothing', async () => {
      const unknown = await appendsNothing(app, () => save({ token: 'tok_unknown' }));
      expectProblem(unknown, 422);
      expect(unknown.body.detail).to.equal('the payment provider does not know this token');
      const declined = await appendsNothing(app, () => save({ token: 'tok_declined' }));
      expectProblem(declined, 422);
      expect(declined.body.detail).to.equal('the payment provider refuses this card');
    });

    for (const [what, body, field] of [
      ['without a token', { label: 'x' }, 'token'],
      ['with a blank token', { token: '   ' }, 'token'],
      ['with a token that is no string', { token: 4242 }, 'token'],
      ['with a label holding a control character', { token: 'tok_visa', label: 'a\u0000b' }, 'label'],
      ['with a label too long', { token: 'tok_visa', label: 'x'.repeat(51) }, 'label'],
      ['with a blank label', { token: 'tok_visa', label: ' \u200b ' }, 'label'],
      ['with an unknown field', { token: 'tok_visa', number: '4242' }, 'number'],
    ] as const) {
      it(`refuses a body ${what} (400 naming ${field}), appending nothing`, async () => {
        const res = await appendsNothing(app, () => save(body));
        expectProblem(res, 400);
        expect(res.body.errors.map((e: { field: string }) => e.field)).to.include(field);
      });
    }

    it('is for signed-in customers: 401 without a token, appending nothing', async () =>
      expectProblem(await appendsNothing(app, () => app.http().post('/api/v1/account/me/payment-methods').send({ token: 'tok_visa' })), 401));

    it('keeps at most 20 methods: the 21st is 422 and appends nothing', async () => {
      await app.close();
      // A provider that knows many cards (the simulated one knows four).
      await start({ provider: (simulated) => Object.assign(Object.create(simulated) as object, { describeToken: async (token: string) => ({ outcome: 'valid' as const, brand: 'visa', last4: token.slice(-4).padStart(4, '0') }) }) as typeof simulated });
      for (let i = 0; i < 20; i += 1) await saved(`tok_card_${String(i).padStart(4, '0')}`);
      const res = await appendsNothing(app, () => save({ token: 'tok_card_0020' }));
      expectProblem(res, 422);
      expect(res.body.detail).to.match(/at most 20 payment methods/);
      expect(await list()).to.have.length(20);
    });

    it('answers 503 with Retry-After when the provider fails to describe the token, appending nothing; the retry with the same key saves', async () => {
      await app.close();
      let down = true;
      await start({
        provider: (simulated) =>
          Object.assign(Object.create(simulated) as object, {
            describeToken: async (token: string) => {
              if (down) throw new Error('connect ECONNREFUSED');
              return simulated.describeToken(token);
            },
          }) as typeof simulated,
      });
      const res = await appendsNothing(app, () => save({ token: 'tok_visa' }).set('Idempotency-Key', 'save-while-down'));
      expectProblem(res, 503);
      expect(res.headers['retry-after']).to.equal('5');
      expect(res.body.detail).to.match(/payment provider did not answer/);
      down = false;
      const retried = await save({ token: 'tok_visa' }).set('Idempotency-Key', 'save-while-down');
      expect(retried.status, JSON.stringify(retried.body)).to.equal(201);
      expect(await appendedBy(retried)).to.deep.equal(['PaymentMethodSaved']);
    });

    it('answers a repeated Idempotency-Key with the first answer, appending nothing', async () => {
      const first = await save({ token: 'tok_visa' }).set('Idempotency-Key', 'save-visa-1');
      expect(first.status).to.equal(201);
      const again = await appendsNothing(app, () => save({ token: 'tok_visa' }).set('Idempotency-Key', 'save-visa-1'));
      expect(again.status).to.equal(201);
      expect(again.headers['idempotent-replayed']).to.equal('true');
      expect(again.body).to.deep.equal(first.body);
    });

    it('saves once when a keyed request is sent again after its answer was lost (a crash before it was stored): same method, 201, nothing appended', async () => {
      const first = await save({ token: 'tok_visa', label: 'Home' }).set('Idempotency-Key', 'save-visa-2');
      await saved('tok_mastercard');
      await app.deps.readModels.collection(IDEMPOTENCY_COLLECTION).deleteMany({});
      const again = await appendsNothing(app, () => save({ token: 'tok_visa', label: 'Home' }).set('Idempotency-Key', 'save-visa-2'));
      expect(again.status).to.equal(201);
      expect(again.body).to.deep.equal(first.body);
      expect((await app.events()).filter((e) => e.type === 'PaymentMethodSaved')).to.have.length(2);
    });

    it('honours If-Match on the wallet: a stale revision is 412 and appends nothing', async () => {
      await saved('tok_visa');
      const stale = await appendsNothing(app, () => save({ token: 'tok_mastercard' }).set('If-Match', '"3"'));
      expectProblem(stale, 412);
      expect(stale.headers.etag).to.equal('"0"');
      expect((await save({ token: 'tok_mastercard' }).set('If-Match', '"0"')).status).to.equal(201);
    });
  });
});
