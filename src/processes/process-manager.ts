import type { CartCommand } from '../domain/cart/cart.js';
import type { InventoryCommand } from '../domain/inventory/inventory.js';
import type { OrderCommand } from '../domain/ordering/order.js';
import type { PaymentCommand } from '../domain/payment/payment.js';
import type { ShipmentCommand } from '../domain/shipping/shipment.js';
import type { SubscriptionCommand } from '../domain/subscriptions/subscription.js';
import type { RecordedEvent } from '../infrastructure/event-store/event-store.js';

/**
 * A process manager is a decider over events: `react(state, event)` is pure and returns
 * its new state, the commands to send to aggregates, and the jobs to schedule (calls to
 * the outside world, timers). The runner owns everything else: checkpoints, saga state,
 * event ids derived from the triggering event, retries and parking.
 */

/** A command addressed to one aggregate instance. */
export type SagaCommand =
  | { aggregate: 'order'; id: string; command: OrderCommand }
  | { aggregate: 'payment'; id: string; command: PaymentCommand }
  | { aggregate: 'inventory'; id: string; command: InventoryCommand }
  | { aggregate: 'shipment'; id: string; command: ShipmentCommand }
  | { aggregate: 'cart'; id: string; command: CartCommand }
  | { aggregate: 'subscription'; id: string; command: SubscriptionCommand };

export type JobKind =
  | 'charge-payment'
  | 'expire-payment'
  | 'reconcile-payment'
  | 'refund-payment'
  | 'send-notification'
  | 'notify-stock'
  | 'notify-admins'
  | 'book-shipment'
  | 'carrier-webhook'
  | 'renew-subscription'
  | 'erase-customer'
  | 'expire-invoices';

/** Work for the job runner: durable, run at or after `runAt`, at most one job per id. */
export type Job = { id: string; kind: JobKind; runAt: string; payload: Record<string, unknown> };

/**
 * `cancelled`: ids of jobs scheduled earlier that can no longer do anything (a payment's
 * expiry once the payment is settled): deleted with the reaction's write, so they never
 * run. A job running at that moment finishes as it would have, with nothing to do.
 */
export type Reaction<State> = { state: State; commands: SagaCommand[]; jobs: Job[]; cancelled?: string[] };

export type ProcessManager<State> = {
  name: string;
  eventTypes: readonly string[];
  /** The saga instance an event belongs to (e.g. its order id). */
  sagaId: (event: RecordedEvent) => string;
  initialState: () => State;
  react: (state: State, event: RecordedEvent) => Reaction<State>;
  /** On an order's way from checkout to Confirmed: its batches go before background work (see CriticalPath). */
  critical?: boolean;
};

/** When the event happened, as the domain recorded it: reactions stay deterministic on redelivery. */
export const occurredAt = (event: RecordedEvent): string => String(event.metadata.occurredAt ?? event.recordedAt);

export const nothing = <State>(state: State): Reaction<State> => ({ state, commands: [], jobs: [] });
