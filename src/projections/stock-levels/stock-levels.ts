import type { InventoryEvent } from '../../domain/inventory/inventory.js';
import type { RecordedEvent } from '../../infrastructure/event-store/event-store.js';
import { STOCK_ALERTS } from '../../domain/inventory/stock-alerts.js';
import type { Document, Filter, ReadModelCollection } from '../../infrastructure/read-models/read-model-store.js';
import { paged } from '../paging.js';
import type { Projection } from '../projection.js';

/** Stock per SKU for the back office. */
export type StockLevel = Document & {
  sku: string;
  productId: string;
  onHand: number;
  reserved: number;
  available: number;
  /** The threshold an admin set for this SKU; null: the shop's default (LOW_STOCK_THRESHOLD, applied when read). */
  threshold: number | null;
  /** How many customers wait for the back-in-stock email. */
  waiting: number;
  /** Who they are, in the order they asked (never answered: the erasure and the export find a customer's requests by it). */
  watchers: string[];
  /** Revision of the inventory stream: the ETag of the SKU. */
  revision: number;
  updatedAt: string;
};

type Handled = InventoryEvent;

const evolve = (current: StockLevel | null, recorded: RecordedEvent): StockLevel => {
  const event = recorded as unknown as Handled & { revision: number; recordedAt: string };
  const doc: StockLevel = current ?? {
    _id: event.data.sku,
    sku: event.data.sku,
    productId: event.data.productId,
    onHand: 0,
    reserved: 0,
    available: 0,
    threshold: null,
    waiting: 0,
    watchers: [],
    revision: -1,
    updatedAt: '',
  };
  const updatedAt = String(recorded.metadata.occurredAt ?? event.recordedAt);
  const next = { ...doc, revision: event.revision, updatedAt };
  switch (event.type) {
    case 'LowStockThresholdSet':
      return { ...next, threshold: event.data.threshold };
    case 'BackInStockRequested':
      return waitingFor(next, [...doc.watchers, event.data.customerId]);
    case 'BackInStockWithdrawn':
      return waitingFor(next, doc.watchers.filter((id) => id !== event.data.customerId));
    case 'InventoryBackInStock': {
      const notified = new Set(event.data.notify);
      return waitingFor(next, doc.watchers.filter((id) => !notified.has(id)));
    }
    default:
      break;
  }
  const [onHand, reserved] = ((): [number, number] => {
    switch (event.type) {
      case 'StockReceived':
        return [doc.onHand + event.data.quantity, doc.reserved];
      case 'InventoryAdjusted':
      case 'StockAdjusted':
        return [doc.onHand + event.data.delta, doc.reserved];
      case 'StockReserved':
        return [doc.onHand, doc.reserved + event.data.quantity];
      case 'StockReleased':
        return [doc.onHand, doc.reserved - event.data.quantity];
      case 'StockDispatched':
        return [doc.onHand - event.data.quantity, doc.reserved - event.data.quantity];
      default: // registration, a refused reservation, an alert: no stock moves, but each is a revision of the stream (the SKU's ETag)
        return [doc.onHand, doc.reserved];
    }
  })();
  return { ...next, onHand, reserved, available: onHand - reserved };
};

const waitingFor = (doc: StockLevel, watchers: string[]): StockLevel => ({ ...doc, watchers, waiting: watchers.length });

export const stockLevelsProjection: Projection<StockLevel> = {
  name: 'stock-levels',
  collection: 'stock_levels',
  eventTypes: [
    'InventoryItemRegistered', 'StockReceived', 'InventoryAdjusted', 'StockAdjusted', 'StockReserved', 'StockReservationFailed', 'StockReleased', 'StockDispatched',
    ...STOCK_ALERTS, 'LowStockThresholdSet', 'BackInStockRequested', 'BackInStockWithdrawn',
  ],
  documentIds: (event) => [String(event.data.sku)],
  evolve,
  indexes: [{ keys: { available: 1 } }],
  // 2: the revision follows every event of the stream; 3: threshold and shoppers waiting; 4: who waits, and withdrawals
  version: 4,
};

/** A level as answered, with the threshold in force (the SKU's, else the shop's default) and what it makes of it. */
export const toStockLevel = (doc: StockLevel, defaultThreshold: number) => {
  const threshold = doc.threshold ?? defaultThreshold;
  return {
    sku: doc.sku,
    productId: doc.productId,
    onHand: doc.onHand,
    reserved: doc.reserved,
    available: doc.available,
    threshold,
    lowStock: doc.available < threshold,
    outOfStock: doc.available <= 0,
    waiting: doc.waiting,
  };
};

export const getStockLevel = async (levels: ReadModelCollection<StockLevel>, sku: string, defaultThreshold: number) => {
  const doc = await levels.findOne({ _id: sku });
  return doc ? { level: toStockLevel(doc, defaultThreshold), revision: doc.revision } : undefined;
};

export const listStockLevels = async (
  levels: ReadModelCollection<StockLevel>,
  query: { lowStockBelow?: number; low?: boolean; page: number; pageSize: number },
  defaultThreshold: number,
) => {
  const filters: Filter[] = [];
  if (query.lowStockBelow !== undefined) filters.push({ available: { $lt: query.lowStockBelow } });
  // Below the SKU's own threshold, or the default where none is set (out of stock included).
  if (query.low === true) filters.push({ $expr: { $lt: ['$available', { $ifNull: ['$threshold', defaultThreshold] }] } });
  if (query.low === false) filters.push({ $expr: { $gte: ['$available', { $ifNull: ['$threshold', defaultThreshold] }] } });
  const filter = filters.length === 0 ? {} : filters.length === 1 ? filters[0]! : { $and: filters };
  return paged(levels, filter, { available: 1 }, query, (doc) => toStockLevel(doc, defaultThreshold));
};
