import { subscriptionDecider, type SubscriptionEvent } from '../../src/domain/subscriptions/subscription.js';
import { specFor } from '../support/given-when-then.js';

/**
 * What the subscription decider's tests share: its given/when/then, the clock (a "day" of 1000 ms from T0)
 * and one subscription as created. Its life (creating, pausing, resuming, skipping, changing, cancelling):
 * subscription.test.ts; its renewals and their failures: subscription-renewals.test.ts.
 */
export const { given } = specFor(subscriptionDecider);

export const DAY = 1000;
export const T0 = '2025-01-01T00:00:00.000Z';
export const at = (ms: number) => new Date(Date.parse(T0) + ms).toISOString();
const SUB = 'sub-1';
const CUSTOMER = 'cust-1';
export const ADDRESS = { line1: '1 Main St', city: 'Springfield', postalCode: '12345', country: 'US' };
export const ITEMS = [{ productId: 'p-1', quantity: 2 }];
export const ids = { subscriptionId: SUB, customerId: CUSTOMER };

export const created = (intervalDays = 7): SubscriptionEvent => ({
  type: 'SubscriptionCreated',
  data: { ...ids, items: ITEMS, intervalDays, shippingAddress: ADDRESS, paymentMethodId: 'pm-1', nextRenewal: 1, nextRenewalAt: at(intervalDays * DAY), createdAt: T0 },
});
