import { Router, type Request } from 'express';
import { adjustStock, receiveStock } from '../../commands/inventory.js';
import { NotFoundError } from '../../domain/shared/errors.js';
import { getStockLevel, listStockLevels, type StockLevel } from '../../projections/stock-levels/stock-levels.js';
import { requireAdmin } from '../auth.js';
import type { AppDeps } from '../deps.js';
import { SKU_PATTERN } from '../dto/catalog.js';
import { AdjustmentBody, ListStockQuery, ReceiptBody } from '../dto/inventory.js';
import { answerWrite, commandContext, setEtag } from '../http.js';
import { parseDto, parseQuery } from '../validation.js';


const skuParam = (req: Request): string => {
  const sku = req.params.sku;
  if (typeof sku !== 'string' || !SKU_PATTERN.test(sku)) throw new NotFoundError('unknown SKU');
  return sku;
};

export const inventoryRoutes = (deps: AppDeps): Router => {
  const router = Router();
  const levels = deps.readModels.collection<StockLevel>('stock_levels');
  router.use(requireAdmin);

  // Goods received into the warehouse.
  router.post('/:sku/receipts', async (req, res) => {
    const sku = skuParam(req);
    const { quantity } = await parseDto(ReceiptBody, req.body);
    const result = await receiveStock(deps.commands, sku, quantity, commandContext(req, deps.clock()));
    answerWrite(res, deps.sessions, 200, result.levels, result);
  });

  // Corrections (damage, stocktake); never below what is reserved.
  router.post('/:sku/adjustments', async (req, res) => {
    const sku = skuParam(req);
    const body = await parseDto(AdjustmentBody, req.body);
    const result = await adjustStock(deps.commands, sku, body, commandContext(req, deps.clock()));
    answerWrite(res, deps.sessions, 200, result.levels, result);
  });

  // Stock levels, lowest availability first; `lowStockBelow` narrows to what needs reordering.
  router.get('/', async (req, res) => {
    res.json(await listStockLevels(levels, await parseQuery(ListStockQuery, req.query)));
  });

  // One SKU's levels.
  router.get('/:sku', async (req, res) => {
    const found = await getStockLevel(levels, skuParam(req));
    if (!found) throw new NotFoundError('unknown SKU');
    setEtag(res, found.revision);
    const { sku, onHand, reserved, available } = found.level;
    res.json({ sku, onHand, reserved, available });
  });

  return router;
};
