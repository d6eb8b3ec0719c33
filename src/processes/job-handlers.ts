import { deliverNotification, type NotificationDeps } from '../commands/notifications.js';
import { renewSubscription, type RenewalDeps, type RenewalPayload } from '../commands/renewals.js';
import { deliverStockNotice } from '../commands/stock-notifications.js';
import type { StockNotice } from './stock-notifications.js';
import { chargePayment, expirePayment, reconcilePayment, refundPayment, type PaymentDeps } from '../commands/payments.js';
import type { JobHandlers } from './jobs.js';
import type { NotificationPayload } from './notifications.js';

/** What each kind of job does. */
export const jobHandlers = (payments: PaymentDeps, notifications: NotificationDeps, renewals: RenewalDeps): JobHandlers => ({
  'charge-payment': (payload) => chargePayment(payments, String(payload.paymentId), payload),
  'expire-payment': (payload) => expirePayment(payments, String(payload.paymentId), payload),
  'reconcile-payment': (payload) => reconcilePayment(payments, String(payload.paymentId), payload),
  'refund-payment': (payload) => refundPayment(payments, String(payload.paymentId), payload),
  'send-notification': (payload) => deliverNotification(notifications, payload as unknown as NotificationPayload),
  'notify-stock': (payload) => deliverStockNotice(notifications, payload as unknown as StockNotice),
  'renew-subscription': (payload) => renewSubscription(renewals, payload as unknown as RenewalPayload),
});
