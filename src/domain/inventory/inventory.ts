import { ConflictError, IllegalStateError, NotFoundError, ValidationError } from '../shared/errors.js';
import { bucketDelete, bucketGet, bucketSet, emptyBuckets, type Buckets } from '../shared/buckets.js';
import type { Decider, DomainEvent } from '../shared/types.js';
import {
  crossings,
  DEFAULT_LOW_STOCK_THRESHOLD,
  evolveAlerts,
  requestNotice,
  setThreshold,
  withdrawNotice,
  type RequestBackInStockNotice,
  type SetLowStockThreshold,
  type StockAlertEvent,
  type WithdrawBackInStockNotice,
} from './stock-alerts.js';
import { findSettled, withSettled, type SettledBatch, type SettledStatus } from './settled-orders.js';

export { SETTLED_BATCH, SETTLED_ORDERS_KEPT, type SettledBatch, type SettledStatus } from './settled-orders.js';

/**
 * Stock of one SKU (`inventory-<sku>`). The stream is created when a product claims
 * the SKU (`no_stream`), which is also what keeps SKUs unique.
 * available = onHand - reserved; no adjustment takes onHand below reserved, and a
 * reservation never takes available below zero. Each order reserves, releases or ships
 * a SKU at most once: the state remembers every open reservation and the most recent
 * settled ones. A hot SKU remembers thousands of orders, so the state is built for that:
 * open reservations in buckets, settled orders in batches of compact text, and folding one
 * event copies a bucket or a batch, never every order (nor does reading a snapshot of it
 * build an object per settled order).
 */

// ------------------------------------------------------------------ events

export type InventoryItemRegistered = DomainEvent<'InventoryItemRegistered', { sku: string; productId: string; registeredAt: string }>;
export type StockReceived = DomainEvent<'StockReceived', { sku: string; productId: string; quantity: number; receivedAt: string }>;
/** A correction (damage, stocktake) with its reason; seed 002's "Inventory adjusted". */
export type InventoryAdjusted = DomainEvent<
  'InventoryAdjusted',
  { sku: string; productId: string; delta: number; reason: string; adjustedAt: string }
>;
/**
 * What adjustments were called before InventoryAdjusted took the seed's name: the same data.
 * Logs keep them (events are never rewritten); every reader reads both alike; none is appended now.
 */
export type StockAdjusted = DomainEvent<'StockAdjusted', InventoryAdjusted['data']>;

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
  | InventoryAdjusted
  | StockAdjusted
  | StockReserved
  | StockReservationFailed
  | StockReleased
  | StockDispatched
  | StockAlertEvent;

// ------------------------------------------------------------------ state

export type ReservationStatus = 'reserved' | SettledStatus;
export type Reservation = { status: ReservationStatus; quantity: number };

export type Inventory =
  | { status: 'None' }
  | {
      status: 'Tracked';
      sku: string;
      productId: string;
      registeredAt: string;
      onHand: number;
      reserved: number;
      /** The quantity each order holds reserved, until it is released or dispatched. Never forgotten. */
      open: Buckets<number>;
      /** What became of recently settled orders, in batches, oldest first (read them with `reservationOf`). */
      settled: readonly SettledBatch[];
      /** The low-stock threshold an admin set; null: the shop's default. */
      threshold: number | null;
      /** Out of stock was announced, back in stock not yet. */
      stockedOut: boolean;
      /** Customers waiting for the back-in-stock email (notify-me). */
      watchers: readonly string[];
    };

export const MAX_QUANTITY = 1_000_000;

export const initialState = (): Inventory => ({ status: 'None' });

export const evolve = (state: Inventory, event: InventoryEvent): Inventory => {
  if (event.type === 'InventoryItemRegistered') {
    const { sku, productId, registeredAt } = event.data;
    return {
      status: 'Tracked', sku, productId, registeredAt, onHand: 0, reserved: 0, open: emptyBuckets(), settled: [],
      threshold: null, stockedOut: false, watchers: [],
    };
  }
  if (state.status !== 'Tracked') return state;
  switch (event.type) {
    case 'StockReceived':
      return { ...state, onHand: state.onHand + event.data.quantity };
    case 'InventoryAdjusted':
    case 'StockAdjusted':
      return { ...state, onHand: state.onHand + event.data.delta };
    case 'StockReserved': {
      const { orderId, quantity } = event.data;
      return { ...state, reserved: state.reserved + quantity, open: bucketSet(state.open, orderId, quantity) };
    }
    case 'StockReservationFailed':
      return settled(state, event.data.orderId, 'failed', event.data.requested);
    case 'StockReleased': {
      const { orderId, quantity } = event.data;
      return settled({ ...state, reserved: state.reserved - quantity }, orderId, 'released', quantity);
    }
    case 'StockDispatched': {
      const { orderId, quantity } = event.data;
      return settled({ ...state, onHand: state.onHand - quantity, reserved: state.reserved - quantity }, orderId, 'dispatched', quantity);
    }
    default:
      return evolveAlerts(state, event);
  }
};

