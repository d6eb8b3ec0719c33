import { ConflictError, ValidationError } from '../shared/errors.js';
import type { DomainEvent } from '../shared/types.js';

/**
 * Stock alerts of one SKU, decided by its inventory stream (seed 002 "Inventory out of stock",
 * seed 003 `StockLevelLow`). Each is decided once per crossing, by the command that crosses:
 * - `StockLevelLow` when available falls from the threshold or above to below it (and above 0);
 * - `InventoryOutOfStock` when available falls to 0 (it says more than "low": no second alert);
 * - `InventoryBackInStock` when available rises above 0 after an `InventoryOutOfStock`, or while
 *   shoppers wait for it (notify-me); it names those shoppers, and their requests end with it.
 *   A request ends before that when the shopper withdraws it (`BackInStockWithdrawn`: they asked
 *   to stop waiting, or their account was erased).
 * Staying below the threshold, or at 0, decides nothing more; a new alert needs a new crossing.
 * The threshold is the SKU's own once an admin set it, else the shop's default
 * (LOW_STOCK_THRESHOLD), which the decider is given: the domain reads no configuration.
 */

export type LowStockThresholdSet = DomainEvent<'LowStockThresholdSet', { sku: string; productId: string; threshold: number; setAt: string }>;
export type StockLevelLow = DomainEvent<
  'StockLevelLow',
  { sku: string; productId: string; available: number; threshold: number; detectedAt: string }
>;
export type InventoryOutOfStock = DomainEvent<'InventoryOutOfStock', { sku: string; productId: string; detectedAt: string }>;
export type InventoryBackInStock = DomainEvent<
  'InventoryBackInStock',
  { sku: string; productId: string; available: number; notify: string[]; detectedAt: string }
>;
/** A shopper asked to be emailed once the SKU is back in stock (notify-me). */
export type BackInStockRequested = DomainEvent<
  'BackInStockRequested',
  { sku: string; productId: string; customerId: string; requestedAt: string }
>;

/** A shopper's notify-me request ended before the email: withdrawn by them, or by the erasure of their account. */
export type BackInStockWithdrawn = DomainEvent<
  'BackInStockWithdrawn',
  { sku: string; productId: string; customerId: string; reason: WithdrawalReason; withdrawnAt: string }
>;
export type WithdrawalReason = 'customer-request' | 'customer-erased';

export type StockAlertEvent =
  | LowStockThresholdSet
  | StockLevelLow
  | InventoryOutOfStock
  | InventoryBackInStock
  | BackInStockRequested
  | BackInStockWithdrawn;

/** The event types an admin is emailed about, one email per event. */
export const STOCK_ALERTS = ['StockLevelLow', 'InventoryOutOfStock', 'InventoryBackInStock'] as const;

export const DEFAULT_LOW_STOCK_THRESHOLD = 5;
export const MAX_THRESHOLD = 1_000_000;

/** What the alerts need of a tracked SKU. */
export type Watched = Readonly<{
  sku: string;
  productId: string;
  onHand: number;
  reserved: number;
  /** Set by an admin; null: the shop's default. */
  threshold: number | null;
  /** An InventoryOutOfStock was decided and no InventoryBackInStock since. */
  stockedOut: boolean;
  /** Customers waiting for InventoryBackInStock, in the order they asked. */
  watchers: readonly string[];
}>;

export type SetLowStockThreshold = { type: 'SetLowStockThreshold'; threshold: number; now: string };
export type RequestBackInStockNotice = { type: 'RequestBackInStockNotice'; customerId: string; now: string };
export type WithdrawBackInStockNotice = { type: 'WithdrawBackInStockNotice'; customerId: string; reason: WithdrawalReason; now: string };

const available = (state: Watched) => state.onHand - state.reserved;

