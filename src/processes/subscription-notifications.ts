import type { SubscriptionPastDue } from '../domain/subscriptions/subscription.js';
import type { RecordedEvent } from '../infrastructure/event-store/event-store.js';
import type { NotificationPayload } from './notifications.js';
import { occurredAt, type Job } from './process-manager.js';

/**
 * A subscription's emails to its customer: its confirmation, past due (its renewal failed
 * every try), and the cancel flow's confirmation. One job per event, whose id is the event's.
 */

export const SUBSCRIPTION_NOTICES = ['SubscriptionCreated', 'SubscriptionPastDue', 'SubscriptionCancelled'] as const;

export const isSubscriptionNotice = (type: string): boolean => (SUBSCRIPTION_NOTICES as readonly string[]).includes(type);

export const subscriptionNoticeJob = (event: RecordedEvent): Job => {
  const subscriptionId = String(event.data.subscriptionId);
  const payload: NotificationPayload = {
    notificationId: event.id,
    type: event.type,
    customerId: String(event.data.customerId),
    orderId: null,
    subscriptionId,
    ...messageFor(event, subscriptionId.slice(0, 8).toUpperCase()),
  };
  return { id: `send-notification:${event.id}`, kind: 'send-notification', runAt: occurredAt(event), payload };
};

const messageFor = (event: RecordedEvent, name: string): { subject: string; text: string } => {
  switch (event.type) {
    case 'SubscriptionCreated':
      return {
        subject: `Your subscription ${name} is active`,
        text: `Thank you! Your subscription ${name} renews every ${String(event.data.intervalDays)} day(s); the first renewal is due ${String(event.data.nextRenewalAt)}.`,
      };
    case 'SubscriptionPastDue': {
      const { renewal, reason } = event.data as SubscriptionPastDue['data'];
      // What kept the renewal from being placed: the customer is asked for what would mend it, payment only when payment failed.
      if (reason === 'out-of-stock' || reason === 'products-unavailable') {
        return {
          subject: `Your subscription ${name} is on hold: not in stock`,
          text: `Renewal ${renewal} of your subscription ${name} could not be placed after three tries: ${reason === 'out-of-stock' ? 'a product of it is out of stock' : 'its products are no longer sold'}. Nothing was charged. Renewals are on hold: change its items, or resume it later.`,
        };
      }
      return {
        subject: `Payment needed for your subscription ${name}`,
        text: `We could not take payment for renewal ${renewal} of your subscription ${name}, after three tries. Renewals are on hold: update its payment method and resume it.`,
      };
    }
    default:
      return {
        subject: `Your subscription ${name} is cancelled`,
        text: `Your subscription ${name} is cancelled as you asked: nothing more will be ordered. An order already placed is delivered as usual.`,
      };
  }
};
