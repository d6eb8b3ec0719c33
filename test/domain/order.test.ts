import { expect } from 'chai';
import {
  AddressChangedError,
  orderDecider,
  orderStream,
  type AmendOrder,
  type CancelOrder,
  type ConfirmOrder,
  type CreateOrder,
  type DeliverOrder,
  type FailOrder,
  type FailureReason,
  type MarkOrderPaid,
  type OrderAmended,
  type OrderCancelled,
  type OrderCommand,
  type OrderConfirmed,
  type OrderCreated,
  type OrderDelivered,
  type OrderEvent,
  type OrderFailed,
  type OrderPaid,
  type OrderShipped,
  type OrderStatus,
  type ShipOrder,
  type ShippingAddress,
} from '../../src/domain/ordering/order.js';
import { ConflictError, IllegalStateError, NotFoundError, ValidationError } from '../../src/domain/shared/errors.js';
import { specFor } from '../support/given-when-then.js';
import { HOME, LINES, MUG, TEA, TOTAL, WORK } from './order-fixtures.js';

const { given } = specFor(orderDecider);

describe('Order', () => {
  describe('when not placed', () => {
    it('is created with its total computed from the lines', () => given([]).when(create()).then([created()]));

    it('is created with a single line', () =>
      given([]).when(create({ lines: [MUG] })).then([created({ lines: [MUG], total: { amount: 2400, currency: 'USD' } })]));

    it('cannot be created without lines', () =>
      given([]).when(create({ lines: [] })).thenThrows(ValidationError, /an order needs at least one line/));

    it('cannot be created in two currencies', () =>
      given([])
        .when(create({ lines: [MUG, { ...TEA, unitPrice: { amount: 450, currency: 'EUR' } }] }))
        .thenThrows(ValidationError, /an order has one currency/));

    for (const type of ['MarkOrderPaid', 'ConfirmOrder', 'ShipOrder', 'DeliverOrder', 'FailOrder', 'CancelOrder', 'AmendOrder'] as const) {
      it(`cannot take ${type}`, () => given([]).when(command(type)).thenThrows(NotFoundError, /order not found/));
    }
  });

  describe('when pending', () => {
    const pending = () => [created()];

    it('cannot be created again', () => given(pending()).when(create()).thenThrows(ConflictError, /the order already exists/));

    it('is paid', () => given(pending()).when(markPaid()).then([paid()]));

    it('is not confirmed before it is paid', () => given(pending()).when(confirm()).then([]));

    it('fails when the payment is declined', () => given(pending()).when(fail('payment-declined')).then([failed('payment-declined')]));

    it('fails when the payment times out', () => given(pending()).when(fail('payment-timeout')).then([failed('payment-timeout')]));

    it('is cancelled, remembering it was pending', () => given(pending()).when(cancel()).then([cancelled('Pending')]));

    it('is amended with a new address', () => given(pending()).when(amend(WORK)).then([amended(WORK)]));

    it('is not amended to the address it already has', () => given(pending()).when(amend(HOME)).then([]));

    it('cannot be shipped', () => given(pending()).when(ship()).thenThrows(IllegalStateError, /a pending order cannot be shipped/));

    it('cannot be delivered', () => given(pending()).when(deliver()).thenThrows(IllegalStateError, /a pending order cannot be delivered/));
  });

  describe('when paid', () => {
    const paidOrder = () => [created(), paid()];

    it('is not paid again', () => given(paidOrder()).when(markPaid()).then([]));

    it('is confirmed', () => given(paidOrder()).when(confirm()).then([confirmed()]));

    it('fails when stock is out', () => given(paidOrder()).when(fail('out-of-stock')).then([failed('out-of-stock')]));

    it('is cancelled, remembering it was paid', () => given(paidOrder()).when(cancel()).then([cancelled('Paid')]));

    it('is amended with a new address', () => given(paidOrder()).when(amend(WORK)).then([amended(WORK)]));

    it('cannot be shipped', () => given(paidOrder()).when(ship()).thenThrows(IllegalStateError, /a paid order cannot be shipped/));

    it('cannot be delivered', () => given(paidOrder()).when(deliver()).thenThrows(IllegalStateError, /a paid order cannot be delivered/));
  });

  describe('when confirmed', () => {
    const confirmedOrder = () => [created(), paid(), confirmed()];

    it('is shipped with its tracking number, shipment and lines', () => given(confirmedOrder()).when(ship()).then([shipped()]));

    it('is not paid again', () => given(confirmedOrder()).when(markPaid()).then([]));

    it('is not confirmed again', () => given(confirmedOrder()).when(confirm()).then([]));

    it('fails when told to', () => given(confirmedOrder()).when(fail('out-of-stock')).then([failed('out-of-stock')]));

    it('is cancelled, remembering it was confirmed', () => given(confirmedOrder()).when(cancel()).then([cancelled('Confirmed')]));

    it('is amended with a new address', () => given(confirmedOrder()).when(amend(WORK)).then([amended(WORK)]));

    it('is amended back to an earlier address', () =>
      given([...confirmedOrder(), amended(WORK)]).when(amend(HOME)).then([amended(HOME)]));

    it('is not amended to the amended address again', () => given([...confirmedOrder(), amended(WORK)]).when(amend(WORK)).then([]));

    it('cannot be delivered before it ships', () =>
      given(confirmedOrder()).when(deliver()).thenThrows(IllegalStateError, /a confirmed order cannot be delivered/));
  
    it('ships under a booking made for its address as it is', () =>
      given([...confirmedOrder(), amended(WORK)]).when({ ...ship(), bookedFor: 1 }).then([shipped()]));

    it('does not ship under a booking made before its address was amended', () =>
      given([...confirmedOrder(), amended(WORK)]).when({ ...ship(), bookedFor: 0 }).thenThrows(AddressChangedError, /address changed while the carrier was booking/));

    it('does not ship under a booking made before it was amended back to that address', () =>
      given([...confirmedOrder(), amended(WORK), amended(HOME)]).when({ ...ship(), bookedFor: 1 }).thenThrows(AddressChangedError));
  });

  describe('when shipped', () => {
    const shippedOrder = () => [created(), paid(), confirmed(), shipped()];

    it('is delivered with its shipment and lines', () => given(shippedOrder()).when(deliver()).then([delivered()]));

    it('is not shipped again', () => given(shippedOrder()).when(ship()).then([]));

    for (const type of ['MarkOrderPaid', 'ConfirmOrder', 'FailOrder'] as const) {
      it(`decides nothing on ${type}`, () => given(shippedOrder()).when(command(type)).then([]));
    }

    it('cannot be cancelled', () => given(shippedOrder()).when(cancel()).thenThrows(IllegalStateError, /a shipped order cannot be cancelled/));

    it('cannot be amended', () => given(shippedOrder()).when(amend(WORK)).thenThrows(IllegalStateError, /a shipped order cannot be amended/));

    it('cannot be amended, even to the same address', () =>
      given(shippedOrder()).when(amend(HOME)).thenThrows(IllegalStateError, /a shipped order cannot be amended/));
  });

  describe('when delivered', () => {
    const deliveredOrder = () => [created(), paid(), confirmed(), shipped(), delivered()];

    it('is not delivered again', () => given(deliveredOrder()).when(deliver()).then([]));

    for (const type of ['MarkOrderPaid', 'ConfirmOrder', 'FailOrder'] as const) {
      it(`decides nothing on ${type}`, () => given(deliveredOrder()).when(command(type)).then([]));
    }

    it('is not shipped again: a repeated dispatch decides nothing', () => given(deliveredOrder()).when(ship()).then([]));

    it('cannot be cancelled', () => given(deliveredOrder()).when(cancel()).thenThrows(IllegalStateError, /a delivered order cannot be cancelled/));

    it('cannot be amended', () => given(deliveredOrder()).when(amend(WORK)).thenThrows(IllegalStateError, /a delivered order cannot be amended/));
  });

  describe('when failed', () => {
    const failedOrder = () => [created(), failed('payment-declined')];

    it('does not fail again', () => given(failedOrder()).when(fail('payment-timeout')).then([]));

    for (const type of ['MarkOrderPaid', 'ConfirmOrder'] as const) {
      it(`decides nothing on ${type}`, () => given(failedOrder()).when(command(type)).then([]));
    }

    it('cannot be cancelled', () => given(failedOrder()).when(cancel()).thenThrows(IllegalStateError, /a failed order cannot be cancelled/));

    it('cannot be amended', () => given(failedOrder()).when(amend(WORK)).thenThrows(IllegalStateError, /a failed order cannot be amended/));

    it('cannot be shipped', () => given(failedOrder()).when(ship()).thenThrows(IllegalStateError, /a failed order cannot be shipped/));

    it('cannot be delivered', () => given(failedOrder()).when(deliver()).thenThrows(IllegalStateError, /a failed order cannot be delivered/));
  });

  describe('when cancelled', () => {
    const cancelledOrder = () => [created(), paid(), cancelled('Paid')];

    it('is not cancelled again', () => given(cancelledOrder()).when(cancel()).then([]));

    it('is not cancelled again, even by someone else', () => given(cancelledOrder()).when(cancel({ by: ADMIN })).then([]));

    for (const type of ['MarkOrderPaid', 'ConfirmOrder', 'FailOrder'] as const) {
      it(`decides nothing on ${type}`, () => given(cancelledOrder()).when(command(type)).then([]));
    }

    it('cannot be shipped', () => given(cancelledOrder()).when(ship()).thenThrows(IllegalStateError, /a cancelled order cannot be shipped/));

    it('cannot be delivered', () =>
      given(cancelledOrder()).when(deliver()).thenThrows(IllegalStateError, /a cancelled order cannot be delivered/));

    it('cannot be amended', () => given(cancelledOrder()).when(amend(WORK)).thenThrows(IllegalStateError, /a cancelled order cannot be amended/));
  });

  describe('placed in the moment of its customer\'s erasure', () => {
    it('is told so once, with its status then', () => {
      given([created(), paid(), confirmed()]).when(forget()).then([customerErased('Confirmed')]);
      given([created(), paid(), confirmed(), customerErased('Confirmed')]).when(forget()).then([]);
    });

    it('is told so whatever its status (a failed one too)', () => given([created(), failed('payment-declined')]).when(forget()).then([customerErased('Failed')]));

    it('cannot be amended any more (nobody to ship to)', () =>
      given([created(), customerErased('Pending')]).when(amend(WORK)).thenThrows(IllegalStateError, /the customer of this order was erased/));

    it('can still be cancelled', () => given([created(), customerErased('Pending')]).when(cancel()).then([cancelled('Pending')]));
  });

  describe('state', () => {
    it('keeps what later decisions need', () =>
      expect(given([created()]).state()).to.deep.equal({
        status: 'Pending',
        orderId: ORDER,
        customerId: CUSTOMER,
        shipmentId: SHIPMENT,
        lines: LINES,
        shippingAddress: HOME,
      }));

    it('follows the status through the lifecycle', () => {
      const lifecycle: [OrderEvent[], OrderStatus][] = [
        [[created(), paid()], 'Paid'],
        [[created(), paid(), confirmed()], 'Confirmed'],
        [[created(), paid(), confirmed(), shipped()], 'Shipped'],
        [[created(), paid(), confirmed(), shipped(), delivered()], 'Delivered'],
        [[created(), failed('payment-timeout')], 'Failed'],
        [[created(), cancelled('Pending')], 'Cancelled'],
      ];
      expect(lifecycle.map(([history]) => given(history).state().status)).to.deep.equal(lifecycle.map(([, status]) => status));
    });

    it('takes the amended address', () =>
      expect(given([created(), amended(WORK)]).state()).to.include({ shippingAddress: WORK, status: 'Pending' }));

    it('keeps the tracking number once shipped', () =>
      expect(given([created(), paid(), confirmed(), shipped()]).state()).to.include({ trackingNumber: TRACKING, status: 'Shipped' }));

    it('ignores events of an order never created', () =>
      expect(given([paid(), confirmed(), cancelled('Paid')]).state()).to.deep.equal({ status: 'None' }));
  });

  describe('helpers', () => {
    it('name the stream order-<id>', () => expect(orderStream(ORDER)).to.equal(`order-${ORDER}`));
  });
});

