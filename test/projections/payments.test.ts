import { expect } from 'chai';
import type { RecordedEvent } from '../../src/infrastructure/event-store/event-store.js';
import { paymentsProjection, type PaymentView } from '../../src/projections/payments/payments.js';
import { recorded } from './projection-fixture.js';

const AT = '2025-03-01T10:00:00.000Z';
const ids = { orderId: 'order-1', customerId: 'customer-1', paymentId: 'payment-1' };
const total = { amount: 2500, currency: 'USD' };
const fold = (events: RecordedEvent[]) =>
  events.reduce<PaymentView | null>((doc, event) => (paymentsProjection.eventTypes.includes(event.type) ? paymentsProjection.evolve(doc, event) : doc), null);
const created = () => recorded('OrderCreated', { ...ids, shipmentId: 'shipment-1', lines: [], total, shippingAddress: {}, paymentMethod: { token: 'tok_visa' }, createdAt: AT }, { occurredAt: AT });
const requested = () => recorded('PaymentRequested', { ...ids, amount: total, token: 'tok_visa', expiresAt: AT, requestedAt: AT }, { occurredAt: AT });
const processed = () => recorded('PaymentProcessed', { paymentId: ids.paymentId, processedAt: AT }, { occurredAt: AT });

describe('Payments projection', () => {
  it('shows the payment Pending from its order\'s creation, for the order\'s total: the order names it before the saga requests it', () => {
    expect(fold([created()])).to.deep.include({ _id: 'payment-1', orderId: 'order-1', customerId: 'customer-1', status: 'Pending', amount: total, refunded: false });
  });

  it('reads the same once the payment is requested, and follows it from there', () => {
    const { updatedAt: _a, ...fromOrder } = fold([created()])!;
    const { updatedAt: _b, ...requestedToo } = fold([created(), requested()])!;
    expect(requestedToo).to.deep.equal(fromOrder);
    expect(fold([created(), requested(), processed()])?.status).to.equal('Captured');
    // A log of the version before (no OrderCreated folded for it): the request starts the payment as it did.
    expect(fold([requested(), processed()])).to.deep.include({ status: 'Captured', amount: total, orderId: 'order-1' });
  });
});
