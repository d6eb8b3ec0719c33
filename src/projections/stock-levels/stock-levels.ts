import type { InventoryEvent } from '../../domain/inventory/inventory.js';
import type { RecordedEvent } from '../../infrastructure/event-store/event-store.js';
import type { Document, ReadModelCollection } from '../../infrastructure/read-models/read-model-store.js';
import { paged } from '../paging.js';
import type { Projection } from '../projection.js';

/** Stock per SKU for the back office. */
export type StockLevel = Document & {
  sku: string;
  productId: string;
  onHand: number;
  reserved: number;
  available: number;
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
    revision: -1,
    updatedAt: '',
  };
  const [onHand, reserved] = ((): [number, number] => {
    switch (event.type) {
      case 'InventoryItemRegistered':
      case 'StockReservationFailed': // moves no stock, but it is a revision of the stream: the SKU's ETag
        return [doc.onHand, doc.reserved];
      case 'StockReceived':
        return [doc.onHand + event.data.quantity, doc.reserved];
      case 'StockAdjusted':
        return [doc.onHand + event.data.delta, doc.reserved];
      case 'StockReserved':
        return [doc.onHand, doc.reserved + event.data.quantity];
      case 'StockReleased':
        return [doc.onHand, doc.reserved - event.data.quantity];
      case 'StockDispatched':
        return [doc.onHand - event.data.quantity, doc.reserved - event.data.quantity];
    }
  })();
  const updatedAt = String(recorded.metadata.occurredAt ?? event.recordedAt);
  return { ...doc, onHand, reserved, available: onHand - reserved, revision: event.revision, updatedAt };
};

export const stockLevelsProjection: Projection<StockLevel> = {
  name: 'stock-levels',
  collection: 'stock_levels',
  eventTypes: ['InventoryItemRegistered', 'StockReceived', 'StockAdjusted', 'StockReserved', 'StockReservationFailed', 'StockReleased', 'StockDispatched'],
  documentIds: (event) => [String(event.data.sku)],
  evolve,
  indexes: [{ keys: { available: 1 } }],
  version: 2, // 2: the revision follows every event of the stream
};

export const toStockLevel = (doc: StockLevel) => ({
  sku: doc.sku,
  productId: doc.productId,
  onHand: doc.onHand,
  reserved: doc.reserved,
  available: doc.available,
});

export const getStockLevel = async (levels: ReadModelCollection<StockLevel>, sku: string) => {
  const doc = await levels.findOne({ _id: sku });
  return doc ? { level: toStockLevel(doc), revision: doc.revision } : undefined;
};

export const listStockLevels = async (
  levels: ReadModelCollection<StockLevel>,
  query: { lowStockBelow?: number; page: number; pageSize: number },
) => {
  const filter = query.lowStockBelow === undefined ? {} : { available: { $lt: query.lowStockBelow } };
  return paged(levels, filter, { available: 1 }, query, toStockLevel);
};
