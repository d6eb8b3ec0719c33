import { ConflictError, IllegalStateError, NotFoundError, ValidationError } from '../shared/errors.js';
import type { Decider, DomainEvent } from '../shared/types.js';

/**
 * Stock of one SKU (`inventory-<sku>`). The stream is created when a product claims
 * the SKU (`no_stream`), which is also what keeps SKUs unique.
 * available = onHand - reserved; no adjustment takes onHand below reserved, and a
 * reservation never takes available below zero. Each order reserves, releases or ships
 * a SKU at most once: the state remembers what it did for every recent order.
 */

// ------------------------------------------------------------------ events

export type InventoryItemRegistered = DomainEvent<'InventoryItemRegistered', { sku: string; productId: string; registeredAt: string }>;
export type StockReceived = DomainEvent<'StockReceived', { sku: string; productId: string; quantity: number; receivedAt: string }>;
export type StockAdjusted = DomainEvent<
  'StockAdjusted',
  { sku: string; productId: string; delta: number; reason: string; adjustedAt: string }
>;

export type StockReserved = DomainEvent<
  'StockReserved',
  { sku: string; productId: string; orderId: string; quantity: number; reservedAt: string }
>;
/** A reservation refused for lack of stock: a fact the order saga reacts to, not an error. */
export type StockReservationFailed = DomainEvent<
  'StockReservationFailed',
  { sku: string; productId: string; orderId: string; requested: number; available: number; failedAt: string }
>;
export type StockReleased = DomainEvent<
  'StockReleased',
  { sku: string; productId: string; orderId: string; quantity: number; releasedAt: string }
>;
/** Reserved stock left the warehouse with a shipment: on hand and reserved both go down. */
export type StockDispatched = DomainEvent<
  'StockDispatched',
  { sku: string; productId: string; orderId: string; quantity: number; dispatchedAt: string }
>;

export type InventoryEvent =
  | InventoryItemRegistered
  | StockReceived
  | StockAdjusted
  | StockReserved
  | StockReservationFailed
  | StockReleased
  | StockDispatched;

// ------------------------------------------------------------------ state

export type ReservationStatus = 'reserved' | 'failed' | 'released' | 'dispatched';

export type Inventory =
  | { status: 'None' }
  | {
      status: 'Tracked';
      sku: string;
      productId: string;
      registeredAt: string;
      onHand: number;
      reserved: number;
      /** What happened to each recent order's reservation, oldest first. Open reservations are never forgotten. */
      orders: Record<string, { status: ReservationStatus; quantity: number }>;
    };

export const MAX_QUANTITY = 1_000_000;
/** Settled reservations remembered per SKU, so that a late repeat of a saga command decides nothing. */
export const SETTLED_ORDERS_KEPT = 5000;

export const initialState = (): Inventory => ({ status: 'None' });

export const evolve = (state: Inventory, event: InventoryEvent): Inventory => {
  if (event.type === 'InventoryItemRegistered') {
    const { sku, productId, registeredAt } = event.data;
    return { status: 'Tracked', sku, productId, registeredAt, onHand: 0, reserved: 0, orders: {} };
  }
  if (state.status !== 'Tracked') return state;
  switch (event.type) {
    case 'StockReceived':
      return { ...state, onHand: state.onHand + event.data.quantity };
    case 'StockAdjusted':
      return { ...state, onHand: state.onHand + event.data.delta };
    case 'StockReserved':
      return withOrder({ ...state, reserved: state.reserved + event.data.quantity }, event.data.orderId, 'reserved', event.data.quantity);
    case 'StockReservationFailed':
      return withOrder(state, event.data.orderId, 'failed', event.data.requested);
    case 'StockReleased':
      return withOrder({ ...state, reserved: state.reserved - event.data.quantity }, event.data.orderId, 'released', event.data.quantity);
    case 'StockDispatched': {
      const { quantity, orderId } = event.data;
      return withOrder({ ...state, onHand: state.onHand - quantity, reserved: state.reserved - quantity }, orderId, 'dispatched', quantity);
    }
  }
};

/** Records an order's reservation status, forgetting the oldest settled ones beyond the limit. */
const withOrder = (state: Tracked, orderId: string, status: ReservationStatus, quantity: number): Tracked => {
  const { [orderId]: _previous, ...others } = state.orders;
  const orders = { ...others, [orderId]: { status, quantity } };
  const ids = Object.keys(orders);
  let excess = ids.filter((id) => orders[id]!.status !== 'reserved').length - SETTLED_ORDERS_KEPT;
  for (const id of ids) {
    if (excess <= 0) break;
    if (orders[id]!.status !== 'reserved') {
      delete orders[id];
      excess -= 1;
    }
  }
  return { ...state, orders };
};

export const levels = (state: Inventory) =>
  state.status === 'Tracked'
    ? { sku: state.sku, onHand: state.onHand, reserved: state.reserved, available: state.onHand - state.reserved }
    : undefined;

// ------------------------------------------------------------------ commands