/** Records an order as settled (no longer open). */
const settled = (state: Tracked, orderId: string, status: SettledStatus, quantity: number): Tracked => ({
  ...state,
  open: bucketDelete(state.open, orderId),
  settled: withSettled(state.settled, orderId, status, quantity),
});

/** What the SKU remembers of an order's reservation: open, settled recently, or nothing. */
export const reservationOf = (state: Inventory, orderId: string): Reservation | undefined => {
  if (state.status !== 'Tracked') return undefined;
  const quantity = bucketGet(state.open, orderId);
  return quantity !== undefined ? { status: 'reserved', quantity } : findSettled(state.settled, orderId);
};

export const levels = (state: Inventory) =>
  state.status === 'Tracked'
    ? { sku: state.sku, onHand: state.onHand, reserved: state.reserved, available: state.onHand - state.reserved }
    : undefined;

/** The levels with the threshold in force and what it makes of them. */
export const stockStatus = (state: Inventory, defaultThreshold: number) => {
  const now = levels(state);
  if (!now || state.status !== 'Tracked') return undefined;
  const threshold = state.threshold ?? defaultThreshold;
  return { ...now, threshold, lowStock: now.available < threshold, outOfStock: now.available <= 0, waiting: state.watchers.length };
};

// ------------------------------------------------------------------ commands

export type RegisterInventoryItem = { type: 'RegisterInventoryItem'; sku: string; productId: string; now: string };
export type ReceiveStock = { type: 'ReceiveStock'; quantity: number; now: string };
export type AdjustStock = { type: 'AdjustStock'; delta: number; reason: string; now: string };

export type ReserveStock = { type: 'ReserveStock'; orderId: string; quantity: number; now: string };
export type ReleaseStock = { type: 'ReleaseStock'; orderId: string; now: string };
export type DispatchStock = { type: 'DispatchStock'; orderId: string; now: string };

export type InventoryCommand =
  | RegisterInventoryItem
  | ReceiveStock
  | AdjustStock
  | ReserveStock
  | ReleaseStock
  | DispatchStock
  | SetLowStockThreshold
  | RequestBackInStockNotice
  | WithdrawBackInStockNotice;

/**
 * Decides a command, then the stock alerts its events cross (./stock-alerts.ts), with
 * `defaultThreshold` for a SKU whose admins set none: the alerts go into the same append.
 */
export const decide = (command: InventoryCommand, state: Inventory, defaultThreshold = DEFAULT_LOW_STOCK_THRESHOLD): InventoryEvent[] => {
  const events = decideOnly(command, state, defaultThreshold);
  if (state.status !== 'Tracked' || events.length === 0 || command.type === 'SetLowStockThreshold') return events;
  const after = events.reduce(evolve, state) as Tracked;
  return [...events, ...crossings(state, after, defaultThreshold, command.now)];
};

const decideOnly = (command: InventoryCommand, state: Inventory, defaultThreshold: number): InventoryEvent[] => {
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
    case 'SetLowStockThreshold':
      return setThreshold(command, tracked(state), defaultThreshold);
    case 'RequestBackInStockNotice':
      return requestNotice(command, tracked(state));
    case 'WithdrawBackInStockNotice':
      return withdrawNotice(command, tracked(state));
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
  return [{ type: 'InventoryAdjusted', data: { sku, productId, delta, reason, adjustedAt: command.now } }];
};

const reserve = (command: ReserveStock, state: Tracked): InventoryEvent[] => {
  const { orderId, quantity, now } = command;
  if (reservationOf(state, orderId)) return [];
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
  const reservation = reservationOf(state, orderId);
  if (reservation?.status !== 'reserved') return [];
  return [event({ sku: state.sku, productId: state.productId, orderId, quantity: reservation.quantity })];
};

export type InventoryDecider = Decider<Inventory, InventoryCommand, InventoryEvent> & { lowStockThreshold: number };

// 2: the state holds the threshold, the out-of-stock announcement and the shoppers waiting.
const SNAPSHOT_VERSION = 2;

/** The inventory decider with the shop's default low-stock threshold. */
export const inventoryDecider: InventoryDecider = {
  initialState,
  evolve,
  decide: (command, state) => decide(command, state, DEFAULT_LOW_STOCK_THRESHOLD),
  snapshotVersion: SNAPSHOT_VERSION,
  lowStockThreshold: DEFAULT_LOW_STOCK_THRESHOLD,
};

/**
 * The decider with another default threshold (LOW_STOCK_THRESHOLD). Make one per shop and keep
 * it: the command handler's cache knows a stream's state by the decider that folded it.
 */
export const inventoryDeciderFor = (lowStockThreshold: number): InventoryDecider =>
  lowStockThreshold === DEFAULT_LOW_STOCK_THRESHOLD
    ? inventoryDecider
    : { ...inventoryDecider, decide: (command, state) => decide(command, state, lowStockThreshold), lowStockThreshold };

export const inventoryStream = (sku: string) => `inventory-${sku}`;
