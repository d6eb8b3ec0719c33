import type { OrderFailed, RenewalOf } from '../domain/ordering/order.js';
import type { SubscriptionRenewalFailed, SubscriptionRenewed } from '../domain/subscriptions/subscription.js';
import type { RecordedEvent } from '../infrastructure/event-store/event-store.js';
import { nothing, occurredAt, type Job, type ProcessManager, type Reaction, type SagaCommand } from './process-manager.js';

/**
 * The subscriptions process manager (stateless: the subscription stream decides).
 * - Every event that names the next renewal schedules its job, due at `nextRenewalAt`; a
 *   failed try with a retry schedules the retry's. Job ids name subscription, renewal, try
 *   and due time, so a redelivery schedules nothing twice, and a job made stale by a skip, a
 *   pause, a change or a cancellation runs and decides nothing.
 * - `SubscriptionRenewed` places the renewal's order through the order saga: CreateOrder,
 *   caused by the renewal event (the audit trail shows it as the order's cause), its event
 *   id derived from that event, so the order is created once however often it is delivered.
 * - `OrderFailed` of a renewal's order tells the subscription, which retries or goes past due.
 */

export const SUBSCRIPTION_PROCESS_EVENTS = [
  'SubscriptionCreated',
  'SubscriptionRenewed',
  'SubscriptionRenewalFailed',
  'SubscriptionChanged',
  'SubscriptionResumed',
  'SubscriptionRenewalSkipped',
  'OrderFailed',
] as const;

type State = Record<string, never>;

export const subscriptionsManager = (dayMs: number): ProcessManager<State> => ({
  name: 'subscription-renewals',
  eventTypes: SUBSCRIPTION_PROCESS_EVENTS,
  // A checkout's failed order is no subscription's: those share one empty "saga".
  sagaId: (event) => subscriptionOf(event) ?? 'checkouts',
  initialState: () => ({}),
  react: (state, event) => react(state, event, dayMs),
});

const subscriptionOf = (event: RecordedEvent): string | undefined => {
  if (event.type === 'OrderFailed') return (event.data.subscription as RenewalOf | undefined)?.subscriptionId;
  return String(event.data.subscriptionId);
};

export const react = (state: State, event: RecordedEvent, dayMs: number): Reaction<State> => {
  const now = occurredAt(event);
  if (event.type === 'OrderFailed') {
    const { subscription, orderId, reason } = event.data as OrderFailed['data'];
    if (!subscription) return nothing(state);
    const { subscriptionId, renewal, attempt } = subscription;
    const command: SagaCommand = { aggregate: 'subscription', id: subscriptionId, command: { type: 'RecordRenewalFailure', renewal, attempt, orderId, reason, now, dayMs } };
    return { state, commands: [command], jobs: [] };
  }
  const subscriptionId = String(event.data.subscriptionId);
  const jobs: Job[] = [];
  const { nextRenewal, nextRenewalAt } = event.data as { nextRenewal?: number; nextRenewalAt?: string };
  if (nextRenewal !== undefined && nextRenewalAt !== undefined) jobs.push(renewalJob(subscriptionId, nextRenewal, 1, nextRenewalAt));
  if (event.type === 'SubscriptionRenewalFailed') {
    const { renewal, attempt, retryAt } = event.data as SubscriptionRenewalFailed['data'];
    if (retryAt) jobs.push(renewalJob(subscriptionId, renewal, attempt + 1, retryAt));
  }
  const commands = event.type === 'SubscriptionRenewed' ? [placeOrder(event.data as SubscriptionRenewed['data'], now)] : [];
  return { state, commands, jobs };
};

const placeOrder = (renewed: SubscriptionRenewed['data'], now: string): SagaCommand => {
  const { subscriptionId, customerId, renewal, attempt, orderId, paymentId, shipmentId, lines, shippingAddress, paymentMethod } = renewed;
  return {
    aggregate: 'order',
    id: orderId,
    command: { type: 'CreateOrder', orderId, customerId, paymentId, shipmentId, lines, shippingAddress, paymentMethod, subscription: { subscriptionId, renewal, attempt }, now },
  };
};

export const renewalJob = (subscriptionId: string, renewal: number, attempt: number, dueAt: string): Job => ({
  id: `renew-subscription:${subscriptionId}:${renewal}:${attempt}@${dueAt}`,
  kind: 'renew-subscription',
  runAt: dueAt,
  payload: { subscriptionId, renewal, attempt, dueAt },
});
