import { STOCK_ALERTS, type InventoryBackInStock, type StockLevelLow } from '../domain/inventory/stock-alerts.js';
import type { RecordedEvent } from '../infrastructure/event-store/event-store.js';
import { occurredAt, type Job } from './process-manager.js';

/**
 * The emails of a stock alert: every admin account gets one per alert, and an
 * InventoryBackInStock also goes to each shopper it names (their notify-me). One job per
 * alert event (its id is the event's, so a redelivered event schedules nothing more); the job
 * sends each recipient's email under an id derived from the event and the recipient, so a job
 * run again after a crash sends only what was not sent yet.
 */

export type StockAlertType = (typeof STOCK_ALERTS)[number];

export type StockNotice = {
  /** The alert event's id: the recipients' notification ids derive from it. */
  alertId: string;
  type: StockAlertType;
  sku: string;
  productId: string;
  available: number;
  /** The threshold crossed (StockLevelLow). */
  threshold: number | null;
  /** Shoppers to tell it is back (InventoryBackInStock). */
  customers: string[];
};

export const isStockAlert = (type: string): type is StockAlertType => (STOCK_ALERTS as readonly string[]).includes(type);

export const stockAlertJob = (event: RecordedEvent): Job => {
  const type = event.type as StockAlertType;
  const data = event.data as Partial<StockLevelLow['data'] & InventoryBackInStock['data']> & { sku: string; productId: string };
  const notice: StockNotice = {
    alertId: event.id,
    type,
    sku: data.sku,
    productId: data.productId,
    available: type === 'InventoryOutOfStock' ? 0 : Number(data.available ?? 0),
    threshold: type === 'StockLevelLow' ? Number(data.threshold) : null,
    customers: type === 'InventoryBackInStock' ? [...(data.notify ?? [])] : [],
  };
  return { id: `notify-stock:${event.id}`, kind: 'notify-stock', runAt: occurredAt(event), payload: notice };
};
