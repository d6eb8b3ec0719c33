import { expect } from 'chai';
import { react, subscriptionsManager } from '../../src/processes/subscriptions.js';
import { recorded } from '../projections/projection-fixture.js';

const DAY = 1000;
const SUB = 'sub-1';
const AT = '2025-01-08T00:00:00.000Z';
const NEXT = '2025-01-15T00:00:00.000Z';
const LINES = [{ productId: 'p-1', sku: 'TEA-1', name: 'Tea', quantity: 2, unitPrice: { amount: 900, currency: 'USD' } }];
const ADDRESS = { line1: '1 Main St', city: 'Springfield', postalCode: '12345', country: 'US' };
const event = (type: string, data: Record<string, unknown>) => recorded(type, { subscriptionId: SUB, customerId: 'c-1', ...data }, { occurredAt: AT, streamName: `subscription-${SUB}` });
const job = (renewal: number, attempt: number, dueAt: string) => ({
  id: `renew-subscription:${SUB}:${renewal}:${attempt}@${dueAt}`,
  kind: 'renew-subscription',
  runAt: dueAt,
  payload: { subscriptionId: SUB, renewal, attempt, dueAt },
});

describe('The subscriptions process manager', () => {
  for (const type of ['SubscriptionCreated', 'SubscriptionChanged', 'SubscriptionResumed', 'SubscriptionRenewalSkipped']) {
    it(`schedules the next renewal's job on ${type}`, () =>
      expect(react({}, event(type, { nextRenewal: 3, nextRenewalAt: NEXT }), DAY)).to.deep.equal({ state: {}, commands: [], jobs: [job(3, 1, NEXT)] }));
  }

  it('places the order of a renewal through the order saga, and schedules the next renewal', () => {
    const renewed = event('SubscriptionRenewed', {
      renewal: 2, attempt: 1, orderId: 'o-1', paymentId: 'pay-1', shipmentId: 'ship-1', lines: LINES, shippingAddress: ADDRESS,
      paymentMethod: { token: 'tok_visa', paymentMethodId: 'pm-1' }, nextRenewal: 3, nextRenewalAt: NEXT, renewedAt: AT,
    });
    const reaction = react({}, renewed, DAY);
    expect(reaction.jobs).to.deep.equal([job(3, 1, NEXT)]);
    expect(reaction.commands).to.deep.equal([
      {
        aggregate: 'order',
        id: 'o-1',
        command: {
          type: 'CreateOrder', orderId: 'o-1', customerId: 'c-1', paymentId: 'pay-1', shipmentId: 'ship-1', lines: LINES, shippingAddress: ADDRESS,
          paymentMethod: { token: 'tok_visa', paymentMethodId: 'pm-1' }, subscription: { subscriptionId: SUB, renewal: 2, attempt: 1 }, now: AT,
        },
      },
    ]);
  });

  it('schedules the retry of a failed try', () => {
    const failed = event('SubscriptionRenewalFailed', { renewal: 1, attempt: 2, orderId: 'o-2', reason: 'payment-declined', retryAt: NEXT, failedAt: AT, nextRenewal: 2, nextRenewalAt: '2025-02-01T00:00:00.000Z' });
    expect(react({}, failed, DAY).jobs).to.deep.include(job(1, 3, NEXT));
  });

  it('schedules no retry after the last try', () => {
    const failed = event('SubscriptionRenewalFailed', { renewal: 1, attempt: 3, orderId: 'o-3', reason: 'payment-declined', retryAt: null, failedAt: AT, nextRenewal: 2, nextRenewalAt: NEXT });
    expect(react({}, failed, DAY).jobs.map((j) => j.payload.attempt)).to.deep.equal([1]);
  });

  it("tells the subscription of its renewal order's failure", () => {
    const orderFailed = recorded('OrderFailed', { orderId: 'o-1', customerId: 'c-1', reason: 'payment-declined', failedAt: AT, subscription: { subscriptionId: SUB, renewal: 1, attempt: 2 } }, { occurredAt: AT });
    expect(subscriptionsManager(DAY).sagaId(orderFailed)).to.equal(SUB);
    expect(react({}, orderFailed, DAY).commands).to.deep.equal([
      { aggregate: 'subscription', id: SUB, command: { type: 'RecordRenewalFailure', renewal: 1, attempt: 2, orderId: 'o-1', reason: 'payment-declined', now: AT, dayMs: DAY } },
    ]);
  });

  it("ignores a checkout's failed order", () => {
    const orderFailed = recorded('OrderFailed', { orderId: 'o-1', customerId: 'c-1', reason: 'payment-declined', failedAt: AT }, { occurredAt: AT });
    expect(react({}, orderFailed, DAY)).to.deep.equal({ state: {}, commands: [], jobs: [] });
  });

  it('reacts the same to the same event delivered again', () => {
    const created = event('SubscriptionCreated', { nextRenewal: 1, nextRenewalAt: NEXT });
    expect(react({}, created, DAY)).to.deep.equal(react({}, created, DAY));
  });
});
