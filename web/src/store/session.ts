import { useEffect, useState } from 'preact/hooks';
import { Api, type Session } from '../shared/api.js';

/** The storefront's connection to the API; its own sign-in, kept apart from the console's. */
export const api = new Api('shop.session');

/**
 * Where the checkout keeps the address being typed (sessionStorage), across a sign-in its
 * session's end asked for: `{ customerId, address }`, the customer who typed it.
 */
export const CHECKOUT_DRAFT_KEY = 'shop.checkout.address';

/** The customer whose address the kept draft is, if any. */
export const checkoutDraftOwner = (): string | null => {
  try {
    const draft = JSON.parse(sessionStorage.getItem(CHECKOUT_DRAFT_KEY) ?? 'null') as { customerId?: unknown } | null;
    return typeof draft?.customerId === 'string' ? draft.customerId : null;
  } catch {
    return null;
  }
};

// Signing out on purpose leaves no address behind for whoever signs in next in this tab, and
// someone else signing in after a session ended does not get the address its customer typed.
api.onSession((session) => {
  const stays = session ? checkoutDraftOwner() === session.customerId : api.signedOutBecause !== null;
  if (!stays) sessionStorage.removeItem(CHECKOUT_DRAFT_KEY);
});

/** The signed-in shopper (or null), redrawn on sign-in and sign-out. */
export const useSession = (): Session | null => {
  const [session, setSession] = useState(api.session);
  useEffect(() => api.onSession(setSession), []);
  return session;
};
