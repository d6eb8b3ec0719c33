import type { CustomerPasswordChanged, CustomerPasswordResetRequested } from '../domain/customer/customer.js';
import type { RecordedEvent } from '../infrastructure/event-store/event-store.js';
import type { NotificationPayload } from './notifications.js';
import { occurredAt, type Job } from './process-manager.js';

/**
 * An account's emails about its password: the reset link asked for, and the password changed
 * (whoever changed it: if it was not the customer, this mail is how they learn). One job per event.
 * The link itself is not in the job: the mail is given it as it is sent (../commands/notifications.ts),
 * made from the request's ids with the shop's key, so no stored job or log entry holds a working link.
 */

export const ACCOUNT_NOTICES = ['CustomerPasswordResetRequested', 'CustomerPasswordChanged'] as const;

export const isAccountNotice = (type: string): boolean => (ACCOUNT_NOTICES as readonly string[]).includes(type);

export const accountNoticeJob = (event: RecordedEvent): Job => {
  const payload: NotificationPayload = {
    notificationId: event.id,
    type: event.type,
    customerId: String(event.data.customerId),
    orderId: null,
    ...messageFor(event),
  };
  return { id: `send-notification:${event.id}`, kind: 'send-notification', runAt: occurredAt(event), payload };
};

const messageFor = (event: RecordedEvent): Pick<NotificationPayload, 'subject' | 'text' | 'resetRequestId'> => {
  if (event.type === 'CustomerPasswordResetRequested') {
    const { requestId, expiresAt } = event.data as CustomerPasswordResetRequested['data'];
    return {
      subject: 'Reset your password',
      text: `Someone (we hope you) asked to reset the password of your account. Choose a new one here before ${expiresAt}; the link works once. If it was not you, ignore this mail: your password stays as it is.`,
      resetRequestId: requestId,
    };
  }
  const { via } = event.data as CustomerPasswordChanged['data'];
  const how = via === 'reset' ? 'through the link we emailed you' : 'from your account';
  return {
    subject: 'Your password was changed',
    text: `The password of your account was changed ${how}, and every device signed in with the old one was signed out. If it was not you, reset your password at once and tell us.`,
  };
};
