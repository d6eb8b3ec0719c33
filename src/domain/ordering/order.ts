import { sameAddress, type Address } from '../customer/customer.js';
import { ConflictError, IllegalStateError, NotFoundError, ValidationError } from '../shared/errors.js';
import type { Decider, DomainEvent, Money } from '../shared/types.js';

/**
 * The order's lifecycle (`order-<uuid>`): Pending → Paid → Confirmed → Shipped → Delivered,
 * or Failed, or Cancelled. The order stream decides everything that must not race:
 * shipping, cancelling and amending, so a cancelled order can never be shipped.
 * Commands the saga sends twice, or too late, decide nothing instead of failing.
 */

// ------------------------------------------------------------------ events

export type OrderLine = { productId: string; sku: string; name: string; quantity: number; unitPrice: Money };
export type ShippingAddress = Omit<Address, 'addressId'>;
/** `customer-erased`: placed as its customer was erased (another process's checkout in that moment); its payment was voided. */
export type FailureReason = 'payment-declined' | 'payment-timeout' | 'out-of-stock' | 'customer-erased';

export type OrderCreated = DomainEvent<
  'OrderCreated',
  {
    orderId: string;
    customerId: string;
    paymentId: string;
    shipmentId: string;
    lines: OrderLine[];
    total: Money;
    shippingAddress: ShippingAddress;
    paymentMethod: OrderPaymentMethod;
    createdAt: string;
    /** Set on an order placed by a subscription's renewal (absent on a checkout's). */
    subscription?: RenewalOf;
    /** A checkout's: how many times the cart had been checked out before this order was made from it (absent on orders placed before it was kept). */
    cartCheckouts?: number;
  }
>;
/** The renewal of a subscription, and its try, that placed an order. */
export type RenewalOf = { subscriptionId: string; renewal: number; attempt: number };

/** The provider token the order is paid with; `paymentMethodId` when it is one of the customer's saved methods. */
export type OrderPaymentMethod = { token: string; paymentMethodId?: string };

export type OrderPaid = DomainEvent<'OrderPaid', { orderId: string; customerId: string; paymentId: string; paidAt: string }>;
export type OrderConfirmed = DomainEvent<'OrderConfirmed', { orderId: string; customerId: string; confirmedAt: string }>;
export type OrderShipped = DomainEvent<
  'OrderShipped',
  {
    orderId: string;
    customerId: string;
    shipmentId: string;
    trackingNumber: string;
    lines: OrderLine[];
    shippedAt: string;
    /** The carrier's booking, when the carrier booked it (not a hand-over with a tracking number of the admin's). */
    carrierReference?: string;
    labelUrl?: string;
  }
>;
export type OrderDelivered = DomainEvent<
  'OrderDelivered',
  { orderId: string; customerId: string; shipmentId: string; lines: OrderLine[]; deliveredAt: string }
>;
export type OrderFailed = DomainEvent<'OrderFailed', { orderId: string; customerId: string; reason: FailureReason; failedAt: string; subscription?: RenewalOf }>;
export type OrderCancelled = DomainEvent<
  'OrderCancelled',
  { orderId: string; customerId: string; shipmentId: string; cancelledBy: string; previousStatus: OrderStatus; cancelledAt: string }
>;
export type OrderAmended = DomainEvent<
  'OrderAmended',
  { orderId: string; customerId: string; shipmentId: string; shippingAddress: ShippingAddress; amendedAt: string }
>;

/**
 * The order's customer was erased after the order was placed (another process placed it in the
 * moment of the erasure, past its look at the orders in flight): the read models drop their copy
 * of the address, as CustomerErased has them do for the orders before it. `status`: the order's then.
 */
export type OrderCustomerErased = DomainEvent<
  'OrderCustomerErased',
  { orderId: string; customerId: string; shipmentId: string; status: OrderStatus; erasedAt: string }
>;

export type OrderEvent =
  | OrderCreated
  | OrderCustomerErased
  | OrderPaid
  | OrderConfirmed
  | OrderShipped
  | OrderDelivered
  | OrderFailed
  | OrderCancelled
  | OrderAmended;

// ------------------------------------------------------------------ state

export type OrderStatus = 'Pending' | 'Paid' | 'Confirmed' | 'Shipped' | 'Delivered' | 'Failed' | 'Cancelled';

