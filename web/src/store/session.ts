import { useEffect, useState } from 'preact/hooks';
import { Api, type Session } from '../shared/api.js';

/** The storefront's connection to the API; its own sign-in, kept apart from the console's. */
export const api = new Api('shop.session');

/** Where the checkout keeps the address being typed (sessionStorage), across a sign-in its session's end asked for. */
export const CHECKOUT_DRAFT_KEY = 'shop.checkout.address';
// Signing out on purpose leaves no address behind for whoever signs in next in this tab.
api.onSession((session) => {
  if (!session && !api.signedOutBecause) sessionStorage.removeItem(CHECKOUT_DRAFT_KEY);
});

/** The signed-in shopper (or null), redrawn on sign-in and sign-out. */
export const useSession = (): Session | null => {
  const [session, setSession] = useState(api.session);
  useEffect(() => api.onSession(setSession), []);
  return session;
};
