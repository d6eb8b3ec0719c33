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
  { place: 'customers', fields: ['email', 'name', 'addresses[]'], purpose: 'profile', erasure: 'the profile is removed by the customer-profiles projection on CustomerErased' },
  { place: 'payment_methods', fields: ['methods[].last4', 'methods[].label'], purpose: 'profile', erasure: 'removed by the payment-methods projection on CustomerErased' },
  { place: 'reviews', fields: ['authorName', 'text'], purpose: 'profile', erasure: 'replaced by the placeholder by the reviews projection on CustomerErased (rating kept)' },
  { place: 'subscriptions', fields: ['shippingAddress'], purpose: 'profile', erasure: 'replaced by the placeholder by the subscriptions projection on CustomerErased' },
  { place: 'orders', fields: ['shippingAddress'], purpose: 'invoice', erasure: 'kept until CustomerInvoicesExpired, then the placeholder (orders projection)' },
  { place: 'shipments', fields: ['shippingAddress'], purpose: 'invoice', erasure: 'kept until CustomerInvoicesExpired, then the placeholder (shipments projection)' },
  { place: 'notifications', fields: ['to', 'subject', 'body'], purpose: 'profile', erasure: "the customer's notifications are deleted by the erasure job" },
  { place: 'jobs, parked_jobs', fields: ['payload'], purpose: 'profile', erasure: "the customer's pending jobs' payloads are scrubbed by the erasure job" },
  { place: 'idempotency_keys', fields: ['stored answer'], purpose: 'profile', erasure: "the customer's stored answers are deleted by the erasure job" },
  { place: 'snapshots', fields: ['state (the folded customer and wallet)'], purpose: 'profile', erasure: "the customer's snapshots are deleted by the erasure job" },
  { place: 'limits.db / rate_limits', fields: ['login throttle key'], purpose: 'transient', erasure: 'keyed by a hash of the address, never the address; windows expire' },
  { place: 'the outbox (in memory) / SMTP', fields: ['recipient', 'body'], purpose: 'transient', erasure: 'mail handed to SMTP is beyond the shop; the in-memory outbox lives as long as its process' },
];
