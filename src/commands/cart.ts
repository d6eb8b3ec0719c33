import { cartDecider, cartStream } from '../domain/cart/cart.js';
import { NotFoundError } from '../domain/shared/errors.js';
import type { ReadModelCollection } from '../infrastructure/read-models/read-model-store.js';
import { toCart } from '../projections/carts/carts.js';
import type { ProductView } from '../projections/products/products.js';
import type { CommandContext, CommandHandler } from './command-handler.js';

/**
 * Cart commands read the catalog (price, name) and availability from the products read
 * model, then let the cart decide. Availability there is a promise, not a reservation:
 * stock is reserved by the order saga after payment.
 */

export type CartDeps = { commands: CommandHandler; products: ReadModelCollection<ProductView>; currency: string };

const productOf = async (deps: CartDeps, productId: string) => {
  // Only read here (its price is copied into the command): the store's own document, not a copy of it.
  const product = await deps.products.findOne({ _id: productId, listed: true }, { readonly: true });
  if (!product) throw new NotFoundError('product not found');
  return product;
};

const answer = (deps: CartDeps, customerId: string, handled: { state: { lines: Parameters<typeof toCart>[1] }; revision: number; position?: number }) => ({
  cart: toCart(customerId, handled.state.lines, deps.currency),
  revision: handled.revision,
  position: handled.position,
});

export const addToCart = async (deps: CartDeps, customerId: string, item: { productId: string; quantity: number }, context: CommandContext) => {
  const product = await productOf(deps, item.productId);
  const { productId, sku, name, price, available } = product;
  const handled = await deps.commands.handle(
    cartDecider,
    cartStream(customerId),
    { type: 'AddCartItem', customerId, productId, sku, name, quantity: item.quantity, unitPrice: { amount: price.amount, currency: price.currency }, available, now: context.now },
    context,
  );
  return answer(deps, customerId, handled);
};

export const changeCartQuantity = async (deps: CartDeps, customerId: string, item: { productId: string; quantity: number }, context: CommandContext) => {
  const product = await deps.products.findOne({ _id: item.productId });
  const handled = await deps.commands.handle(
    cartDecider,
    cartStream(customerId),
    { type: 'ChangeCartItemQuantity', customerId, productId: item.productId, quantity: item.quantity, available: product?.available ?? 0, now: context.now },
    context,
  );
  return answer(deps, customerId, handled);
};

export const removeFromCart = async (deps: CartDeps, customerId: string, productId: string, context: CommandContext) => {
  const handled = await deps.commands.handle(cartDecider, cartStream(customerId), { type: 'RemoveCartItem', customerId, productId, now: context.now }, context);
  return answer(deps, customerId, handled);
};
