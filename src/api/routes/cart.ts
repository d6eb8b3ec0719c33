import { Router } from 'express';
import { addToCart, changeCartQuantity, removeFromCart } from '../../commands/cart.js';
import { getCart, type CartView } from '../../projections/carts/carts.js';
import type { ProductView } from '../../projections/products/products.js';
import { principalOf, requireCustomer } from '../auth.js';
import type { AppDeps } from '../deps.js';
import { AddCartItemBody, ChangeQuantityBody } from '../dto/orders.js';
import { answerWrite, commandContext, uuidParam } from '../http.js';
import { parseDto } from '../validation.js';

export const cartRoutes = (deps: AppDeps): Router => {
  const router = Router();
  const carts = deps.readModels.collection<CartView>('carts');
  const cart = { commands: deps.commands, products: deps.readModels.collection<ProductView>('products'), currency: deps.config.currency };
  router.use(requireCustomer);

  // The signed-in customer's cart with its total.
  router.get('/', async (req, res) => {
    res.json(await getCart(carts, principalOf(req).customerId, deps.config.currency));
  });

  // Add a product (409 if not enough is available); the price comes from the catalog.
  router.post('/items', async (req, res) => {
    const body = await parseDto(AddCartItemBody, req.body);
    const result = await addToCart(cart, principalOf(req).customerId, body, commandContext(req, deps.clock()));
    answerWrite(res, deps.sessions, 200, result.cart, result);
  });

  // Change a line's quantity.
  router.patch('/items/:productId', async (req, res) => {
    const productId = uuidParam(req, 'productId', 'cart item');
    const { quantity } = await parseDto(ChangeQuantityBody, req.body);
    const result = await changeCartQuantity(cart, principalOf(req).customerId, { productId, quantity }, commandContext(req, deps.clock()));
    answerWrite(res, deps.sessions, 200, result.cart, result);
  });

  // Remove a line.
  router.delete('/items/:productId', async (req, res) => {
    const productId = uuidParam(req, 'productId', 'cart item');
    const result = await removeFromCart(cart, principalOf(req).customerId, productId, commandContext(req, deps.clock()));
    answerWrite(res, deps.sessions, 200, result.cart, result);
  });

  return router;
};
