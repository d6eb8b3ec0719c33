import { cartDecider, cartStream, NotEnoughAvailableError } from '../domain/cart/cart.js';
import { productDecider, productStream } from '../domain/catalog/product.js';
import { inventoryDecider, inventoryStream } from '../domain/inventory/inventory.js';
import { NotFoundError } from '../domain/shared/errors.js';
import type { ReadModelCollection } from '../infrastructure/read-models/read-model-store.js';
import { toCart } from '../projections/carts/carts.js';
import type { ProductView } from '../projections/products/products.js';
import type { CommandContext, CommandHandler } from './command-handler.js';

/**
 * Cart commands read the catalog (price, name) and availability from the products read
 * model, then let the cart decide. Availability there is a promise, not a reservation:
 * stock is reserved by the order saga after payment. The read models follow the log a moment
 * behind (longer while another process takes their runner over), so what they cannot confirm
 * (a product not shown yet, too little available) is looked up in the log before it is refused.
 */

export type CartDeps = { commands: CommandHandler; products: ReadModelCollection<ProductView>; currency: string };

type Sellable = Pick<ProductView, 'productId' | 'sku' | 'name' | 'price' | 'available'>;

const productOf = async (deps: CartDeps, productId: string): Promise<Sellable> => {
  // Only read here (its price is copied into the command): the store's own document, not a copy of it.
  const product = await deps.products.findOne({ _id: productId, listed: true }, { readonly: true });
  return product ?? productInLog(deps.commands, productId);
};

/** A product created a moment ago, as its stream has it; not found when it has none. */
const productInLog = async (commands: CommandHandler, productId: string): Promise<Sellable> => {
  const { state } = await commands.load(productDecider, productStream(productId));
  if (state.status !== 'Listed') throw new NotFoundError('product not found');
  return { productId, sku: state.sku, name: state.details.name, price: state.price, available: await availableInLog(commands, state.sku) };
};

// The default decider's fold (the same for every threshold): on a shop with another threshold the saga's next command on
// this SKU folds it again from its snapshot, a cost paid only on this rare path.
export const availableInLog = async (commands: CommandHandler, sku: string) => {
  const { state } = await commands.load(inventoryDecider, inventoryStream(sku));
  return state.status === 'Tracked' ? state.onHand - state.reserved : 0;
};

/** Decides with the read model's availability and, if that is too little, once more with the log's (stock received a moment ago). */
const withAvailability = async <T>(commands: CommandHandler, sku: () => Promise<string>, shown: number, decide: (available: number) => Promise<T>): Promise<T> => {
  try {
    return await decide(shown);
  } catch (error) {
    if (!(error instanceof NotEnoughAvailableError)) throw error;
    const inLog = await availableInLog(commands, await sku());
    if (inLog <= shown) throw error;
    return decide(inLog);
  }
};

const answer = (deps: CartDeps, customerId: string, handled: { state: { lines: Parameters<typeof toCart>[1] }; revision: number; position?: number }) => ({
  cart: toCart(customerId, handled.state.lines, deps.currency),
  revision: handled.revision,
  position: handled.position,
});

export const addToCart = async (deps: CartDeps, customerId: string, item: { productId: string; quantity: number }, context: CommandContext) => {
  const { productId, sku, name, price, available } = await productOf(deps, item.productId);
  const handled = await withAvailability(deps.commands, async () => sku, available, (sellable) =>
    deps.commands.handle(
      cartDecider,
      cartStream(customerId),
      { type: 'AddCartItem', customerId, productId, sku, name, quantity: item.quantity, unitPrice: { amount: price.amount, currency: price.currency }, available: sellable, now: context.now },
      context,
    ),
  );
  return answer(deps, customerId, handled);
};

export const changeCartQuantity = async (deps: CartDeps, customerId: string, item: { productId: string; quantity: number }, context: CommandContext) => {
  const product = await deps.products.findOne({ _id: item.productId });
  const sku = async () => product?.sku ?? (await productInLog(deps.commands, item.productId)).sku;
  const handled = await withAvailability(deps.commands, sku, product?.available ?? 0, (available) =>
    deps.commands.handle(
      cartDecider,
      cartStream(customerId),
      { type: 'ChangeCartItemQuantity', customerId, productId: item.productId, quantity: item.quantity, available, now: context.now },
      context,
    ),
  );
  return answer(deps, customerId, handled);
};

export const removeFromCart = async (deps: CartDeps, customerId: string, productId: string, context: CommandContext) => {
  const handled = await deps.commands.handle(cartDecider, cartStream(customerId), { type: 'RemoveCartItem', customerId, productId, now: context.now }, context);
  return answer(deps, customerId, handled);
};
