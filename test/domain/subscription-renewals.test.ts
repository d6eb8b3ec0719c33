import type { RenewSubscription, SubscriptionEvent } from '../../src/domain/subscriptions/subscription.js';
import { ADDRESS, DAY, ITEMS, T0, at, created, given, ids } from './subscription-fixtures.js';

/** A subscription's renewals: each falling due, and its order failing (retries, past due). Its life otherwise: subscription.test.ts. */

const LINES = [{ productId: 'p-1', sku: 'TEA-1', name: 'Tea', quantity: 2, unitPrice: { amount: 900, currency: 'USD' } }];
const METHOD = { token: 'tok_visa', paymentMethodId: 'pm-1' };
const ORDER = { orderId: 'o-1', paymentId: 'pay-1', shipmentId: 'ship-1' };

const renew = (fields: Partial<RenewSubscription> = {}): RenewSubscription => ({
  type: 'RenewSubscription', renewal: 1, attempt: 1, dueAt: at(7 * DAY), order: ORDER, lines: LINES, paymentMethod: METHOD, now: at(7 * DAY), dayMs: DAY, ...fields,
});
const renewed = (renewal = 1, attempt = 1, now = at(7 * DAY), next = { nextRenewal: 2, nextRenewalAt: at(14 * DAY) }): SubscriptionEvent => ({
  type: 'SubscriptionRenewed',
  data: { ...ids, renewal, attempt, ...ORDER, lines: LINES, shippingAddress: ADDRESS, paymentMethod: METHOD, ...next, renewedAt: now },
});
const failed = (attempt: number, now: string, retryAt: string | null): SubscriptionEvent => ({
  type: 'SubscriptionRenewalFailed',
  data: { ...ids, renewal: 1, attempt, orderId: 'o-1', reason: 'payment-declined', retryAt, failedAt: now, nextRenewal: 2, nextRenewalAt: at(14 * DAY) },
});
const failure = (attempt: number, now: string) => ({ type: 'RecordRenewalFailure' as const, renewal: 1, attempt, orderId: 'o-1', reason: 'payment-declined' as const, now, dayMs: DAY });

