import { cartTotal, withoutOrdered, type CartEvent, type CartLine } from '../../domain/cart/cart.js';
import type { RecordedEvent } from '../../infrastructure/event-store/event-store.js';
import type { Document, ReadModelCollection } from '../../infrastructure/read-models/read-model-store.js';
import { CUSTOMER_ERASED } from '../erased-fields.js';
import type { ProductView } from '../products/products.js';
import type { Projection } from '../projection.js';

/**
 * A customer's open cart, as the cart page shows it. `revision` is the revision of the
 * `cart-<customerId>` stream after the last event folded (every event of that stream is
 * folded here), so it is what a write's If-Match is compared with: the cart's ETag. Absent
 * in a document folded by version 1 (served until the rebuild replaces it).
 */
export type CartView = Document & { cartId: string; customerId: string; items: CartLine[]; revision?: number; updatedAt: string };

const evolve = (current: CartView | null, recorded: RecordedEvent): CartView | null => {
  // An erased customer's cart is emptied: gone.
  if (recorded.type === CUSTOMER_ERASED) return null;
  const event = recorded as unknown as CartEvent;
  // Only an item added starts a cart: any other event on none (a checkout's re-price or its
  // emptying, placed in the moment of the customer's erasure) leaves none.
  if (event.type !== 'CartItemAdded' && !current) return null;
  const customerId = event.data.customerId;
  const doc: CartView = current ?? { _id: customerId, cartId: customerId, customerId, items: [], updatedAt: '' };
  const at = String(recorded.metadata.occurredAt ?? recorded.recordedAt);
  const items = (() => {
    switch (event.type) {
      case 'CartItemAdded': {
        const { productId, sku, name, quantity, unitPrice } = event.data;
        const existing = doc.items.find((item) => item.productId === productId);
        if (!existing) return [...doc.items, { productId, sku, name, quantity, unitPrice }];
        return doc.items.map((item) => (item.productId === productId ? { ...item, name, unitPrice, quantity: item.quantity + quantity } : item));
      }
      case 'CartItemQuantityChanged':
        return doc.items.map((item) => (item.productId === event.data.productId ? { ...item, quantity: event.data.quantity } : item));
      case 'CartItemRemoved':
        return doc.items.filter((item) => item.productId !== event.data.productId);
      case 'CartItemRepriced':
        return doc.items.map((item) => (item.productId === event.data.productId ? { ...item, unitPrice: event.data.unitPrice } : item));
      case 'CartCheckedOut':
        return withoutOrdered(doc.items, event.data.lines);
    }
  })();
  return { ...doc, items, revision: recorded.revision, updatedAt: at };
};

export const cartsProjection: Projection<CartView> = {
  name: 'carts',
  collection: 'carts',
  eventTypes: ['CartItemAdded', 'CartItemQuantityChanged', 'CartItemRemoved', 'CartItemRepriced', 'CartCheckedOut', CUSTOMER_ERASED],
  documentIds: (event) => [String(event.data.customerId)],
  evolve,
  version: 2, // 2: the stream's revision (the cart's ETag)
};

export const toCart = (customerId: string, items: CartLine[], currency: string) => ({
  cartId: customerId,
  items: items.map(({ productId, sku, name, quantity, unitPrice }) => ({ productId, sku, name, quantity, unitPrice })),
  total: cartTotal(items, currency),
});

/**
 * The cart with each line named as the catalog names its product now. A line keeps the price
 * it was added at (a checkout re-prices it, and says so), but a name is no term of the sale: a
 * product renamed after it was added shows its new name, as its page and a checkout's
 * `prices-changed` do. A product the catalog does not show (any more) keeps the line's name.
 */
export const withCatalogNames = async <C extends { items: Array<{ productId: string; name: string }> }>(cart: C, products: ReadModelCollection<ProductView>): Promise<C> => {
  if (cart.items.length === 0) return cart;
  // By id alone, handed out as held (no projection, no copy): every cart command's answer pays for this lookup.
  const docs = await products.find({ _id: { $in: cart.items.map((item) => item.productId) } }, { readonly: true });
  const names = new Map(docs.filter((doc) => doc.listed).map((doc) => [doc._id, doc.name]));
  return { ...cart, items: cart.items.map((item) => ({ ...item, name: names.get(item.productId) || item.name })) };
};

/**
 * The cart and its stream's revision: undefined while the cart has no event yet (an empty
 * cart nothing was ever added to) or in a document of an older version of this projection.
 */
export const readCart = async (carts: ReadModelCollection<CartView>, customerId: string, currency: string) => {
  const doc = await carts.findOne({ _id: customerId });
  return { cart: toCart(customerId, doc?.items ?? [], currency), revision: typeof doc?.revision === 'number' ? doc.revision : undefined };
};

export const getCart = async (carts: ReadModelCollection<CartView>, customerId: string, currency: string) =>
  (await readCart(carts, customerId, currency)).cart;
