import type { CustomerErased } from '../domain/customer/customer.js';
import type { RecordedEvent } from '../infrastructure/event-store/event-store.js';
import { nothing, occurredAt, type Job, type ProcessManager, type Reaction } from './process-manager.js';

/**
 * The erasure process manager (stateless): `CustomerErased` schedules one `erase-customer` job,
 * whose id is the event's, so a redelivered event schedules nothing twice. The job
 * (src/commands/erasure-steps.ts) completes the erasure, each step idempotent, so a process
 * killed at any point finishes it when the job runs again (after a restart, or in another
 * process): the job is deleted only once every step is done.
 * The job carries ids and times only: the email it releases is read from the customer's own
 * stream while the profile key still opens it, never copied into the job.
 */

export type ErasurePayload = { customerId: string; erasedAt: string; eventId: string; position: number; correlationId: string };

/** The invoices' expiry, scheduled by the erasure job at the end of their retention; `postponed`: how many times it was put off. */
export type InvoiceExpiryPayload = { customerId: string; dueAt: string; postponed?: number };

export const erasureManager: ProcessManager<Record<string, never>> = {
  name: 'erasures',
  eventTypes: ['CustomerErased'],
  sagaId: (event) => String(event.data.customerId),
  initialState: () => ({}),
  react: (state, event) => react(state, event),
};

export const react = (state: Record<string, never>, event: RecordedEvent): Reaction<Record<string, never>> => {
  if (event.type !== 'CustomerErased') return nothing(state);
  const { customerId, erasedAt } = event.data as CustomerErased['data'];
  const payload: ErasurePayload = { customerId, erasedAt, eventId: event.id, position: event.position, correlationId: String(event.metadata.correlationId ?? event.id) };
  const job: Job = { id: `erase-customer:${event.id}`, kind: 'erase-customer', runAt: occurredAt(event), payload };
  return { state, commands: [], jobs: [job] };
};

/** The job that destroys the invoice key at the end of the retention: one per customer, and one per time it was put off. */
export const invoiceExpiryJob = (customerId: string, dueAt: string, postponed = 0): Job => ({
  id: postponed === 0 ? `expire-invoices:${customerId}` : `expire-invoices:${customerId}:${postponed}`,
  kind: 'expire-invoices',
  runAt: dueAt,
  payload: { customerId, dueAt, ...(postponed === 0 ? {} : { postponed }) } satisfies InvoiceExpiryPayload,
});
