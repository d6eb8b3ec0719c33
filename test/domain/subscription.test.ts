import { ConflictError, IllegalStateError, NotFoundError, ValidationError } from '../../src/domain/shared/errors.js';
import type { SubscriptionEvent } from '../../src/domain/subscriptions/subscription.js';
import { ADDRESS, DAY, ITEMS, T0, at, created, given, ids } from './subscription-fixtures.js';

/** A subscription's life: created, then paused, resumed, skipped, changed, cancelled. Its renewals: subscription-renewals.test.ts. */

describe('Subscription', () => {
  describe('when created', () => {
    it('is active with its first renewal an interval away', () =>
      given([]).when({ type: 'CreateSubscription', ...ids, items: ITEMS, intervalDays: 7, shippingAddress: ADDRESS, paymentMethodId: 'pm-1', now: T0, dayMs: DAY }).then([created()]));
    it('cannot be created twice', () =>
      given([created()]).when({ type: 'CreateSubscription', ...ids, items: ITEMS, intervalDays: 7, shippingAddress: ADDRESS, paymentMethodId: 'pm-1', now: T0, dayMs: DAY }).thenThrows(ConflictError));
    for (const [what, items, intervalDays] of [
      ['no items', [], 7],
      ['a product twice', [...ITEMS, ...ITEMS], 7],
      ['a quantity of 0', [{ productId: 'p-1', quantity: 0 }], 7],
      ['an interval of 0 days', ITEMS, 0],
      ['an interval over a year', ITEMS, 366],
    ] as const) {
      it(`refuses ${what}`, () =>
        given([]).when({ type: 'CreateSubscription', ...ids, items: [...items], intervalDays, shippingAddress: ADDRESS, paymentMethodId: 'pm-1', now: T0, dayMs: DAY }).thenThrows(ValidationError));
    }
    it('is not found before it exists', () => given([]).when({ type: 'PauseSubscription', now: T0 }).thenThrows(NotFoundError));
  });

  describe('transitions', () => {
    const paused: SubscriptionEvent = { type: 'SubscriptionPaused', data: { ...ids, pausedAt: at(DAY) } };
    const cancelled: SubscriptionEvent = { type: 'SubscriptionCancelled', data: { ...ids, previousStatus: 'Active', cancelledBy: 'customer:c', cancelledAt: at(DAY) } };
    it('pauses an active one', () => given([created()]).when({ type: 'PauseSubscription', now: at(DAY) }).then([paused]));
    it('cannot pause a paused one', () => given([created(), paused]).when({ type: 'PauseSubscription', now: at(DAY) }).thenThrows(IllegalStateError));
    it('cannot resume an active one', () => given([created()]).when({ type: 'ResumeSubscription', now: at(DAY), dayMs: DAY }).thenThrows(IllegalStateError));
    it('resumes on the same date while it is ahead', () =>
      given([created(), paused]).when({ type: 'ResumeSubscription', now: at(2 * DAY), dayMs: DAY }).then([
        { type: 'SubscriptionResumed', data: { ...ids, nextRenewal: 1, nextRenewalAt: at(7 * DAY), resumedAt: at(2 * DAY) } },
      ]));
    it('resumes an interval from now once the date is past', () =>
      given([created(), paused]).when({ type: 'ResumeSubscription', now: at(10 * DAY), dayMs: DAY }).then([
        { type: 'SubscriptionResumed', data: { ...ids, nextRenewal: 1, nextRenewalAt: at(17 * DAY), resumedAt: at(10 * DAY) } },
      ]));
    it('skips the next renewal', () =>
      given([created()]).when({ type: 'SkipRenewal', now: at(DAY), dayMs: DAY }).then([
        { type: 'SubscriptionRenewalSkipped', data: { ...ids, skippedRenewal: 1, nextRenewal: 2, nextRenewalAt: at(14 * DAY), skippedAt: at(DAY) } },
      ]));
    it('cancels', () => given([created()]).when({ type: 'CancelSubscription', by: 'customer:c', now: at(DAY) }).then([cancelled]));
    it('cancels twice without a second event', () => given([created(), cancelled]).when({ type: 'CancelSubscription', by: 'customer:c', now: at(2 * DAY) }).then([]));
    for (const command of [{ type: 'PauseSubscription', now: T0 }, { type: 'ResumeSubscription', now: T0, dayMs: DAY }, { type: 'SkipRenewal', now: T0, dayMs: DAY }, { type: 'ChangeSubscription', intervalDays: 3, now: T0, dayMs: DAY }] as const) {
      it(`cannot ${command.type} once cancelled`, () => given([created(), cancelled]).when(command).thenThrows(IllegalStateError));
    }
    it('changes the interval from the last renewal', () =>
      given([created()]).when({ type: 'ChangeSubscription', intervalDays: 10, now: at(DAY), dayMs: DAY }).then([
        { type: 'SubscriptionChanged', data: { ...ids, items: ITEMS, intervalDays: 10, shippingAddress: ADDRESS, paymentMethodId: 'pm-1', nextRenewal: 1, nextRenewalAt: at(10 * DAY), changedAt: at(DAY) } },
      ]));
    it('changes nothing with the same values', () =>
      given([created()]).when({ type: 'ChangeSubscription', intervalDays: 7, items: ITEMS, shippingAddress: ADDRESS, now: at(DAY), dayMs: DAY }).then([]));
  });
});