describe('Subscription', () => {
  describe('when a renewal falls due', () => {
    it('renews, naming its order and the next renewal an interval on', () => given([created()]).when(renew()).then([renewed()]));
    it('decides nothing for a job run again', () => given([created(), renewed()]).when(renew()).then([]));
    it('decides nothing for a job of a moved renewal', () => given([created()]).when(renew({ dueAt: at(6 * DAY) })).then([]));
    it('after an outage longer than an interval, schedules the next an interval from now (one order, not one per period)', () =>
      given([created()]).when(renew({ now: at(30 * DAY) })).then([renewed(1, 1, at(30 * DAY), { nextRenewal: 2, nextRenewalAt: at(37 * DAY) })]));
    it('fails without an order when no product is sold any more, and retries a day later', () =>
      given([created()]).when(renew({ lines: [] })).then([
        { type: 'SubscriptionRenewalFailed', data: { ...ids, renewal: 1, attempt: 1, orderId: null, reason: 'products-unavailable', retryAt: at(8 * DAY), failedAt: at(7 * DAY), nextRenewal: 2, nextRenewalAt: at(14 * DAY) } },
      ]));
    it('fails without an order when the payment method was removed', () =>
      given([created()]).when(renew({ paymentMethod: null })).then([
        { type: 'SubscriptionRenewalFailed', data: { ...ids, renewal: 1, attempt: 1, orderId: null, reason: 'payment-method-removed', retryAt: at(8 * DAY), failedAt: at(7 * DAY), nextRenewal: 2, nextRenewalAt: at(14 * DAY) } },
      ]));
    it('fails without an order when the catalog has less of an item than it wants (nothing charged, nothing refunded), and retries a day later', () =>
      given([created()]).when(renew({ outOfStock: true })).then([
        { type: 'SubscriptionRenewalFailed', data: { ...ids, renewal: 1, attempt: 1, orderId: null, reason: 'out-of-stock', retryAt: at(8 * DAY), failedAt: at(7 * DAY), nextRenewal: 2, nextRenewalAt: at(14 * DAY) } },
      ]));
    it('decides nothing when paused', () => given([created(), { type: 'SubscriptionPaused', data: { ...ids, pausedAt: T0 } }]).when(renew()).then([]));

    describe('a try that fails before placing its order moves the schedule on', () => {
      const removed = (attempt: number, now: string, retryAt: string | null): SubscriptionEvent => ({
        type: 'SubscriptionRenewalFailed',
        data: { ...ids, renewal: 1, attempt, orderId: null, reason: 'payment-method-removed', retryAt, failedAt: now, nextRenewal: 2, nextRenewalAt: at(14 * DAY) },
      });
      const failedOnce = [created(), removed(1, at(7 * DAY), at(8 * DAY))];
      // Before, the state kept renewal 1 at day 7 as the next: a change named it again (the schedule went
      // backwards), the retry did too, and renewal 2's job, due at day 14, found itself stale: no renewal ever again.
      it('a change made meanwhile (a new card) names renewal 2 at day 14', () =>
        given(failedOnce).when({ type: 'ChangeSubscription', paymentMethodId: 'pm-2', now: at(7 * DAY + 10), dayMs: DAY }).then([
          { type: 'SubscriptionChanged', data: { ...ids, items: ITEMS, intervalDays: 7, shippingAddress: ADDRESS, paymentMethodId: 'pm-2', nextRenewal: 2, nextRenewalAt: at(14 * DAY), changedAt: at(7 * DAY + 10) } },
        ]));
      it('the retry renews, naming renewal 2 at day 14 as the next', () =>
        given(failedOnce).when(renew({ attempt: 2, dueAt: at(8 * DAY), now: at(8 * DAY) })).then([renewed(1, 2, at(8 * DAY))]));
      it("renewal 2's job, due at day 14, is not stale", () =>
        given([...failedOnce, renewed(1, 2, at(8 * DAY))]).when(renew({ renewal: 2, dueAt: at(14 * DAY), now: at(14 * DAY) })).then([
          renewed(2, 1, at(14 * DAY), { nextRenewal: 3, nextRenewalAt: at(21 * DAY) }),
        ]));
      it('past due after three such tries, it resumes at once with renewal 2, which no try has used', () => {
        const pastDue: SubscriptionEvent = { type: 'SubscriptionPastDue', data: { ...ids, renewal: 1, reason: 'payment-method-removed', pastDueAt: at(9 * DAY) } };
        const history = [...failedOnce, removed(2, at(8 * DAY), at(9 * DAY)), removed(3, at(9 * DAY), null), pastDue];
        given(history).when({ type: 'ResumeSubscription', now: at(10 * DAY), dayMs: DAY }).then([
          { type: 'SubscriptionResumed', data: { ...ids, nextRenewal: 2, nextRenewalAt: at(10 * DAY), resumedAt: at(10 * DAY) } },
        ]);
        const resumed: SubscriptionEvent = { type: 'SubscriptionResumed', data: { ...ids, nextRenewal: 2, nextRenewalAt: at(10 * DAY), resumedAt: at(10 * DAY) } };
        given([...history, resumed]).when(renew({ renewal: 2, dueAt: at(10 * DAY), now: at(10 * DAY) })).then([
          renewed(2, 1, at(10 * DAY), { nextRenewal: 3, nextRenewalAt: at(17 * DAY) }),
        ]);
      });
    });
  });

  describe('when a renewal order fails', () => {
    it('retries a day later', () => given([created(), renewed()]).when(failure(1, at(7 * DAY))).then([failed(1, at(7 * DAY), at(8 * DAY))]));
    it('records a failure once', () => given([created(), renewed(), failed(1, at(7 * DAY), at(8 * DAY))]).when(failure(1, at(7 * DAY))).then([]));
    it('places the retry when it falls due', () =>
      given([created(), renewed(), failed(1, at(7 * DAY), at(8 * DAY))]).when(renew({ attempt: 2, dueAt: at(8 * DAY), now: at(8 * DAY) })).then([
        renewed(1, 2, at(8 * DAY)),
      ]));
    it('is past due after the third try', () =>
      given([created(), renewed(), failed(1, at(7 * DAY), at(8 * DAY)), renewed(1, 2, at(8 * DAY)), failed(2, at(8 * DAY), at(9 * DAY)), renewed(1, 3, at(9 * DAY))])
        .when(failure(3, at(9 * DAY)))
        .then([failed(3, at(9 * DAY), null), { type: 'SubscriptionPastDue', data: { ...ids, renewal: 1, reason: 'payment-declined', pastDueAt: at(9 * DAY) } }]));
    it("records the failure of a renewal the next one overtook, without a retry", () =>
      given([created(), renewed(), renewed(2, 1, at(14 * DAY), { nextRenewal: 3, nextRenewalAt: at(21 * DAY) })]).when(failure(1, at(15 * DAY))).then([
        { type: 'SubscriptionRenewalFailed', data: { ...ids, renewal: 1, attempt: 1, orderId: 'o-1', reason: 'payment-declined', retryAt: null, failedAt: at(15 * DAY), nextRenewal: 3, nextRenewalAt: at(21 * DAY) } },
      ]));
    it('is past due when the last try of an overtaken renewal fails', () => {
      const history = [created(), renewed(), failed(1, at(7 * DAY), at(8 * DAY)), renewed(1, 2, at(8 * DAY)), failed(2, at(8 * DAY), at(9 * DAY)), renewed(1, 3, at(9 * DAY)), renewed(2, 1, at(14 * DAY), { nextRenewal: 3, nextRenewalAt: at(21 * DAY) })];
      given(history).when(failure(3, at(15 * DAY))).then([
        { type: 'SubscriptionRenewalFailed', data: { ...ids, renewal: 1, attempt: 3, orderId: 'o-1', reason: 'payment-declined', retryAt: null, failedAt: at(15 * DAY), nextRenewal: 3, nextRenewalAt: at(21 * DAY) } },
        { type: 'SubscriptionPastDue', data: { ...ids, renewal: 1, reason: 'payment-declined', pastDueAt: at(15 * DAY) } },
      ]);
    });
    it('goes past due after three tries in a row when renewing daily: a regular renewal that falls due with the retry carries on its count', () => {
      // A day's interval: each failed try's retry falls due a moment after the next regular renewal.
      const renewedDaily = (renewal: number, attempt: number): SubscriptionEvent => ({
        type: 'SubscriptionRenewed',
        data: { ...ids, renewal, attempt, ...ORDER, lines: LINES, shippingAddress: ADDRESS, paymentMethod: METHOD, nextRenewal: renewal + 1, nextRenewalAt: at((renewal + 1) * DAY), renewedAt: at(renewal * DAY) },
      });
      const failedDaily = (renewal: number, attempt: number, retry: boolean): SubscriptionEvent => ({
        type: 'SubscriptionRenewalFailed',
        data: { ...ids, renewal, attempt, orderId: 'o-1', reason: 'payment-declined', retryAt: retry ? at((renewal + 1) * DAY + 100) : null, failedAt: at(renewal * DAY + 100), nextRenewal: renewal + 1, nextRenewalAt: at((renewal + 1) * DAY) },
      });
      const regular = (renewal: number) => renew({ renewal, attempt: 1, dueAt: at(renewal * DAY), now: at(renewal * DAY) });
      const orderFailed = (renewal: number, attempt: number) => ({ ...failure(attempt, at(renewal * DAY + 100)), renewal });

      const first = [created(1), renewedDaily(1, 1), failedDaily(1, 1, true)];
      given(first).when(regular(2)).then([renewedDaily(2, 2)]);
      // The retry of the first renewal, due a moment later, is stale: the second renewal took its place.
      given([...first, renewedDaily(2, 2)]).when(renew({ renewal: 1, attempt: 2, dueAt: at(2 * DAY + 100), now: at(2 * DAY + 100) })).then([]);
      given([...first, renewedDaily(2, 2)]).when(orderFailed(2, 2)).then([failedDaily(2, 2, true)]);
      const second = [...first, renewedDaily(2, 2), failedDaily(2, 2, true)];
      given(second).when(regular(3)).then([renewedDaily(3, 3)]);
      given([...second, renewedDaily(3, 3)]).when(orderFailed(3, 3)).then([failedDaily(3, 3, false), { type: 'SubscriptionPastDue', data: { ...ids, renewal: 3, reason: 'payment-declined', pastDueAt: at(3 * DAY + 100) } }]);
    });

    it('starts the count again when the renewal before it was not retried (its order did not fail)', () =>
      given([created(1), { ...renewed(1, 1, at(DAY)), data: { ...renewed(1, 1, at(DAY)).data, nextRenewal: 2, nextRenewalAt: at(2 * DAY) } } as SubscriptionEvent])
        .when(renew({ renewal: 2, attempt: 1, dueAt: at(2 * DAY), now: at(2 * DAY) }))
        .then([{ ...renewed(2, 1, at(2 * DAY)), data: { ...renewed(2, 1, at(2 * DAY)).data, nextRenewal: 3, nextRenewalAt: at(3 * DAY) } } as SubscriptionEvent]));

    it('ignores the failure of a try never placed', () => given([created(), renewed()]).when(failure(2, at(8 * DAY))).then([]));
    it('records nothing, and retries nothing, once cancelled', () =>
      given([created(), renewed(), { type: 'SubscriptionCancelled', data: { ...ids, previousStatus: 'Active', cancelledBy: 'c', cancelledAt: T0 } }]).when(failure(1, at(7 * DAY))).then([]));
  });
});
