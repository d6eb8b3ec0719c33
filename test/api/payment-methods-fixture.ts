import { expect } from 'chai';
import type supertest from 'supertest';
import type { Shopper } from '../support/shop.js';
import type { TestApp } from '../support/test-app.js';

/**
 * The calls the saved payment methods' tests make (payment-methods.test.ts, its saving;
 * payment-methods-wallet.test.ts, the rest), on the app and shopper each test started.
 */
export const walletCalls = (current: () => { app: TestApp; shopper: Shopper }) => {
  const as = (who: Shopper) => ({ Authorization: `Bearer ${who.token}` });
  const save = (body: unknown, who = current().shopper) => current().app.http().post('/api/v1/account/me/payment-methods').set(as(who)).send(body as object);
  const list = async (who = current().shopper) => {
    await current().app.settled();
    const res = await current().app.http().get('/api/v1/account/me/payment-methods').set(as(who));
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    return res.body.items as Array<Record<string, unknown>>;
  };
  const remove = (id: string, who = current().shopper) => current().app.http().delete(`/api/v1/account/me/payment-methods/${id}`).set(as(who));
  const makeDefault = (id: string, who = current().shopper) => current().app.http().post(`/api/v1/account/me/payment-methods/${id}/default`).set(as(who));
  /** What a request appended: the events carrying its request id. */
  const appendedBy = async (res: supertest.Response) =>
    (await current().app.events()).filter((e) => e.metadata.correlationId === res.headers['x-request-id']).map((e) => e.type);
  const saved = async (token: string, label?: string) => {
    const res = await save(label === undefined ? { token } : { token, label });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    return res.body.paymentMethodId as string;
  };
  return { as, save, list, remove, makeDefault, appendedBy, saved };
};
