import { expect } from 'chai';
import { appendsNothing, expectProblem, type TestApp } from '../support/test-app.js';
import { startAccountsApp } from './accounts-fixture.js';

/** The signed-in customer's saved addresses over HTTP: adding (once), the fields refused, If-Match, removing under the limit of 20. */

describe('HTTP accounts', () => {
  let app: TestApp;
  beforeEach(async () => (app = await startAccountsApp()));
  afterEach(async () => app.close());

  describe('the signed-in customer', () => {
    it('adds an address (201) that the profile then shows, and the same address twice only once (200 the second time; 201 for a repeat under the first one\'s Idempotency-Key)', async () => {
      const { token } = await app.customer();
      const address = { line1: '1 Main St', city: 'Springfield', postalCode: '12345', country: 'US' };
      const added = await app.http().post('/api/v1/account/me/addresses').set('Authorization', `Bearer ${token}`).send(address);
      expect(added.status).to.equal(201);
      expect(added.body).to.include({ line1: '1 Main St', country: 'US' });
      expect(added.headers.etag).to.equal('"1"');
      const again = await appendsNothing(app, () =>
        app.http().post('/api/v1/account/me/addresses').set('Authorization', `Bearer ${token}`).send(address),
      );
      expect(again.status).to.equal(200);
      expect(again.body.addressId).to.equal(added.body.addressId);
      // The same but for case and spaces: the one saved, whole.
      const spelled = await appendsNothing(app, () =>
        app.http().post('/api/v1/account/me/addresses').set('Authorization', `Bearer ${token}`).send({ ...address, line1: '1  MAIN st', city: 'springfield' }),
      );
      expect(spelled.status).to.equal(200);
      expect(spelled.body).to.deep.equal(added.body);
      const me = await app.http().get('/api/v1/account/me').set('Authorization', `Bearer ${token}`);
      expect(me.body.addresses).to.have.length(1);
      const keyed = { line1: '2 Elm St', city: 'Springfield', postalCode: '12345', country: 'US' };
      const send = () => app.http().post('/api/v1/account/me/addresses').set('Authorization', `Bearer ${token}`).set('Idempotency-Key', 'addr-key-1').send(keyed);
      const first = await send();
      const repeat = await send();
      expect([first.status, repeat.status]).to.deep.equal([201, 201]);
      expect(repeat.body.addressId).to.equal(first.body.addressId);
    });

    it('rejects an address with a bad country code, or one in lower case or padded (400), appending nothing', async () => {
      const { token } = await app.customer();
      for (const country of ['Narnia', 'us', ' US', 'US ']) {
        const res = await appendsNothing(app, () =>
          app.http().post('/api/v1/account/me/addresses').set('Authorization', `Bearer ${token}`).send({ line1: 'x', city: 'y', postalCode: '1', country }),
        );
        expectProblem(res, 400);
        expect(res.body.errors[0].field, country).to.equal('country');
      }
    });

    it('refuses a postal code that is not one (an emoji, punctuation, too long) and a card number in an address line (400 naming the field, never echoing the number), appending nothing', async () => {
      const { token } = await app.customer();
      const base = { line1: '1 Main St', city: 'Springfield', postalCode: '12345', country: 'US' };
      const send = (fields: Partial<typeof base>) => app.http().post('/api/v1/account/me/addresses').set('Authorization', `Bearer ${token}`).send({ ...base, ...fields });
      for (const postalCode of ['📦', '123#45', '-12345', '12345-', '12345678901', '411111111111', '1----2', '12  34', 'SW1Y_4JH']) {
        const res = await appendsNothing(app, () => send({ postalCode }));
        expectProblem(res, 400);
        expect(res.body.errors.map((e: { field: string }) => e.field), postalCode).to.deep.equal(['postalCode']);
      }
      for (const fields of [{ line1: 'Card 4111 1111 1111 1111' }, { city: '4111-1111-1111-1111' }, { line1: '4111a1111b1111c1111' }]) {
        const res = await appendsNothing(app, () => send(fields));
        expectProblem(res, 400);
        expect(res.body.errors[0].message).to.match(/card number/);
        expect(JSON.stringify(res.body)).to.not.include('1111');
      }
      for (const postalCode of ['SW1Y 4JH', 'K1A 0B1', '100-0001', '12345-6789', '1010']) {
        expect((await send({ postalCode, line1: `${postalCode} house` })).status, postalCode).to.equal(201);
      }
    });

    it('refuses a stale If-Match on an address (412), appending nothing', async () => {
      const { token } = await app.customer();
      const res = await appendsNothing(app, () =>
        app
          .http()
          .post('/api/v1/account/me/addresses')
          .set('Authorization', `Bearer ${token}`)
          .set('If-Match', '"7"')
          .send({ line1: '1 Main St', city: 'Springfield', postalCode: '12345', country: 'US' }),
      );
      expectProblem(res, 412);
      expect(res.headers.etag).to.equal('"0"');
    });

    it('removes a saved address (200), which frees a place under the limit of 20 (422 past it); an address it does not have is 404, a stale If-Match 412, appending nothing', async () => {
      const { token } = await app.customer();
      const as = (req: ReturnType<ReturnType<TestApp['http']>['post']>) => req.set('Authorization', `Bearer ${token}`);
      const address = (i: number) => ({ line1: `${i} Main St`, city: 'Springfield', postalCode: '12345', country: 'US' });
      const ids: string[] = [];
      for (let i = 0; i < 20; i += 1) ids.push((await as(app.http().post('/api/v1/account/me/addresses')).send(address(i))).body.addressId);
      const full = await appendsNothing(app, () => as(app.http().post('/api/v1/account/me/addresses')).send(address(20)));
      expectProblem(full, 422);
      expectProblem(await appendsNothing(app, () => as(app.http().delete(`/api/v1/account/me/addresses/${ids[3]}`)).set('If-Match', '"7"')), 412);
      const removed = await as(app.http().delete(`/api/v1/account/me/addresses/${ids[3]}`));
      expect(removed.status, JSON.stringify(removed.body)).to.equal(200);
      expect(removed.body).to.deep.equal({ addressId: ids[3], removed: true });
      expect(removed.headers.etag).to.equal('"21"');
      const me = await as(app.http().get('/api/v1/account/me'));
      expect(me.body.addresses.map((a: { addressId: string }) => a.addressId)).to.deep.equal(ids.filter((id) => id !== ids[3]));
      expectProblem(await appendsNothing(app, () => as(app.http().delete(`/api/v1/account/me/addresses/${ids[3]}`))), 404);
      expect((await as(app.http().post('/api/v1/account/me/addresses')).send(address(20))).status, 'a place is free again').to.equal(201);
      const other = await app.customer('Other');
      expectProblem(await appendsNothing(app, () => app.http().delete(`/api/v1/account/me/addresses/${ids[4]}`).set('Authorization', `Bearer ${other.token}`)), 404);
    });
  });
});
