import { useEffect, useState } from 'preact/hooks';
import { api } from './session.js';
import type { Cart } from './types.js';

/**
 * How many items the shopper's cart holds, for the header's cart link. Pages that change the
 * cart hand over the cart the API answered; a sign-in or sign-out reads it again.
 */
let count = 0;
/** Counts the counts published: a read of the cart answered after a newer one was published is older than it. */
let published = 0;
const listeners = new Set<(count: number) => void>();

const publish = (next: number): void => {
  count = next;
  published += 1;
  for (const listener of listeners) listener(count);
};

const itemsOf = (cart: Pick<Cart, 'items'> | null): number => (cart ? cart.items.reduce((sum, line) => sum + line.quantity, 0) : 0);

/** The cart as the API answered it (after an add, a change, a removal), or null once it is gone (checkout). */
export const cartChanged = (cart: Pick<Cart, 'items'> | null): void => publish(itemsOf(cart));

/**
 * Reads the cart again (signed in), or zero (signed out). The header's count only: a failure
 * leaves it as it was, and so does an answer that comes after a page published a newer count
 * (the page's load read the cart, the shopper changed it, and the read came back last: the
 * header showed the cart as it was before the changes).
 */
export const refreshCartCount = async (): Promise<void> => {
  if (!api.session) return publish(0);
  const asOf = published;
  try {
    const cart = await api.get<Cart>('/cart');
    if (published === asOf) publish(itemsOf(cart));
  } catch {
    // The count is a hint; the cart page itself shows why the cart cannot be read.
  }
};

api.onSession(() => void refreshCartCount());

export const useCartCount = (): number => {
  const [value, setValue] = useState(count);
  useEffect(() => {
    listeners.add(setValue);
    setValue(count);
    return () => void listeners.delete(setValue);
  }, []);
  return value;
};
