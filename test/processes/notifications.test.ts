import { expect } from 'chai';
import type { RecordedEvent } from '../../src/infrastructure/event-store/event-store.js';
import { NOTIFYING_EVENTS, notificationsManager, react, type NotificationPayload } from '../../src/processes/notifications.js';
import type { Job } from '../../src/processes/process-manager.js';
import type { StockNotice } from '../../src/processes/stock-notifications.js';
import { HOME, LINES, TOTAL } from '../domain/order-fixtures.js';
import { recorded } from '../projections/projection-fixture.js';

describe('Notifications', () => {
  describe('when an order is created', () => {
    it('sends the order with its lines and total', () =>
      expect(jobsFor(orderCreated())).to.deep.equal([
        notification('OrderCreated', {
          subject: 'We received your order A1B2C3D4',
          text: 'Thank you! Your order A1B2C3D4:\n  2 × Mug (MUG-1)\n  3 × Tea (TEA-1)\nTotal: $37.50',
        }),
      ]));
  });

  describe('when a payment fails', () => {
    for (const reason of ['declined', 'insufficient-funds', 'invalid-token'] as const) {
      it(`says the payment was declined when it is ${reason}`, () =>
        expect(jobsFor(paymentFailed(reason))).to.deep.equal([
          notification('PaymentFailed', {
            subject: 'Payment failed for order A1B2C3D4',
            text: 'We could not take payment for order A1B2C3D4: the payment was declined.',
          }),
        ]));
    }

    it('says the provider did not answer in time when it timed out', () =>
      expect(jobsFor(paymentFailed('timeout'))).to.deep.equal([
        notification('PaymentFailed', {
          subject: 'Payment failed for order A1B2C3D4',
          text: 'We could not take payment for order A1B2C3D4: the payment provider did not answer in time.',
        }),
      ]));

    for (const reason of ['voided', 'customer-erased'] as const) {
      it(`writes to nobody when it was ${reason} (a cancellation's email says it all; an erased customer is not written to)`, () =>
        expect(jobsFor(paymentFailed(reason))).to.deep.equal([]));
    }
  });

  describe('when an order ships', () => {
    it('sends the tracking number', () =>
      expect(jobsFor(orderShipped())).to.deep.equal([
        notification('OrderShipped', {
          subject: 'Your order A1B2C3D4 has shipped',
          text: 'Your order A1B2C3D4 is on its way. Tracking number: TRK9B2F4C1E3D5A4E6F.',
        }),
      ]));
  });

  describe('when an order is delivered', () => {
    it('asks for a review of each product delivered', () =>
      expect(jobsFor(orderDelivered())).to.deep.equal([
        notification('OrderDelivered', {
          subject: 'Your order A1B2C3D4 was delivered: how was it?',
          text:
            'Your order A1B2C3D4 has been delivered. Other shoppers would love to hear what you think; rate and review what you received:\n' +
            '  Mug (MUG-1)\n  Tea (TEA-1)',
        }),
      ]));

    it('names a product once even when it came on two lines', () => {
      const [job] = jobsFor(orderDelivered([...LINES, LINES[0]!]));
      expect((job!.payload as NotificationPayload).text.match(/Mug/g)).to.have.length(1);
    });
  });

  describe('when an order is cancelled', () => {
    it('says it was cancelled as the customer asked', () =>
      expect(jobsFor(orderCancelled(`customer:${CUSTOMER}`))).to.deep.equal([
        notification('OrderCancelled', {
          subject: 'Order A1B2C3D4 was cancelled',
          text: 'Your order A1B2C3D4 was cancelled as you asked. Any payment will be refunded.',
        }),
      ]));

    it('says it was cancelled by the shop when an admin did it', () =>
      expect(jobsFor(orderCancelled('admin:admin-1'))).to.deep.equal([
        notification('OrderCancelled', {
          subject: 'Order A1B2C3D4 was cancelled',
          text: 'Your order A1B2C3D4 was cancelled by our team. Any payment will be refunded.',
        }),
      ]));
  });

  describe('when a payment is refunded', () => {
    it('sends the amount refunded', () =>
      expect(jobsFor(paymentRefunded({ amount: 3750, currency: 'USD' }))).to.deep.equal([
        notification('PaymentRefunded', { subject: 'Refund for order A1B2C3D4', text: 'We refunded $37.50 for order A1B2C3D4.' }),
      ]));

    it('writes small amounts with their cents', () =>
      expect(jobsFor(paymentRefunded({ amount: 5, currency: 'EUR' }))[0]!.payload).to.include({
        text: 'We refunded €0.05 for order A1B2C3D4.',
      }));
  });

  describe('for any notifying event', () => {
    it('schedules the email for when the event occurred, or else when it was recorded', () => {
      const unstamped = { ...orderShipped(), metadata: {}, recordedAt: RECORDED_AT };
      expect(jobsFor(unstamped).map((job) => job.runAt)).to.deep.equal([RECORDED_AT]);
    });

    it('schedules the same job for the same event delivered again', () =>
      expect(jobsFor(orderShipped())).to.deep.equal(jobsFor(orderShipped())));

    it('schedules another job for another event of the same kind', () =>
      expect(jobsFor({ ...orderShipped(), id: OTHER_EVENT_ID }).map((job) => job.id)).to.deep.equal([`send-notification:${OTHER_EVENT_ID}`]));

    it('sends no command and keeps no state', () => {
      const reaction = react({}, orderCreated());
      expect(reaction.commands).to.deep.equal([]);
      expect(reaction.state).to.deep.equal({});
    });
  });

  describe('for other events', () => {
    for (const type of ['OrderPaid', 'OrderConfirmed', 'OrderFailed', 'OrderAmended', 'PaymentProcessed', 'StockReserved'] as const) {
      it(`sends nothing on ${type}`, () => {
        const reaction = react({}, event(type, { orderId: ORDER, customerId: CUSTOMER }));
        expect(reaction).to.deep.equal({ state: {}, commands: [], jobs: [] });
      });
    }
  });

  describe('for a stock alert', () => {
    const alert = (type: string, data: Record<string, unknown>) => ({
      ...recorded(type, { sku: 'MUG-1', productId: PRODUCT, detectedAt: OCCURRED_AT, ...data }, { occurredAt: OCCURRED_AT, streamName: 'inventory-MUG-1' }),
      id: EVENT_ID,
    });
    const notice = (type: string, fields: Partial<StockNotice>): Job => ({
      id: `notify-stock:${EVENT_ID}`,
      kind: 'notify-stock',
      runAt: OCCURRED_AT,
      payload: { alertId: EVENT_ID, type, sku: 'MUG-1', productId: PRODUCT, available: 0, threshold: null, customers: [], ...fields },
    });

    it('schedules one job for the admins on StockLevelLow, with the threshold crossed', () =>
      expect(jobsFor(alert('StockLevelLow', { available: 3, threshold: 5 }))).to.deep.equal([notice('StockLevelLow', { available: 3, threshold: 5 })]));

    it('schedules one job for the admins on InventoryOutOfStock', () =>
      expect(jobsFor(alert('InventoryOutOfStock', {}))).to.deep.equal([notice('InventoryOutOfStock', {})]));

    it('schedules one job on InventoryBackInStock for the admins and the shoppers it names', () =>
      expect(jobsFor(alert('InventoryBackInStock', { available: 4, notify: ['c-1', 'c-2'] }))).to.deep.equal([
        notice('InventoryBackInStock', { available: 4, customers: ['c-1', 'c-2'] }),
      ]));

    it('schedules the same job for the same alert delivered again', () =>
      expect(jobsFor(alert('InventoryOutOfStock', {}))).to.deep.equal(jobsFor(alert('InventoryOutOfStock', {}))));

    it("groups alerts by SKU, apart from any customer's events", () =>
      expect(notificationsManager.sagaId(alert('StockLevelLow', { available: 3, threshold: 5 }))).to.equal('sku:MUG-1'));

    for (const type of ['LowStockThresholdSet', 'BackInStockRequested', 'InventoryAdjusted'] as const) {
      it(`sends nothing on ${type}`, () => expect(react({}, alert(type, { customerId: CUSTOMER })).jobs).to.deep.equal([]));
    }
  });

  describe('about the password', () => {
    const account = (type: string, data: Record<string, unknown>) => event(type, { customerId: CUSTOMER, ...data });

    it('mails a reset request, naming the request for the link but holding no link or token', () => {
      const jobs = jobsFor(account('CustomerPasswordResetRequested', { requestId: 'req-1', requestedAt: OCCURRED_AT, expiresAt: '2025-03-04T06:00:00.000Z' }));
      expect(jobs).to.have.length(1);
      expect(jobs[0]!.payload).to.include({ type: 'CustomerPasswordResetRequested', customerId: CUSTOMER, orderId: null, subject: 'Reset your password', resetRequestId: 'req-1' });
      expect(String(jobs[0]!.payload.text)).to.include('2025-03-04T06:00:00.000Z').and.not.include('token').and.not.include('http');
    });

    it('tells the customer the password was changed, and how', () => {
      const [changed] = jobsFor(account('CustomerPasswordChanged', { passwordHash: 'scrypt$x', changedAt: OCCURRED_AT, via: 'change' }));
      const [reset] = jobsFor(account('CustomerPasswordChanged', { passwordHash: 'scrypt$x', changedAt: OCCURRED_AT, via: 'reset' }));
      expect([changed!.payload.subject, reset!.payload.subject]).to.deep.equal(['Your password was changed', 'Your password was changed']);
      expect(String(changed!.payload.text)).to.include('from your account');
      expect(String(reset!.payload.text)).to.include('through the link we emailed you');
      expect(JSON.stringify(changed!.payload)).to.not.include('scrypt');
    });
  });

  describe('as a process manager', () => {
    it('listens to the notifying events, the stock alerts, the subscription notices and the password notices', () =>
      expect(notificationsManager.eventTypes).to.have.members([
        'OrderCreated', 'PaymentFailed', 'OrderShipped', 'OrderDelivered', 'OrderCancelled', 'PaymentRefunded', 'ShipmentDeliveryFailed',
        'StockLevelLow', 'InventoryOutOfStock', 'InventoryBackInStock', 'ShipmentBookingRefused',
        'SubscriptionCreated', 'SubscriptionPastDue', 'SubscriptionCancelled',
        'CustomerPasswordResetRequested', 'CustomerPasswordChanged',
      ]));

    it('groups the events by customer', () => expect(notificationsManager.sagaId(orderShipped())).to.equal(CUSTOMER));

    it('reacts as react does', () =>
      expect(notificationsManager.react(notificationsManager.initialState(), orderCreated())).to.deep.equal(react({}, orderCreated())));

    it('notifies on every event it listens to', () =>
      expect(NOTIFYING_EVENTS.filter((type) => jobsFor(sample(type)).filter((job) => job.kind === 'send-notification').length !== 1)).to.deep.equal([]));
  });

  describe('when the carrier could not deliver', () => {
    it('tells the customer, and every admin in one job of its own, both with ids from the event', () => {
      const [customer, admins, ...more] = jobsFor(deliveryFailed());
      expect(more).to.deep.equal([]);
      expect(customer).to.deep.include({ id: `send-notification:${EVENT_ID}`, kind: 'send-notification', runAt: OCCURRED_AT });
      expect(customer!.payload).to.include({ type: 'ShipmentDeliveryFailed', customerId: CUSTOMER, orderId: ORDER, subject: 'We could not deliver your order A1B2C3D4' });
      expect(customer!.payload.text).to.include('nobody was home');
      expect(admins).to.deep.include({ id: `notify-admins:${EVENT_ID}`, kind: 'notify-admins', runAt: OCCURRED_AT });
      expect(admins!.payload).to.include({ noticeId: EVENT_ID, type: 'ShipmentDeliveryFailed', orderId: ORDER, subject: 'Delivery failed: order A1B2C3D4' });
      expect(admins!.payload.text).to.include('SC-REF').and.to.include('nobody was home');
    });

    it('schedules the same jobs when the event comes again (the runner keeps one per id)', () =>
      expect(jobsFor(deliveryFailed())).to.deep.equal(jobsFor(deliveryFailed())));
  });

  describe('when the carrier refused a booking', () => {
    it('tells every admin (the refusal may come from the booking job, after the dispatch answered), not the customer', () => {
      const refused = event('ShipmentBookingRefused', { ...ids, shipmentId: SHIPMENT, attempt: 1, reason: 'no service to 00000', refusedAt: OCCURRED_AT });
      const [admins, ...more] = jobsFor(refused);
      expect(more).to.deep.equal([]);
      expect(admins).to.deep.include({ id: `notify-admins:${EVENT_ID}`, kind: 'notify-admins', runAt: OCCURRED_AT });
      expect(admins!.payload).to.include({ noticeId: EVENT_ID, type: 'ShipmentBookingRefused', orderId: ORDER, subject: 'Carrier refused shipment of order A1B2C3D4' });
      expect(admins!.payload.text).to.include('no service to 00000');
    });
  });
});

