import { useEffect, useState } from 'preact/hooks';
import { api } from './session.js';
import type { Cart } from './types.js';

/**
 * How many items the shopper's cart holds, for the header's cart link. Pages that change the
 * cart hand over the cart the API answered; a sign-in or sign-out reads it again.
 */
let count = 0;
const listeners = new Set<(count: number) => void>();

const publish = (next: number): void => {
  count = next;
  for (const listener of listeners) listener(count);
};

/** The cart as the API answered it (after an add, a change, a removal), or null once it is gone (checkout). */
export const cartChanged = (cart: Pick<Cart, 'items'> | null): void => publish(cart ? cart.items.reduce((sum, line) => sum + line.quantity, 0) : 0);

/** Reads the cart again (signed in), or zero (signed out). The header's count only: a failure leaves it as it was. */
export const refreshCartCount = async (): Promise<void> => {
  if (!api.session) return publish(0);
  try {
    cartChanged(await api.get<Cart>('/cart'));
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
