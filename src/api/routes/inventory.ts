import type { Request, RequestHandler } from 'express';
import { adjustStock, receiveStock } from '../../commands/inventory.js';
import { NotFoundError } from '../../domain/shared/errors.js';
import { getStockLevel, listStockLevels, type StockLevel } from '../../projections/stock-levels/stock-levels.js';
import type { AppDeps } from '../deps.js';
import { stockLevelPageSchema, stockLevelsSchema } from '../../projections/stock-levels/schemas.js';
import { str } from '../../projections/json-schema.js';
import { defineRoutes } from '../openapi/route-table.js';
import { SKU_PATTERN } from '../dto/catalog.js';
import { AdjustmentBody, ListStockQuery, ReceiptBody } from '../dto/inventory.js';
import { answerWrite, commandContext, setEtag } from '../http.js';
import { parseDto, parseQuery } from '../validation.js';


const skuParam = (req: Request): string => {
  const sku = req.params.sku;
  if (typeof sku !== 'string' || !SKU_PATTERN.test(sku)) throw new NotFoundError('unknown SKU');
  return sku;
};

const handlers = (deps: AppDeps) => {
  const levels = deps.readModels.collection<StockLevel>('stock_levels');

  // Goods received into the warehouse.
  const recordReceipt: RequestHandler = async (req, res) => {
    const sku = skuParam(req);
    const { quantity } = await parseDto(ReceiptBody, req.body);
    const result = await receiveStock(deps.commands, sku, quantity, commandContext(req, deps.clock()));
    answerWrite(res, deps.sessions, 200, result.levels, result);
  };

  // Corrections (damage, stocktake); never below what is reserved.
  const recordAdjustment: RequestHandler = async (req, res) => {
    const sku = skuParam(req);
    const body = await parseDto(AdjustmentBody, req.body);
    const result = await adjustStock(deps.commands, sku, body, commandContext(req, deps.clock()));
    answerWrite(res, deps.sessions, 200, result.levels, result);
  };

  // Stock levels, lowest availability first; `lowStockBelow` narrows to what needs reordering.
  const listStock: RequestHandler = async (req, res) => {
    res.json(await listStockLevels(levels, await parseQuery(ListStockQuery, req.query)));
  };

  // One SKU's levels.
  const viewStock: RequestHandler = async (req, res) => {
    const found = await getStockLevel(levels, skuParam(req));
    if (!found) throw new NotFoundError('unknown SKU');
    setEtag(res, found.revision);
    const { sku, onHand, reserved, available } = found.level;
    res.json({ sku, onHand, reserved, available });
  };

  return { recordReceipt, recordAdjustment, listStock, viewStock };
};

const LEVELS = { sku: 'MUG-1', onHand: 12, reserved: 2, available: 10 };
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
    listStock: {
      method: 'get', path: '/', role: 'admin', summary: 'Stock levels, lowest availability first; `lowStockBelow` narrows to what needs reordering',
      query: ListStockQuery,
      success: { status: 200, description: 'One page of levels.', schema: stockLevelPageSchema },
      problems: [],
      example: { query: { lowStockBelow: '5' }, response: { items: [{ ...LEVELS, productId: '7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d' }], total: 1, page: 1, pageSize: 20 } },
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