// ------------------------------------------------------------------ fixtures

const ORDER = 'order-1';
const CUSTOMER = 'customer-7';
const PAYMENT = 'payment-1';
const SHIPMENT = 'shipment-1';
const TRACKING = 'TRKSHIPMENT1';
const BY = 'customer:customer-7';
const ADMIN = 'admin:admin-1';
const CREATED_AT = '2024-05-02T10:00:00.000Z';
const NOW = '2024-05-02T11:00:00.000Z';

const create = (overrides: Partial<CreateOrder> = {}): CreateOrder => ({
  type: 'CreateOrder',
  orderId: ORDER,
  customerId: CUSTOMER,
  paymentId: PAYMENT,
  shipmentId: SHIPMENT,
  lines: LINES,
  shippingAddress: HOME,
  paymentMethod: { token: 'tok_visa' },
  now: CREATED_AT,
  ...overrides,
});
const markPaid = (): MarkOrderPaid => ({ type: 'MarkOrderPaid', paymentId: PAYMENT, now: NOW });
const confirm = (): ConfirmOrder => ({ type: 'ConfirmOrder', now: NOW });
const ship = (): ShipOrder => ({ type: 'ShipOrder', trackingNumber: TRACKING, now: NOW });
const deliver = (): DeliverOrder => ({ type: 'DeliverOrder', now: NOW });
const fail = (reason: FailureReason): FailOrder => ({ type: 'FailOrder', reason, now: NOW });
const cancel = (overrides: Partial<CancelOrder> = {}): CancelOrder => ({ type: 'CancelOrder', by: BY, now: NOW, ...overrides });
const amend = (shippingAddress: ShippingAddress): AmendOrder => ({ type: 'AmendOrder', shippingAddress, now: NOW });
const forget = (): OrderCommand => ({ type: 'ForgetOrderCustomer', now: NOW });
const customerErased = (status: OrderStatus): OrderEvent => ({ type: 'OrderCustomerErased', data: { orderId: ORDER, customerId: CUSTOMER, shipmentId: SHIPMENT, status, erasedAt: NOW } });

