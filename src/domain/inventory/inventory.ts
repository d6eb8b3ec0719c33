import { ConflictError, IllegalStateError, NotFoundError, ValidationError } from '../shared/errors.js';
import type { Decider, DomainEvent } from '../shared/types.js';

/**
 * Stock of one SKU (`inventory-<sku>`). The stream is created when a product claims
 * the SKU (`no_stream`), which is also what keeps SKUs unique.
 * available = onHand - reserved, and no adjustment ever takes onHand below reserved.
 */

// ------------------------------------------------------------------ events

export type InventoryItemRegistered = DomainEvent<'InventoryItemRegistered', { sku: string; productId: string; registeredAt: string }>;
export type StockReceived = DomainEvent<'StockReceived', { sku: string; productId: string; quantity: number; receivedAt: string }>;
export type StockAdjusted = DomainEvent<
  'StockAdjusted',
  { sku: string; productId: string; delta: number; reason: string; adjustedAt: string }
>;

export type InventoryEvent = InventoryItemRegistered | StockReceived | StockAdjusted;

// ------------------------------------------------------------------ state

export type Inventory =
  | { status: 'None' }
  | { status: 'Tracked'; sku: string; productId: string; registeredAt: string; onHand: number; reserved: number };

export const MAX_QUANTITY = 1_000_000;

export const initialState = (): Inventory => ({ status: 'None' });

export const evolve = (state: Inventory, event: InventoryEvent): Inventory => {
  switch (event.type) {
    case 'InventoryItemRegistered': {
      const { sku, productId, registeredAt } = event.data;
      return { status: 'Tracked', sku, productId, registeredAt, onHand: 0, reserved: 0 };
    }
    case 'StockReceived':
      return state.status === 'Tracked' ? { ...state, onHand: state.onHand + event.data.quantity } : state;
    case 'StockAdjusted':
      return state.status === 'Tracked' ? { ...state, onHand: state.onHand + event.data.delta } : state;
  }
};

export const levels = (state: Inventory) =>
  state.status === 'Tracked'
    ? { sku: state.sku, onHand: state.onHand, reserved: state.reserved, available: state.onHand - state.reserved }
    : undefined;

// ------------------------------------------------------------------ commands

export type RegisterInventoryItem = { type: 'RegisterInventoryItem'; sku: string; productId: string; now: string };
export type ReceiveStock = { type: 'ReceiveStock'; quantity: number; now: string };
export type AdjustStock = { type: 'AdjustStock'; delta: number; reason: string; now: string };

export type InventoryCommand = RegisterInventoryItem | ReceiveStock | AdjustStock;

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

export const inventoryDecider: Decider<Inventory, InventoryCommand, InventoryEvent> = { initialState, evolve, decide };

export const inventoryStream = (sku: string) => `inventory-${sku}`;
