import type { RequestHandler } from 'express';
import { addToCart, changeCartQuantity, removeFromCart } from '../../commands/cart.js';
import { readCart, withCatalogNames, type CartView } from '../../projections/carts/carts.js';
import type { ProductView } from '../../projections/products/products.js';
import { principalOf } from '../auth.js';
import type { AppDeps } from '../deps.js';
import { cartSchema } from '../../projections/carts/schemas.js';
import { uuid } from '../../projections/json-schema.js';
import { defineRoutes } from '../openapi/route-table.js';
import { AddCartItemBody, ChangeQuantityBody } from '../dto/orders.js';
import { answerWrite, commandContext, setEtag, uuidParam } from '../http.js';
import { parseDto } from '../validation.js';

const handlers = (deps: AppDeps) => {
  const carts = deps.readModels.collection<CartView>('carts');
  const cart = { commands: deps.commands, products: deps.readModels.collection<ProductView>('products'), currency: deps.config.currency };

  // The signed-in customer's cart with its total; its ETag is the revision the cart's writes and checkout take as If-Match.
  const viewCart: RequestHandler = async (req, res) => {
    const { cart: view, revision } = await readCart(carts, principalOf(req).customerId, deps.config.currency);
    setEtag(res, revision);
    res.json(await withCatalogNames(view, cart.products));
  };

  // Add a product (409 if not enough is available); the price comes from the catalog.
  const addCartItem: RequestHandler = async (req, res) => {
    const body = await parseDto(AddCartItemBody, req.body);
    const result = await addToCart(cart, principalOf(req).customerId, body, commandContext(req, deps.clock()));
    answerWrite(res, deps.sessions, 200, await withCatalogNames(result.cart, cart.products), result);
  };

  // Change a line's quantity.
  const changeCartItem: RequestHandler = async (req, res) => {
    const productId = uuidParam(req, 'productId', 'cart item');
    const { quantity } = await parseDto(ChangeQuantityBody, req.body);
    const result = await changeCartQuantity(cart, principalOf(req).customerId, { productId, quantity }, commandContext(req, deps.clock()));
    answerWrite(res, deps.sessions, 200, await withCatalogNames(result.cart, cart.products), result);
  };

  // Remove a line.
  const removeCartItem: RequestHandler = async (req, res) => {
    const productId = uuidParam(req, 'productId', 'cart item');
    const result = await removeFromCart(cart, principalOf(req).customerId, productId, commandContext(req, deps.clock()));
    answerWrite(res, deps.sessions, 200, await withCatalogNames(result.cart, cart.products), result);
  };

  return { viewCart, addCartItem, changeCartItem, removeCartItem };
};

const PRODUCT_ID = '7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';
const CART = {
  cartId: '5b0c7e1a-2f4d-4c8e-9a6b-1d3f5e7a9c2b',
  items: [{ productId: PRODUCT_ID, sku: 'MUG-1', name: 'Mug', quantity: 2, unitPrice: { amount: 1500, currency: 'USD' } }],
  total: { amount: 3000, currency: 'USD' },
};
const productId = { productId: uuid() };

export const cartRoutes = defineRoutes({
  prefix: '/cart',
  edge: 'api',
  tag: 'Cart',
  routes: {
    viewCart: {
      method: 'get', path: '/', role: 'customer', summary: "The signed-in customer's cart with its total",
      description: 'The ETag is the cart\'s revision, for If-Match on its writes and on checkout: present once the cart has had a write, none while nothing was ever added.',
      success: { status: 200, description: 'The cart (empty when nothing was added).', schema: cartSchema },
      problems: [], headers: ['ETag'], etag: 'once-written', example: { response: CART },
    },
    addCartItem: {
      method: 'post', path: '/items', role: 'customer', summary: 'Add a product; the price comes from the catalog',
      description: 'A cart holds at most 50 different products and at most 100 units on a line: past either, 409 (nothing added), as for stock that is not there.',
      body: AddCartItemBody,
      success: { status: 200, description: 'The cart.', schema: cartSchema },
      problems: [404, 409], headers: ['If-Match', 'ETag'],
      example: { body: { productId: PRODUCT_ID, quantity: 2 }, response: CART },
    },
    changeCartItem: {
      method: 'patch', path: '/items/:productId', role: 'customer', summary: "Change a line's quantity",
      params: productId, body: ChangeQuantityBody,
      success: { status: 200, description: 'The cart.', schema: cartSchema },
      problems: [404, 409], headers: ['If-Match', 'ETag'],
      example: { body: { quantity: 2 }, response: CART },
    },
    removeCartItem: {
      method: 'delete', path: '/items/:productId', role: 'customer', summary: 'Remove a line',
      params: productId,
      success: { status: 200, description: 'The cart.', schema: cartSchema },
      problems: [404, 409], headers: ['If-Match', 'ETag'],
      example: { response: { ...CART, items: [], total: { amount: 0, currency: 'USD' } } },
    },
  },
  handlers,
});