// ------------------------------------------------------------------ fixtures

const EVENT_ID = '3f2a1b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b';
const OTHER_EVENT_ID = '4e3b2c5d-6e7f-4a81-9bac-1d2e3f4a5b6c';
const ORDER = 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d';
const CUSTOMER = 'customer-7';
const PRODUCT = '5c4d3e2f-1a0b-4c9d-8e7f-6a5b4c3d2e1f';
const PAYMENT = 'payment-1';
const SHIPMENT = '9b2f4c1e-3d5a-4e6f-8a7b-1c2d3e4f5a6b';
const OCCURRED_AT = '2024-05-02T10:00:00.000Z';
const RECORDED_AT = '2024-05-02T10:00:00.250Z';


const jobsFor = (event: RecordedEvent): Job[] => react({}, event).jobs;

/** The one job a notifying event schedules: its id, payload ids and time come from the event. */
const notification = (type: string, message: Pick<NotificationPayload, 'subject' | 'text'>): Job => ({
  id: `send-notification:${EVENT_ID}`,
  kind: 'send-notification',
  runAt: OCCURRED_AT,
  payload: { notificationId: EVENT_ID, type, customerId: CUSTOMER, orderId: ORDER, ...message },
});

const event = (type: string, data: Record<string, unknown>): RecordedEvent => ({
  ...recorded(type, data, { occurredAt: OCCURRED_AT, recordedAt: RECORDED_AT, streamName: `order-${ORDER}` }),
  id: EVENT_ID,
});