export type Order =
  | { status: 'None' }
  | {
      status: OrderStatus;
      orderId: string;
      customerId: string;
      shipmentId: string;
      lines: OrderLine[];
      shippingAddress: ShippingAddress;
      trackingNumber?: string;
      /** The carrier's reference of the booking it shipped under: its reports name it. */
      carrierReference?: string;
      subscription?: RenewalOf;
      /** How many times the address was amended: names the address a carrier booking was made for. */
      amendments?: number;
      /** Told that its customer was erased (OrderCustomerErased). */
      customerErased?: true;
    };

export const initialState = (): Order => ({ status: 'None' });

export const evolve = (state: Order, event: OrderEvent): Order => {
  if (event.type === 'OrderCreated') {
    const { orderId, customerId, shipmentId, lines, shippingAddress, subscription } = event.data;
    return { status: 'Pending', orderId, customerId, shipmentId, lines, shippingAddress, ...(subscription ? { subscription } : {}) };
  }
  if (state.status === 'None') return state;
  switch (event.type) {
    case 'OrderPaid':
      return { ...state, status: 'Paid' };
    case 'OrderConfirmed':
      return { ...state, status: 'Confirmed' };
    case 'OrderShipped':
      return { ...state, status: 'Shipped', trackingNumber: event.data.trackingNumber, ...(event.data.carrierReference ? { carrierReference: event.data.carrierReference } : {}) };
    case 'OrderDelivered':
      return { ...state, status: 'Delivered' };
    case 'OrderFailed':
      return { ...state, status: 'Failed' };
    case 'OrderCancelled':
      return { ...state, status: 'Cancelled' };
    case 'OrderAmended':
      return { ...state, shippingAddress: event.data.shippingAddress, amendments: (state.amendments ?? 0) + 1 };
    case 'OrderCustomerErased':
      return { ...state, customerErased: true };
  }
};

// ------------------------------------------------------------------ commands

export type CreateOrder = {
  type: 'CreateOrder';
  orderId: string;
  customerId: string;
  paymentId: string;
  shipmentId: string;
  lines: OrderLine[];
  shippingAddress: ShippingAddress;
  paymentMethod: OrderPaymentMethod;
  subscription?: RenewalOf;
  cartCheckouts?: number;
  now: string;
};
export type MarkOrderPaid = { type: 'MarkOrderPaid'; paymentId: string; now: string };
export type ConfirmOrder = { type: 'ConfirmOrder'; now: string };
/**
 * `bookedFor`: the order's `amendments` when the carrier was asked to book (its address then);
 * the order ships under that booking only if its address has not been amended since.
 */
export type ShipOrder = { type: 'ShipOrder'; trackingNumber: string; carrier?: { reference: string; labelUrl: string }; bookedFor?: number; now: string };
export type DeliverOrder = { type: 'DeliverOrder'; now: string };
export type FailOrder = { type: 'FailOrder'; reason: FailureReason; now: string };
export type CancelOrder = { type: 'CancelOrder'; by: string; now: string };
export type AmendOrder = { type: 'AmendOrder'; shippingAddress: ShippingAddress; now: string };
/** The erasure's job, for an order placed in the moment of the erasure: once. */
export type ForgetOrderCustomer = { type: 'ForgetOrderCustomer'; now: string };

export type OrderCommand = CreateOrder | MarkOrderPaid | ConfirmOrder | ShipOrder | DeliverOrder | FailOrder | CancelOrder | AmendOrder | ForgetOrderCustomer;

const OPEN: readonly OrderStatus[] = ['Pending', 'Paid', 'Confirmed'];

/** A carrier booking made for an address the order no longer ships to: it is called off and made again. */
export class AddressChangedError extends ConflictError {}