/** A command by its type, for the cases that run the same way for several commands. */
const command = (type: Exclude<OrderCommand['type'], 'CreateOrder' | 'ForgetOrderCustomer'>): OrderCommand =>
  [markPaid(), confirm(), ship(), deliver(), fail('out-of-stock'), cancel(), amend(WORK)].find((c) => c.type === type)!;

const created = (overrides: Partial<OrderCreated['data']> = {}): OrderCreated => ({
  type: 'OrderCreated',
  data: {
    orderId: ORDER,
    customerId: CUSTOMER,
    paymentId: PAYMENT,
    shipmentId: SHIPMENT,
    lines: LINES,
    total: TOTAL,
    shippingAddress: HOME,
    paymentMethod: { token: 'tok_visa' },
    createdAt: CREATED_AT,
    ...overrides,
  },
});
const paid = (): OrderPaid => ({ type: 'OrderPaid', data: { orderId: ORDER, customerId: CUSTOMER, paymentId: PAYMENT, paidAt: NOW } });
const confirmed = (): OrderConfirmed => ({ type: 'OrderConfirmed', data: { orderId: ORDER, customerId: CUSTOMER, confirmedAt: NOW } });
const shipped = (): OrderShipped => ({
  type: 'OrderShipped',
  data: { orderId: ORDER, customerId: CUSTOMER, shipmentId: SHIPMENT, trackingNumber: TRACKING, lines: LINES, shippedAt: NOW },
});
const delivered = (): OrderDelivered => ({
  type: 'OrderDelivered',
  data: { orderId: ORDER, customerId: CUSTOMER, shipmentId: SHIPMENT, lines: LINES, deliveredAt: NOW },
});
const failed = (reason: FailureReason): OrderFailed => ({ type: 'OrderFailed', data: { orderId: ORDER, customerId: CUSTOMER, reason, failedAt: NOW } });
const cancelled = (previousStatus: OrderStatus): OrderCancelled => ({
  type: 'OrderCancelled',
  data: { orderId: ORDER, customerId: CUSTOMER, shipmentId: SHIPMENT, cancelledBy: BY, previousStatus, cancelledAt: NOW },
});
const amended = (shippingAddress: ShippingAddress): OrderAmended => ({
  type: 'OrderAmended',
  data: { orderId: ORDER, customerId: CUSTOMER, shipmentId: SHIPMENT, shippingAddress, amendedAt: NOW },
});
