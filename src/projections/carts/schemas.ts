import { arr, int, money, obj, str, uuid } from '../json-schema.js';

/** What getCart / toCart answer: the cart (its id is the customer's) with its total. */
export const cartSchema = obj({
  cartId: uuid(),
  items: arr(obj({ productId: uuid(), sku: str(), name: str(), quantity: int({ minimum: 1 }), unitPrice: money() })),
  total: money(),
});