export const decide = (command: OrderCommand, state: Order): OrderEvent[] => {
  if (command.type === 'CreateOrder') return create(command, state);
  if (state.status === 'None') throw new NotFoundError('order not found');
  const { orderId, customerId } = state;
  const now = command.now;
  switch (command.type) {
    case 'MarkOrderPaid':
      return state.status === 'Pending' ? [{ type: 'OrderPaid', data: { orderId, customerId, paymentId: command.paymentId, paidAt: now } }] : [];
    case 'ConfirmOrder':
      return state.status === 'Paid' ? [{ type: 'OrderConfirmed', data: { orderId, customerId, confirmedAt: now } }] : [];
    case 'FailOrder':
      if (!OPEN.includes(state.status)) return [];
      // A renewal's order says so when it fails: the subscription tries again.
      return [{ type: 'OrderFailed', data: { orderId, customerId, reason: command.reason, failedAt: now, ...(state.subscription ? { subscription: state.subscription } : {}) } }];
    case 'ShipOrder': {
      if (state.status === 'Shipped' || state.status === 'Delivered') return [];
      if (state.status !== 'Confirmed') throw new IllegalStateError(`a ${state.status.toLowerCase()} order cannot be shipped`);
      // Amended while the carrier was booking: that parcel would go to the old address.
      if (command.bookedFor !== undefined && command.bookedFor !== (state.amendments ?? 0)) throw new AddressChangedError('the shipping address changed while the carrier was booking');
      const { shipmentId, lines } = state;
      const carrier = command.carrier ? { carrierReference: command.carrier.reference, labelUrl: command.carrier.labelUrl } : {};
      return [{ type: 'OrderShipped', data: { orderId, customerId, shipmentId, trackingNumber: command.trackingNumber, lines, shippedAt: now, ...carrier } }];
    }
    case 'DeliverOrder': {
      if (state.status === 'Delivered') return [];
      if (state.status !== 'Shipped') throw new IllegalStateError(`a ${state.status.toLowerCase()} order cannot be delivered`);
      return [{ type: 'OrderDelivered', data: { orderId, customerId, shipmentId: state.shipmentId, lines: state.lines, deliveredAt: now } }];
    }
    case 'CancelOrder':
      return cancel(command, state);
    case 'AmendOrder':
      return amend(command, state);
    case 'ForgetOrderCustomer':
      return state.customerErased ? [] : [{ type: 'OrderCustomerErased', data: { orderId, customerId, shipmentId: state.shipmentId, status: state.status, erasedAt: now } }];
    default: {
      const _exhaustive: never = command;
      throw _exhaustive;
    }
  }
};

type Placed = Exclude<Order, { status: 'None' }>;

const create = (command: CreateOrder, state: Order): OrderEvent[] => {
  if (state.status !== 'None') throw new ConflictError('the order already exists');
  const { orderId, customerId, paymentId, shipmentId, lines, shippingAddress, paymentMethod, subscription, cartCheckouts, now } = command;
  if (lines.length === 0) throw new ValidationError('an order needs at least one line', [{ field: 'lines', message: 'must not be empty' }]);
  if (new Set(lines.map((line) => line.sku)).size !== lines.length) {
    throw new ValidationError('one line per SKU', [{ field: 'lines', message: 'must not repeat a SKU' }]);
  }
  const currency = lines[0]!.unitPrice.currency;
  if (lines.some((line) => line.unitPrice.currency !== currency)) throw new ValidationError('an order has one currency');
  const total = { amount: lines.reduce((sum, line) => sum + line.unitPrice.amount * line.quantity, 0), currency };
  return [
    { type: 'OrderCreated', data: { orderId, customerId, paymentId, shipmentId, lines, total, shippingAddress, paymentMethod, createdAt: now, ...(subscription ? { subscription } : {}), ...(cartCheckouts !== undefined ? { cartCheckouts } : {}) } },
  ];
};

const cancel = (command: CancelOrder, state: Placed): OrderEvent[] => {
  if (state.status === 'Cancelled') return [];
  if (!OPEN.includes(state.status)) throw new IllegalStateError(`a ${state.status.toLowerCase()} order cannot be cancelled`);
  const { orderId, customerId, shipmentId } = state;
  const data = { orderId, customerId, shipmentId, cancelledBy: command.by, previousStatus: state.status, cancelledAt: command.now };
  return [{ type: 'OrderCancelled', data }];
};

const amend = (command: AmendOrder, state: Placed): OrderEvent[] => {
  if (state.customerErased) throw new IllegalStateError('the customer of this order was erased');
  if (!OPEN.includes(state.status)) throw new IllegalStateError(`a ${state.status.toLowerCase()} order cannot be amended`);
  if (sameAddress(state.shippingAddress, command.shippingAddress)) return [];
  const { orderId, customerId, shipmentId } = state;
  return [{ type: 'OrderAmended', data: { orderId, customerId, shipmentId, shippingAddress: command.shippingAddress, amendedAt: command.now } }];
};

export const orderDecider: Decider<Order, OrderCommand, OrderEvent> = { initialState, evolve, decide };

export const orderStream = (orderId: string) => `order-${orderId}`;
