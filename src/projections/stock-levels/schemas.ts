import { bool, int, obj, paged, str, uuid } from '../json-schema.js';

const levels = {
  sku: str(),
  onHand: int({ minimum: 0 }),
  reserved: int({ minimum: 0 }),
  available: int(),
  /** In force: the SKU's own, else the shop's default (LOW_STOCK_THRESHOLD). */
  threshold: int({ minimum: 0 }),
  lowStock: bool(),
  outOfStock: bool(),
  /** Shoppers waiting for the back-in-stock email. */
  waiting: int({ minimum: 0 }),
};

/** One SKU's levels, as a stock write or GET /inventory/:sku answers them. */
export const stockLevelsSchema = obj(levels);
/** What toStockLevel answers (the list). */
export const stockLevelSchema = obj({ ...levels, productId: uuid() });
export const stockLevelPageSchema = paged(stockLevelSchema);
