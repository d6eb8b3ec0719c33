import { Router } from 'express';
import { createProduct, updateProduct } from '../../commands/catalog.js';
import { NotFoundError, ValidationError } from '../../domain/shared/errors.js';
import { getProduct, listProducts, type ProductView } from '../../projections/products/products.js';
import { requireAdmin } from '../auth.js';
import type { AppDeps } from '../deps.js';
import { CreateProductBody, ListProductsQuery, UpdateProductBody, type MoneyBody } from '../dto/catalog.js';
import { answerWrite, commandContext, setEtag, uuidParam } from '../http.js';
import { parseDto, parseQuery } from '../validation.js';

export const catalogRoutes = (deps: AppDeps): Router => {
  const router = Router();
  const products = deps.readModels.collection<ProductView>('products');

  /** The shop sells in one currency: a price in another one is refused at the door. */
  const checkCurrency = (price: MoneyBody | undefined) => {
    if (price && price.currency.toUpperCase() !== deps.config.currency) {
      throw new ValidationError('unsupported currency', [{ field: 'price.currency', message: `must be ${deps.config.currency}` }]);
    }
    return price && { amount: price.amount, currency: deps.config.currency };
  };

  // Create a product (admin); its SKU must be new.
  router.post('/', requireAdmin, async (req, res) => {
    const body = await parseDto(CreateProductBody, req.body);
    const price = checkCurrency(body.price)!;
    const result = await createProduct(deps.commands, { ...body, price }, commandContext(req, deps.clock()));
    answerWrite(res, deps.sessions, 201, { productId: result.productId }, { ...result, location: `/api/v1/products/${result.productId}` });
  });

  // Change details and/or price (admin); If-Match guards against lost updates.
  router.patch('/:id', requireAdmin, async (req, res) => {
    const productId = uuidParam(req, 'id', 'product');
    const body = await parseDto(UpdateProductBody, req.body);
    if (Object.keys(body).filter((k) => (body as Record<string, unknown>)[k] !== undefined).length === 0) {
      throw new ValidationError('nothing to change', [{ field: 'body', message: 'name, description, brand, category or price' }]);
    }
    const { price, ...details } = body;
    const changes = { ...details, ...(price ? { price: checkCurrency(price)! } : {}) };
    const result = await updateProduct(deps.commands, productId, changes, commandContext(req, deps.clock()));
    if (result.state.status !== 'Listed') throw new NotFoundError('product not found');
    const { details: current, price: currentPrice, sku } = result.state;
    answerWrite(res, deps.sessions, 200, { productId, sku, ...current, price: currentPrice }, result);
  });

  // Browse the catalog with filters and paging.
  router.get('/', async (req, res) => {
    const query = await parseQuery(ListProductsQuery, req.query);
    if (query.minPrice !== undefined && query.maxPrice !== undefined && query.minPrice > query.maxPrice) {
      throw new ValidationError('empty price range', [{ field: 'minPrice', message: 'must not exceed maxPrice' }]);
    }
    res.json(await listProducts(products, query));
  });

  // One product with its availability.
  router.get('/:id', async (req, res) => {
    const found = await getProduct(products, uuidParam(req, 'id', 'product'));
    if (!found) throw new NotFoundError('product not found');
    setEtag(res, found.revision);
    res.json(found.product);
  });

  return router;
};

