import { expect } from 'chai';
import { subscriptionsProjection, type SubscriptionView } from '../../src/projections/subscriptions/subscriptions.js';
import { recorded } from './projection-fixture.js';

const SUB = 'sub-1';
const ADDRESS = { line1: '1 Main St', city: 'Springfield', postalCode: '12345', country: 'US' };
const event = (type: string, data: Record<string, unknown>, revision: number) =>
  recorded(type, { subscriptionId: SUB, customerId: 'c-1', ...data }, { revision, occurredAt: `2025-01-0${revision + 1}T00:00:00.000Z` });

const created = event('SubscriptionCreated', { items: [{ productId: 'p-1', quantity: 1 }], intervalDays: 7, shippingAddress: ADDRESS, paymentMethodId: 'pm-1', nextRenewal: 1, nextRenewalAt: '2025-01-08T00:00:00.000Z', createdAt: '2025-01-01T00:00:00.000Z' }, 0);
const renewed = event('SubscriptionRenewed', { renewal: 1, attempt: 1, orderId: 'o-1', nextRenewal: 2, nextRenewalAt: '2025-01-15T00:00:00.000Z', renewedAt: '2025-01-08T00:00:00.000Z' }, 1);
const failed = event('SubscriptionRenewalFailed', { renewal: 1, attempt: 1, orderId: 'o-1', reason: 'payment-declined', retryAt: '2025-01-09T00:00:00.000Z', failedAt: '2025-01-08T00:01:00.000Z', nextRenewal: 2, nextRenewalAt: '2025-01-15T00:00:00.000Z' }, 2);
const paused = event('SubscriptionPaused', { pausedAt: '2025-01-10T00:00:00.000Z' }, 3);
const resumed = event('SubscriptionResumed', { nextRenewal: 2, nextRenewalAt: '2025-01-15T00:00:00.000Z', resumedAt: '2025-01-11T00:00:00.000Z' }, 4);

const fold = (events: ReturnType<typeof event>[]) => events.reduce<SubscriptionView | null>((doc, e) => subscriptionsProjection.evolve(doc, e), null)!;

describe('The subscriptions read model', () => {
  it('keeps every try of a renewal, with its order and why it failed', () => {
    const doc = fold([created, renewed, failed]);
    expect(doc.renewals).to.deep.equal([
      { renewal: 1, attempt: 1, orderId: 'o-1', at: '2025-01-08T00:00:00.000Z', failureReason: 'payment-declined', retryAt: '2025-01-09T00:00:00.000Z' },
    ]);
    expect(doc).to.include({ status: 'Active', nextRenewalAt: '2025-01-15T00:00:00.000Z', revision: 2 });
  });

  it('shows no next renewal while paused, and the same one again once resumed', () => {
    expect(fold([created, renewed, paused])).to.include({ status: 'Paused', nextRenewalAt: null });
    expect(fold([created, renewed, paused, resumed])).to.include({ status: 'Active', nextRenewalAt: '2025-01-15T00:00:00.000Z' });
  });

  it('changes nothing when the same event is applied twice', () => {
    for (const e of [renewed, failed]) {
      const once = fold([created, renewed, failed].slice(0, [renewed, failed].indexOf(e) + 2));
      expect(subscriptionsProjection.evolve(once, e)).to.deep.equal(once);
    }
  });
});
