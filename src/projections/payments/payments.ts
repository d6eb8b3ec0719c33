import type { OrderCreated } from '../../domain/ordering/order.js';
import type { PaymentEvent } from '../../domain/payment/payment.js';
import type { Money } from '../../domain/shared/types.js';
import type { RecordedEvent } from '../../infrastructure/event-store/event-store.js';
import type { Document, ReadModelCollection } from '../../infrastructure/read-models/read-model-store.js';
import type { Projection } from '../projection.js';

export type PaymentView = Document & {
  paymentId: string;
  orderId: string;
  customerId: string;
  status: 'Pending' | 'Captured' | 'Failed' | 'Refunded';
  amount: Money;
  refunded: boolean;
  refundPending: boolean;
  failureReason: string | null;
  refundReason: string | null;
  updatedAt: string;
};

/**
 * A payment is shown from its order's creation: the order names it (`payment.paymentId`, Pending)
 * from its first read, and the saga requests it a moment later. Shown only from PaymentRequested,
 * it answered 404 in between to a client following the order's link (a probe: 12 of 30
 * checkouts in flight together). The request, when it comes, says what the order said.
 */
const pending = (data: { paymentId: string; orderId: string; customerId: string }, amount: Money, at: string): PaymentView => {
  const { paymentId, orderId, customerId } = data;
  return { _id: paymentId, paymentId, orderId, customerId, status: 'Pending', amount, refunded: false, refundPending: false, failureReason: null, refundReason: null, updatedAt: at };
};

const evolve = (current: PaymentView | null, recorded: RecordedEvent): PaymentView | null => {
  const event = recorded as unknown as PaymentEvent | OrderCreated;
  const at = String(recorded.metadata.occurredAt ?? recorded.recordedAt);
  if (event.type === 'OrderCreated') return current ?? pending(event.data, event.data.total, at);
  if (event.type === 'PaymentRequested') return current ? { ...current, amount: event.data.amount, updatedAt: at } : pending(event.data, event.data.amount, at);
  if (!current) return null;
  const doc = { ...current, updatedAt: at };
  switch (event.type) {
    case 'PaymentProcessed':
      return { ...doc, status: 'Captured' };
    case 'PaymentFailed':
      return { ...doc, status: 'Failed', failureReason: event.data.reason };
    case 'PaymentCapturedLate':
      return doc;
    case 'PaymentRefundRequested':
      return { ...doc, refundPending: true, refundReason: event.data.reason };
    case 'PaymentRefunded':
      return { ...doc, status: 'Refunded', refunded: true, refundPending: false };
  }
};

export const paymentsProjection: Projection<PaymentView> = {
  name: 'payments',
  collection: 'payments',
  eventTypes: ['OrderCreated', 'PaymentRequested', 'PaymentProcessed', 'PaymentFailed', 'PaymentCapturedLate', 'PaymentRefundRequested', 'PaymentRefunded'],
  documentIds: (event) => [String(event.data.paymentId)],
  evolve,
  version: 2, // 2: shown from the order's creation
};

export const getPayment = async (payments: ReadModelCollection<PaymentView>, paymentId: string, viewer: { customerId: string; admin: boolean }) => {
  const doc = await payments.findOne({ _id: paymentId });
  if (!doc || (!viewer.admin && doc.customerId !== viewer.customerId)) return undefined;
  const { orderId, status, amount, refunded, failureReason, refundReason } = doc;
  return { paymentId, orderId, status, amount, refunded, failureReason, refundReason };
};
