import { deliverAdminNotice } from '../commands/admin-notices.js';
import { bookShipmentJob, type ShippingDeps } from '../commands/carrier-bookings.js';
import { deliverNotification, type NotificationDeps } from '../commands/notifications.js';
import { renewSubscription, type RenewalDeps, type RenewalPayload } from '../commands/renewals.js';
import { eraseCustomer, expireInvoices, type ErasureDeps } from '../commands/erasure-steps.js';
import { deliverStockNotice } from '../commands/stock-notifications.js';
import type { CarrierReport } from '../infrastructure/carrier/carrier.js';
import type { StockNotice } from './stock-notifications.js';
import { chargePayment, expirePayment, reconcilePayment, refundPayment, type PaymentDeps } from '../commands/payments.js';
import type { JobHandlers } from './jobs.js';
import type { AdminNotice, NotificationPayload } from './notifications.js';
import type { ErasurePayload, InvoiceExpiryPayload } from './erasure.js';

/** The carrier's side of the jobs: booking, and the simulated carrier's reports (a real carrier sends its own). */
export type CarrierJobDeps = ShippingDeps & { sendReport?: (report: CarrierReport) => Promise<void> };

const unconfigured = (kind: string) => async () => {
  throw new Error(`no handler for ${kind} jobs in this process`);
};

/** What each kind of job does. */
export const jobHandlers = (payments: PaymentDeps, notifications: NotificationDeps, renewals: RenewalDeps, shipping?: CarrierJobDeps, erasure?: ErasureDeps): JobHandlers => ({
  'charge-payment': (payload) => chargePayment(payments, String(payload.paymentId), payload),
  'expire-payment': (payload) => expirePayment(payments, String(payload.paymentId), payload),
  'reconcile-payment': (payload) => reconcilePayment(payments, String(payload.paymentId), payload),
  'refund-payment': (payload) => refundPayment(payments, String(payload.paymentId), payload),
  'send-notification': (payload) => deliverNotification(notifications, payload as unknown as NotificationPayload),
  'notify-stock': (payload) => deliverStockNotice(notifications, payload as unknown as StockNotice),
  'notify-admins': (payload) => deliverAdminNotice(notifications, payload as unknown as AdminNotice),
  'book-shipment': shipping ? (payload) => bookShipmentJob(shipping, String(payload.shipmentId), payload) : unconfigured('book-shipment'),
  // A report scheduled by the simulated carrier, of a shop no longer on it: nothing to send.
  'carrier-webhook': (payload) => shipping?.sendReport?.(payload as unknown as CarrierReport) ?? Promise.resolve(),
  'renew-subscription': (payload) => renewSubscription(renewals, payload as unknown as RenewalPayload),
  'erase-customer': erasure ? (payload) => eraseCustomer(erasure, payload as unknown as ErasurePayload) : unconfigured('erase-customer'),
  'expire-invoices': erasure ? (payload) => expireInvoices(erasure, payload as unknown as InvoiceExpiryPayload) : unconfigured('expire-invoices'),
});