/** The alerts a change of levels from `before` to `after` crosses into. */
export const crossings = (before: Watched, after: Watched, defaultThreshold: number, now: string): StockAlertEvent[] => {
  const { sku, productId } = after;
  const was = available(before);
  const is = available(after);
  const threshold = after.threshold ?? defaultThreshold;
  if (is <= 0 && was > 0 && !after.stockedOut) return [{ type: 'InventoryOutOfStock', data: { sku, productId, detectedAt: now } }];
  if (is > 0 && was <= 0 && (after.stockedOut || after.watchers.length > 0)) {
    return [{ type: 'InventoryBackInStock', data: { sku, productId, available: is, notify: [...after.watchers], detectedAt: now } }];
  }
  if (is > 0 && is < threshold && was >= threshold) return [low(after, is, threshold, now)];
  return [];
};

const low = (state: Watched, is: number, threshold: number, now: string): StockLevelLow => ({
  type: 'StockLevelLow',
  data: { sku: state.sku, productId: state.productId, available: is, threshold, detectedAt: now },
});

/**
 * An admin's threshold. Setting the one in force already decides nothing; raising it above
 * what is available (and above 0) is a crossing of its own: that SKU is low from now on.
 */
export const setThreshold = (command: SetLowStockThreshold, state: Watched, defaultThreshold: number): StockAlertEvent[] => {
  const { threshold, now } = command;
  if (!Number.isSafeInteger(threshold) || threshold < 0 || threshold > MAX_THRESHOLD) {
    throw new ValidationError('invalid threshold', [{ field: 'threshold', message: `must be an integer from 0 to ${MAX_THRESHOLD}` }]);
  }
  if (state.threshold === threshold) return [];
  const { sku, productId } = state;
  const set: LowStockThresholdSet = { type: 'LowStockThresholdSet', data: { sku, productId, threshold, setAt: now } };
  const is = available(state);
  const was = state.threshold ?? defaultThreshold;
  return is > 0 && is < threshold && is >= was ? [set, low(state, is, threshold, now)] : [set];
};

/**
 * Notify-me: only while the SKU is out of stock (409 otherwise: it can be bought now). One
 * request per customer until the email goes out; asking again meanwhile decides nothing.
 */
export const requestNotice = (command: RequestBackInStockNotice, state: Watched): StockAlertEvent[] => {
  if (available(state) > 0) throw new ConflictError(`SKU ${state.sku} is in stock: it can be ordered now`);
  if (state.watchers.includes(command.customerId)) return [];
  const { sku, productId } = state;
  return [{ type: 'BackInStockRequested', data: { sku, productId, customerId: command.customerId, requestedAt: command.now } }];
};

/** Ends a shopper's waiting request; one who is not waiting (never asked, emailed already, withdrawn) decides nothing. */
export const withdrawNotice = (command: WithdrawBackInStockNotice, state: Watched): StockAlertEvent[] => {
  if (!state.watchers.includes(command.customerId)) return [];
  const { sku, productId } = state;
  const { customerId, reason, now } = command;
  return [{ type: 'BackInStockWithdrawn', data: { sku, productId, customerId, reason, withdrawnAt: now } }];
};

/** Folds an alert event into the SKU's alert state. */
export const evolveAlerts = <S extends Watched>(state: S, event: StockAlertEvent): S => {
  switch (event.type) {
    case 'LowStockThresholdSet':
      return { ...state, threshold: event.data.threshold };
    case 'StockLevelLow':
      return state;
    case 'InventoryOutOfStock':
      return { ...state, stockedOut: true };
    case 'InventoryBackInStock': {
      const notified = new Set(event.data.notify);
      return { ...state, stockedOut: false, watchers: state.watchers.filter((id) => !notified.has(id)) };
    }
    case 'BackInStockRequested':
      return { ...state, watchers: [...state.watchers, event.data.customerId] };
    case 'BackInStockWithdrawn':
      return { ...state, watchers: state.watchers.filter((id) => id !== event.data.customerId) };
  }
};
