import { eventsOf } from './shop.js';
import { eventually } from './temp-dir.js';
import type { TestApp } from './test-app.js';

/** What the erasure tests share: the two routes, sign-up and sign-in, and waiting for the erasure process. */

export const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

export const eraseMe = (app: TestApp, token: string, body: unknown = { password: 'correct-horse' }) =>
  app.http().delete('/api/v1/account/me').set(bearer(token)).send(body as object);

export const eraseById = (app: TestApp, token: string, customerId: string) => app.http().post(`/api/v1/admin/customers/${customerId}/erase`).set(bearer(token)).send();

export const ofCustomer = (customerId: string) => (e: { data: Record<string, unknown> }) => e.data.customerId === customerId;

export const register = (app: TestApp, email: string, name = 'Zoe') => app.http().post('/api/v1/account/register').send({ email, password: 'another-horse', name });

export const login = (app: TestApp, email: string, password: string) => app.http().post('/api/v1/account/login').send({ email, password });

/** Waits until the erasure process is done with the customer: the claim released and the job gone. */
export const erasureDone = (app: TestApp, customerId: string) =>
  eventually(async () => {
    const released = await eventsOf(app, 'CustomerEmailReleased', ofCustomer(customerId));
    const pending = await app.store.collection('jobs').countDocuments({ kind: 'erase-customer', 'payload.customerId': customerId });
    return released.length > 0 && pending === 0 ? true : undefined;
  }, 15_000);