export type RegisterInventoryItem = { type: 'RegisterInventoryItem'; sku: string; productId: string; now: string };
export type ReceiveStock = { type: 'ReceiveStock'; quantity: number; now: string };
export type AdjustStock = { type: 'AdjustStock'; delta: number; reason: string; now: string };

export type ReserveStock = { type: 'ReserveStock'; orderId: string; quantity: number; now: string };
export type ReleaseStock = { type: 'ReleaseStock'; orderId: string; now: string };
export type DispatchStock = { type: 'DispatchStock'; orderId: string; now: string };

export type InventoryCommand = RegisterInventoryItem | ReceiveStock | AdjustStock | ReserveStock | ReleaseStock | DispatchStock;

export const decide = (command: InventoryCommand, state: Inventory): InventoryEvent[] => {
  switch (command.type) {
    case 'RegisterInventoryItem': {
      if (state.status === 'Tracked') {
        if (state.productId === command.productId) return [];
        throw new ConflictError(`SKU ${command.sku} belongs to another product`);
      }
      const { sku, productId, now } = command;
      return [{ type: 'InventoryItemRegistered', data: { sku, productId, registeredAt: now } }];
    }
    case 'ReceiveStock':
      return receive(command, tracked(state));
    case 'AdjustStock':
      return adjust(command, tracked(state));
    case 'ReserveStock':
      return reserve(command, tracked(state));
    case 'ReleaseStock':
      return settle(command.orderId, tracked(state), (data) => ({ type: 'StockReleased', data: { ...data, releasedAt: command.now } }));
    case 'DispatchStock':
      return settle(command.orderId, tracked(state), (data) => ({ type: 'StockDispatched', data: { ...data, dispatchedAt: command.now } }));
    default: {
      const _exhaustive: never = command;
      throw _exhaustive;
    }
  }
};

type Tracked = Extract<Inventory, { status: 'Tracked' }>;

const tracked = (state: Inventory): Tracked => {
  if (state.status !== 'Tracked') throw new NotFoundError('unknown SKU');
  return state;
};

const receive = (command: ReceiveStock, state: Tracked): InventoryEvent[] => {
  const { quantity } = command;
  if (!Number.isSafeInteger(quantity) || quantity < 1 || quantity > MAX_QUANTITY) {
    throw new ValidationError('invalid quantity', [{ field: 'quantity', message: `must be an integer from 1 to ${MAX_QUANTITY}` }]);
  }
  if (state.onHand + quantity > Number.MAX_SAFE_INTEGER) throw new IllegalStateError('stock level overflow');
  return [{ type: 'StockReceived', data: { sku: state.sku, productId: state.productId, quantity, receivedAt: command.now } }];
};

const adjust = (command: AdjustStock, state: Tracked): InventoryEvent[] => {
  const { delta } = command;
  const reason = command.reason.trim();
  if (!Number.isSafeInteger(delta) || delta === 0 || Math.abs(delta) > MAX_QUANTITY) {
    throw new ValidationError('invalid delta', [{ field: 'delta', message: `must be a non-zero integer within ±${MAX_QUANTITY}` }]);
  }
  if (reason.length === 0) throw new ValidationError('a reason is required', [{ field: 'reason', message: 'must not be blank' }]);
  if (state.onHand + delta > Number.MAX_SAFE_INTEGER) throw new IllegalStateError('stock level overflow');
  if (state.onHand + delta < state.reserved) {
    throw new IllegalStateError(
      `adjusting by ${delta} would leave ${state.onHand + delta} on hand, below the ${state.reserved} reserved`,
    );
  }
  const { sku, productId } = state;
  return [{ type: 'StockAdjusted', data: { sku, productId, delta, reason, adjustedAt: command.now } }];
};

const reserve = (command: ReserveStock, state: Tracked): InventoryEvent[] => {
  const { orderId, quantity, now } = command;
  if (state.orders[orderId]) return [];
  if (!Number.isSafeInteger(quantity) || quantity < 1) {
    throw new ValidationError('invalid quantity', [{ field: 'quantity', message: 'must be a positive integer' }]);
  }
  const { sku, productId } = state;
  const available = state.onHand - state.reserved;
  if (quantity > available) {
    return [{ type: 'StockReservationFailed', data: { sku, productId, orderId, requested: quantity, available, failedAt: now } }];
  }
  return [{ type: 'StockReserved', data: { sku, productId, orderId, quantity, reservedAt: now } }];
};

/** Releases or dispatches an order's open reservation; anything else about that order decides nothing. */
const settle = (
  orderId: string,
  state: Tracked,
  event: (data: { sku: string; productId: string; orderId: string; quantity: number }) => InventoryEvent,
): InventoryEvent[] => {
  const reservation = state.orders[orderId];
  if (reservation?.status !== 'reserved') return [];
  return [event({ sku: state.sku, productId: state.productId, orderId, quantity: reservation.quantity })];
};

export const inventoryDecider: Decider<Inventory, InventoryCommand, InventoryEvent> = { initialState, evolve, decide };

export const inventoryStream = (sku: string) => `inventory-${sku}`;