const ids = { orderId: ORDER, customerId: CUSTOMER };

const orderCreated = () =>
  event('OrderCreated', {
    ...ids,
    paymentId: PAYMENT,
    shipmentId: SHIPMENT,
    lines: LINES,
    total: TOTAL,
    shippingAddress: HOME,
    paymentMethod: { token: 'tok_visa' },
    createdAt: OCCURRED_AT,
  });
const paymentFailed = (reason: string) => event('PaymentFailed', { ...ids, paymentId: PAYMENT, reason, failedAt: OCCURRED_AT });
const orderShipped = () =>
  event('OrderShipped', { ...ids, shipmentId: SHIPMENT, trackingNumber: 'TRK9B2F4C1E3D5A4E6F', lines: LINES, shippedAt: OCCURRED_AT });
const orderDelivered = (lines = LINES) => event('OrderDelivered', { ...ids, shipmentId: SHIPMENT, lines, deliveredAt: OCCURRED_AT });
const orderCancelled = (cancelledBy: string) =>
  event('OrderCancelled', { ...ids, shipmentId: SHIPMENT, cancelledBy, previousStatus: 'Pending', cancelledAt: OCCURRED_AT });
const paymentRefunded = (amount: { amount: number; currency: string }) =>
  event('PaymentRefunded', { ...ids, paymentId: PAYMENT, amount, providerReference: 're_1', reason: 'cancelled', refundedAt: OCCURRED_AT });

const deliveryFailed = () =>
  event('ShipmentDeliveryFailed', { ...ids, shipmentId: SHIPMENT, carrierEventId: 'evt_1', carrierReference: 'SC-REF', occurredAt: OCCURRED_AT, reason: 'nobody was home' });

const sample = (type: (typeof NOTIFYING_EVENTS)[number]): RecordedEvent =>
  ({
    OrderCreated: orderCreated,
    PaymentFailed: () => paymentFailed('declined'),
    OrderShipped: orderShipped,
    OrderDelivered: orderDelivered,
    OrderCancelled: () => orderCancelled(`customer:${CUSTOMER}`),
    PaymentRefunded: () => paymentRefunded(TOTAL),
    ShipmentDeliveryFailed: deliveryFailed,
  })[type]();
