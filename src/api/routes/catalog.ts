import type { RequestHandler } from 'express';
import { createProduct, updateProduct } from '../../commands/catalog.js';
import { NotFoundError, ValidationError } from '../../domain/shared/errors.js';
import { getProduct, listProducts, type ProductView } from '../../projections/products/products.js';
import type { AppDeps } from '../deps.js';
import { createdProductSchema, productDetailsSchema, productPageSchema, productSchema } from '../../projections/products/schemas.js';
import { uuid } from '../../projections/json-schema.js';
import { defineRoutes } from '../openapi/route-table.js';
import { CreateProductBody, ListProductsQuery, UpdateProductBody, type MoneyBody } from '../dto/catalog.js';
import { answerWrite, commandContext, setEtag, uuidParam } from '../http.js';
import { parseDto, parseQuery, someChange } from '../validation.js';
import { findCaughtUp } from '../fresh-reads.js';

const handlers = (deps: AppDeps) => {
  const products = deps.readModels.collection<ProductView>('products');

  /** The shop sells in one currency: a price in another one is refused at the door. */
  const checkCurrency = (price: MoneyBody | undefined) => {
    if (price && price.currency !== deps.config.currency) {
      throw new ValidationError('unsupported currency', [{ field: 'price.currency', message: `must be ${deps.config.currency}` }]);
    }
    return price && { amount: price.amount, currency: deps.config.currency };
  };

  // Create a product (admin); its SKU must be new.
  const addProduct: RequestHandler = async (req, res) => {
    const body = await parseDto(CreateProductBody, req.body);
    const price = checkCurrency(body.price)!;
    const result = await createProduct(deps.commands, { ...body, price }, commandContext(req, deps.clock()));
    answerWrite(res, deps.sessions, 201, { productId: result.productId }, { ...result, location: `/api/v1/products/${result.productId}` });
  };

  // Change details and/or price (admin); If-Match guards against lost updates.
  const changeProduct: RequestHandler = async (req, res) => {
    const productId = uuidParam(req, 'id', 'product');
    const body = someChange(await parseDto(UpdateProductBody, req.body), 'name, description, brand, category or price');
    const { price, ...details } = body;
    const changes = { ...details, ...(price ? { price: checkCurrency(price)! } : {}) };
    const result = await updateProduct(deps.commands, productId, changes, commandContext(req, deps.clock()));
    if (result.state.status !== 'Listed') throw new NotFoundError('product not found');
    const { details: current, price: currentPrice, sku } = result.state;
    answerWrite(res, deps.sessions, 200, { productId, sku, ...current, price: currentPrice }, result);
  };

  // Browse the catalog with filters and paging.
  const browseProducts: RequestHandler = async (req, res) => {
    const query = await parseQuery(ListProductsQuery, req.query);
    if (query.minPrice !== undefined && query.maxPrice !== undefined && query.minPrice > query.maxPrice) {
      throw new ValidationError('empty price range', [{ field: 'minPrice', message: 'must not exceed maxPrice' }]);
    }
    res.json(await listProducts(products, query));
  };

  // One product with its availability.
  const viewProduct: RequestHandler = async (req, res) => {
    const productId = uuidParam(req, 'id', 'product');
    const found = await findCaughtUp(deps, () => getProduct(products, productId));
    if (!found) throw new NotFoundError('product not found');
    setEtag(res, found.revision);
    res.json(found.product);
  };

  return { addProduct, changeProduct, browseProducts, viewProduct };
};

const PRODUCT_ID = '7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';
const DETAILS = { name: 'Mug', description: 'Stoneware, 350 ml', brand: 'Acme', category: 'Kitchen', price: { amount: 1500, currency: 'USD' } };
const PRODUCT = { productId: PRODUCT_ID, sku: 'MUG-1', ...DETAILS, available: 12, inStock: true, rating: { average: 4.5, count: 2 }, createdAt: '2025-01-01T10:00:00.000Z', updatedAt: '2025-01-01T10:00:00.000Z' };
const id = { id: uuid() };

export const catalogRoutes = defineRoutes({
  prefix: '/products',
  edge: 'api',
  tag: 'Catalog',
  routes: {
    addProduct: {
      method: 'post', path: '/', role: 'admin', summary: 'Create a product; its SKU must be new',
      body: CreateProductBody,
      success: { status: 201, description: 'Created.', schema: createdProductSchema },
      problems: [409, 412], headers: ['Location'],
      example: { body: { sku: 'MUG-1', ...DETAILS }, response: { productId: PRODUCT_ID } },
    },
    changeProduct: {
      method: 'patch', path: '/:id', role: 'admin', summary: 'Change details and/or price',
      params: id, body: UpdateProductBody,
      success: { status: 200, description: 'The product as it stands.', schema: productDetailsSchema },
      problems: [404, 409], headers: ['If-Match', 'ETag'],
      example: { body: { price: { amount: 1200, currency: 'USD' } }, response: { productId: PRODUCT_ID, sku: 'MUG-1', ...DETAILS, price: { amount: 1200, currency: 'USD' } } },
    },
    browseProducts: {
      cache: 'public', method: 'get', path: '/', role: 'anonymous', summary: 'Browse the catalog with filters and paging',
      query: ListProductsQuery,
      success: { status: 200, description: 'One page of products.', schema: productPageSchema },
      problems: [], example: { query: { category: 'Kitchen', maxPrice: '2000' }, response: { items: [PRODUCT], total: 1, page: 1, pageSize: 20 } },
    },
    viewProduct: {
      cache: 'public', method: 'get', path: '/:id', role: 'anonymous', summary: 'One product with its availability',
      params: id,
      success: { status: 200, description: 'The product.', schema: productSchema },
      problems: [404], headers: ['ETag'], example: { response: PRODUCT },
    },
  },
  handlers,
});
