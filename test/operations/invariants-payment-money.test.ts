import { expect } from 'chai';
import { money } from '../../src/domain/shared/types.js';
import type { RecordedEvent } from '../../src/infrastructure/event-store/event-store.js';
import { emptyFacts, foldFacts } from '../../src/operations/invariants-log.js';
import { INVARIANTS } from '../../src/operations/invariants.js';
import { recorded } from '../projections/projection-fixture.js';

/** payment-money, checked on the log's facts alone (no shop, no read model). */
describe('payment-money on the log', () => {
  const AT = '2024-05-01T10:00:00.000Z';
  const paymentMoney = INVARIANTS.find((invariant) => invariant.name === 'payment-money')!;
  const onPayment = (type: string, data: Record<string, unknown> = {}) =>
    recorded(type, { paymentId: 'pay-1', orderId: 'o-1', customerId: 'c-1', amount: money(1000, 'USD'), ...data }, { streamName: 'payment-pay-1' });
  const requested = onPayment('PaymentRequested', { token: 'tok_visa', requestedAt: AT, expiresAt: AT });
  const processed = onPayment('PaymentProcessed', { providerReference: 'ch_1', processedAt: AT });
  const refundAsked = onPayment('PaymentRefundRequested', { reason: 'cancelled', requestedAt: AT });
  const refunded = (amount = 1000) => onPayment('PaymentRefunded', { amount: money(amount, 'USD'), providerReference: 're_1', reason: 'cancelled', refundedAt: AT });
  const violations = (events: RecordedEvent[]) => {
    const log = emptyFacts();
    for (const event of events) foldFacts(log, event);
    return paymentMoney.check({ position: 100, log, inFlight: new Set(), handedOver: new Map(), changedAfter: new Set(), now: 0, views: new Map() }).map((v) => `${v.id}: ${v.detail}`);
  };

  it('holds for a capture refunded once, in full', () => expect(violations([requested, processed, refundAsked, refunded()])).to.deep.equal([]));

  it('reports a payment refunded twice, more than it took', () =>
    expect(violations([requested, processed, refundAsked, refunded(), refunded()])).to.deep.equal(['pay-1: refunded 2 times', 'pay-1: refunded 2000, captured 1000']));

  it('reports a refund of money never taken, and a capture of another amount', () => {
    expect(violations([requested, refunded(500)])).to.deep.equal(['pay-1: refunded 500, captured 0']);
    expect(violations([requested, onPayment('PaymentProcessed', { amount: money(900, 'USD'), providerReference: 'ch_1', processedAt: AT })])).to.deep.equal([
      'pay-1: captured 900 of a payment of 1000',
    ]);
  });
});
