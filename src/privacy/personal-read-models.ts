import type { KeyPurpose } from './key-store.js';

/**
 * The inventory of personal data outside the log: every read-model collection and store
 * that can hold a customer's personal values, the fields that do, under which purpose
 * (what erasing the customer, or the end of the invoices' retention, does to them), and
 * who scrubs them. The log's own inventory is personal-data.ts. A collection not listed
 * here holds ids, amounts, statuses and product data only.
 */
export type PersonalHolding = {
  /** A read-model collection (or a store's file, for what is not one). */
  place: string;
  fields: readonly string[];
  purpose: KeyPurpose | 'transient';
  /** What becomes of them, and what does it. */
  erasure: string;
};

export const PERSONAL_DATA_OUTSIDE_THE_LOG: readonly PersonalHolding[] = [
  { place: 'customers', fields: ['email', 'name', 'phone', 'addresses[]'], purpose: 'profile', erasure: 'a tombstone {customerId, erasedAt} (customer-profiles projection, on CustomerErased)' },
  { place: 'payment_methods', fields: ['methods[].last4', 'methods[].label'], purpose: 'profile', erasure: 'deleted (payment-methods projection, on CustomerErased)' },
  { place: 'carts', fields: ['(nothing personal but the customer id)'], purpose: 'profile', erasure: 'deleted (carts projection, on CustomerErased)' },
  { place: 'stock_levels', fields: ['watchers[] (customer ids only)'], purpose: 'profile', erasure: 'their notify-me requests withdrawn by the erasure job (BackInStockWithdrawn, reason customer-erased)' },
  { place: 'reviews', fields: ['authorName', 'text'], purpose: 'profile', erasure: 'the placeholder, rating kept (reviews projection, on CustomerErased)' },
  { place: 'subscriptions', fields: ['shippingAddress'], purpose: 'profile', erasure: 'the placeholder; open ones cancelled by the erasure job (subscriptions projection)' },
  { place: 'orders', fields: ['shippingAddress'], purpose: 'invoice', erasure: 'the placeholder, formerCustomer: true (orders projection, on CustomerErased); the invoice stays in the log under its key' },
  { place: 'shipments', fields: ['shippingAddress', 'carrier.reason'], purpose: 'invoice', erasure: 'the placeholder (shipments projection, on CustomerErased and CustomerInvoicesExpired)' },
  { place: 'saga_order_saga', fields: ['state.shippingAddress'], purpose: 'invoice', erasure: 'dropped by the saga once the order has left; older sagas cleared by the erasure job' },
  { place: 'notifications', fields: ['to', 'subject', 'text'], purpose: 'profile', erasure: "the customer's deleted by the erasure job; none stored for an erased customer afterwards" },
  { place: 'notifications (the admins\')', fields: ['text (a carrier\'s reason)'], purpose: 'invoice', erasure: "the placeholder in the admins' notices about the customer's orders (the erasure job), and in such notices still to be sent" },
  { place: 'jobs, parked_jobs, discarded_jobs', fields: ['payload of send-notification'], purpose: 'profile', erasure: "the customer's mails to send deleted by the erasure job" },
  { place: 'idempotency_keys', fields: ['stored answer'], purpose: 'profile', erasure: 'answers with personal fields live 15 minutes; the customer\'s deleted by the erasure job, and others\' (an admin\'s) about their orders and subscriptions' },
  { place: 'snapshots', fields: ['state (customer, wallet, cart)'], purpose: 'profile', erasure: "the customer's deleted by the erasure job (before and after the key is destroyed)" },
  { place: 'limits.db / rate_limits', fields: ['failed sign-ins'], purpose: 'transient', erasure: 'keyed by an HMAC pseudonym of the address, never the address; forgotten by the erasure job' },
  { place: 'the outbox (in memory) / SMTP', fields: ['recipient', 'body'], purpose: 'transient', erasure: 'a mail handed to SMTP is beyond the shop; the in-memory outbox lives as long as its process' },
];
