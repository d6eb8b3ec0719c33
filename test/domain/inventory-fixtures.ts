import {
  inventoryDecider,
  type AdjustStock,
  type DispatchStock,
  type Inventory,
  type InventoryAdjusted,
  type InventoryItemRegistered,
  type ReceiveStock,
  type RegisterInventoryItem,
  type ReleaseStock,
  type ReserveStock,
  type StockDispatched,
  type StockReceived,
  type StockReleased,
  type StockReservationFailed,
  type StockReserved
} from '../../src/domain/inventory/inventory.js';
import type { InventoryOutOfStock, StockLevelLow } from '../../src/domain/inventory/stock-alerts.js';
import { specFor } from '../support/given-when-then.js';

export const { given } = specFor(inventoryDecider);

export const SKU = 'SKU-1';
export const PRODUCT = 'product-1';
export const OTHER_PRODUCT = 'product-2';
export const ORDER_A = 'order-a';
export const ORDER_B = 'order-b';
export const ORDER_C = 'order-c';
export const NEW_ORDER = 'order-new';
export const REGISTERED_AT = '2024-05-01T09:00:00.000Z';
export const NOW = '2024-05-02T10:00:00.000Z';

export const stateOf = (events: Parameters<typeof given>[0]) => given(events).state();

export const tracked = (): Extract<Inventory, { status: 'Tracked' }> => ({
  status: 'Tracked',
  sku: SKU,
  productId: PRODUCT,
  registeredAt: REGISTERED_AT,
  onHand: 0,
  reserved: 0,
  open: {},
  settled: [],
  threshold: null,
  stockedOut: false,
  watchers: [],
});

export const register = (overrides: Partial<RegisterInventoryItem> = {}): RegisterInventoryItem => ({
  type: 'RegisterInventoryItem',
  sku: SKU,
  productId: PRODUCT,
  now: REGISTERED_AT,
  ...overrides,
});

export const receive = (quantity: number): ReceiveStock => ({ type: 'ReceiveStock', quantity, now: NOW });

export const adjust = (delta: number, reason = 'stock count'): AdjustStock => ({ type: 'AdjustStock', delta, reason, now: NOW });

export const registered = (): InventoryItemRegistered => ({
  type: 'InventoryItemRegistered',
  data: { sku: SKU, productId: PRODUCT, registeredAt: REGISTERED_AT },
});

export const received = (quantity: number): StockReceived => ({
  type: 'StockReceived',
  data: { sku: SKU, productId: PRODUCT, quantity, receivedAt: NOW },
});

export const adjusted = (delta: number, reason = 'stock count'): InventoryAdjusted => ({
  type: 'InventoryAdjusted',
  data: { sku: SKU, productId: PRODUCT, delta, reason, adjustedAt: NOW },
});

export const outOfStock = (): InventoryOutOfStock => ({ type: 'InventoryOutOfStock', data: { sku: SKU, productId: PRODUCT, detectedAt: NOW } });

export const low = (available: number, threshold: number): StockLevelLow => ({
  type: 'StockLevelLow',
  data: { sku: SKU, productId: PRODUCT, available, threshold, detectedAt: NOW },
});

export const reserve = (orderId: string, quantity: number): ReserveStock => ({ type: 'ReserveStock', orderId, quantity, now: NOW });

export const release = (orderId: string): ReleaseStock => ({ type: 'ReleaseStock', orderId, now: NOW });

export const dispatch = (orderId: string): DispatchStock => ({ type: 'DispatchStock', orderId, now: NOW });

export const reserved = (orderId: string, quantity: number): StockReserved => ({
  type: 'StockReserved',
  data: { sku: SKU, productId: PRODUCT, orderId, quantity, reservedAt: NOW },
});

export const reservationFailed = (orderId: string, requested: number, available: number): StockReservationFailed => ({
  type: 'StockReservationFailed',
  data: { sku: SKU, productId: PRODUCT, orderId, requested, available, failedAt: NOW },
});

export const released = (orderId: string, quantity: number): StockReleased => ({
  type: 'StockReleased',
  data: { sku: SKU, productId: PRODUCT, orderId, quantity, releasedAt: NOW },
});

export const dispatched = (orderId: string, quantity: number): StockDispatched => ({
  type: 'StockDispatched',
  data: { sku: SKU, productId: PRODUCT, orderId, quantity, dispatchedAt: NOW },
});

export type Tracked = Extract<Inventory, { status: 'Tracked' }>;

/** The state after these events and then `count` orders refused for lack of stock (settled-0 is the oldest). */
export const settledAfter = (events: Parameters<typeof given>[0], count: number): Inventory =>
  Array.from({ length: count }, (_, i) => reservationFailed(`settled-${i}`, 1000, 10)).reduce(inventoryDecider.evolve, stateOf(events));

export const rememberedSettled = (state: Inventory) => (state.status === 'Tracked' ? state.settled.reduce((sum, batch) => sum + batch.count, 0) : 0);

export const catchError = (fn: () => unknown): unknown => {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return undefined;
};
