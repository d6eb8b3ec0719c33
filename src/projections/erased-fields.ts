import { ERASED } from '../domain/shared/erased.js';
import type { RecordedEvent } from '../infrastructure/event-store/event-store.js';
import type { FieldIs } from './projection.js';

/**
 * How read models erase a customer's personal fields on `CustomerErased` (profile fields) and
 * `CustomerInvoicesExpired` (the name and address on orders and shipments): each string or
 * number leaf becomes ERASED and the shape stays (an address keeps its keys), exactly as the
 * log reads once the key is destroyed. So a read model folded live and one rebuilt from the
 * log after the erasure are the same.
 */
export const erasedLeaves = <T>(value: T): T => {
  if (typeof value === 'string' || typeof value === 'number') return ERASED as T;
  if (Array.isArray(value)) return value.map(erasedLeaves) as T;
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, erasedLeaves(inner)])) as T;
  return value;
};

export const CUSTOMER_ERASED = 'CustomerErased';
export const INVOICES_EXPIRED = 'CustomerInvoicesExpired';

/** For `documentsWhere`: on these events, every document of the customer the event names. */
export const customersDocuments =
  (...types: string[]) =>
  (event: RecordedEvent): FieldIs | undefined =>
    types.includes(event.type) ? { field: 'customerId', value: String(event.data.customerId) } : undefined;
