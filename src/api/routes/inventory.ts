import type { Request, RequestHandler } from 'express';
import { adjustStock, receiveStock, setLowStockThreshold } from '../../commands/inventory.js';
import { NotFoundError } from '../../domain/shared/errors.js';
import { getStockLevel, listStockLevels, type StockLevel } from '../../projections/stock-levels/stock-levels.js';
import type { AppDeps } from '../deps.js';
import { stockLevelPageSchema, stockLevelsSchema } from '../../projections/stock-levels/schemas.js';
import { str } from '../../projections/json-schema.js';
import { defineRoutes } from '../openapi/route-table.js';
import { SKU_PATTERN } from '../dto/catalog.js';
import { AdjustmentBody, ListStockQuery, ReceiptBody, ThresholdBody } from '../dto/inventory.js';
import { answerWrite, commandContext, setEtag } from '../http.js';
import { parseDto, parseQuery } from '../validation.js';
import { findCaughtUp } from '../fresh-reads.js';


const skuParam = (req: Request): string => {
  const sku = req.params.sku;
  if (typeof sku !== 'string' || !SKU_PATTERN.test(sku)) throw new NotFoundError('unknown SKU');
  return sku;
};

const handlers = (deps: AppDeps) => {
  const levels = deps.readModels.collection<StockLevel>('stock_levels');
  const stock = { commands: deps.commands, inventory: deps.inventory };
  const defaultThreshold = deps.inventory.lowStockThreshold;

  // Goods received into the warehouse.
  const recordReceipt: RequestHandler = async (req, res) => {
    const sku = skuParam(req);
    const { quantity } = await parseDto(ReceiptBody, req.body);
    const result = await receiveStock(stock, sku, quantity, commandContext(req, deps.clock()));
    answerWrite(res, deps.sessions, 200, result.levels, result);
  };

  // Corrections (damage, stocktake); never below what is reserved.
  const recordAdjustment: RequestHandler = async (req, res) => {
    const sku = skuParam(req);
    const body = await parseDto(AdjustmentBody, req.body);
    const result = await adjustStock(stock, sku, body, commandContext(req, deps.clock()));
    answerWrite(res, deps.sessions, 200, result.levels, result);
  };

  // The SKU's low-stock threshold; raising it above what is available is a crossing (StockLevelLow).
  const setThreshold: RequestHandler = async (req, res) => {
    const sku = skuParam(req);
    const { threshold } = await parseDto(ThresholdBody, req.body);
    const result = await setLowStockThreshold(stock, sku, threshold, commandContext(req, deps.clock()));
    answerWrite(res, deps.sessions, 200, result.levels, result);
  };

  // Stock levels, lowest availability first; `low` or `lowStockBelow` narrow to what needs reordering.
  const listStock: RequestHandler = async (req, res) => {
    const { low, ...query } = await parseQuery(ListStockQuery, req.query);
    res.json(await listStockLevels(levels, { ...query, ...(low === undefined ? {} : { low: low === 'true' }) }, defaultThreshold));
  };

  // One SKU's levels.
  const viewStock: RequestHandler = async (req, res) => {
    const sku = skuParam(req);
    const found = await findCaughtUp(deps, () => getStockLevel(levels, sku, defaultThreshold));
    if (!found) throw new NotFoundError('unknown SKU');
    setEtag(res, found.revision);
    const { productId: _productId, ...level } = found.level;
    res.json(level);
  };

  return { recordReceipt, recordAdjustment, setThreshold, listStock, viewStock };
};

const LEVELS = { sku: 'MUG-1', onHand: 12, reserved: 2, available: 10, threshold: 5, lowStock: false, outOfStock: false, waiting: 0 };
const sku = { sku: str({ pattern: SKU_PATTERN.source }) };

export const inventoryRoutes = defineRoutes({
  prefix: '/inventory',
  edge: 'api',
  tag: 'Inventory',
  routes: {
    recordReceipt: {
      method: 'post', path: '/:sku/receipts', role: 'admin', summary: 'Goods received into the warehouse',
      params: sku, body: ReceiptBody,
      success: { status: 200, description: 'The levels now.', schema: stockLevelsSchema },
      problems: [404, 409], headers: ['If-Match', 'ETag'],
      example: { body: { quantity: 10 }, response: LEVELS },
    },
    recordAdjustment: {
      method: 'post', path: '/:sku/adjustments', role: 'admin', summary: 'Corrections (damage, stocktake); never below what is reserved',
      params: sku, body: AdjustmentBody,
      success: { status: 200, description: 'The levels now.', schema: stockLevelsSchema },
      problems: [404, 409], headers: ['If-Match', 'ETag'],
      example: { body: { delta: -1, reason: 'damaged' }, response: { ...LEVELS, onHand: 11, available: 9 } },
    },
    setThreshold: {
      method: 'put', path: '/:sku/threshold', role: 'admin', summary: "The SKU's low-stock threshold (its admins are emailed once each time available falls below it)",
      description: 'Without one, a SKU has the shop\'s default (LOW_STOCK_THRESHOLD). Setting the threshold in force appends nothing; raising it above what is available appends StockLevelLow.',
      params: sku, body: ThresholdBody,
      success: { status: 200, description: 'The levels now, with the threshold.', schema: stockLevelsSchema },
      problems: [404], headers: ['If-Match', 'ETag'],
      example: { body: { threshold: 20 }, response: { ...LEVELS, threshold: 20, lowStock: true } },
    },
    listStock: {
      method: 'get', path: '/', role: 'admin', summary: 'Stock levels, lowest availability first; `low=true` (below the threshold in force) or `lowStockBelow` narrow to what needs reordering',
      query: ListStockQuery,
      success: { status: 200, description: 'One page of levels.', schema: stockLevelPageSchema },
      problems: [],
      example: { query: { low: 'true' }, response: { items: [{ ...LEVELS, available: 3, onHand: 5, lowStock: true, productId: '7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d' }], total: 1, page: 1, pageSize: 20 } },
    },
    viewStock: {
      method: 'get', path: '/:sku', role: 'admin', summary: "One SKU's levels",
      params: sku,
      success: { status: 200, description: 'The levels.', schema: stockLevelsSchema },
      problems: [404], headers: ['ETag'], example: { response: LEVELS },
    },
  },
  handlers,
});
