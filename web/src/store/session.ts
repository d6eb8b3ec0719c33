import { useEffect, useState } from 'preact/hooks';
import { Api, type Session } from '../shared/api.js';

/** The storefront's connection to the API; its own sign-in, kept apart from the console's. */
export const api = new Api('shop.session');

/** The signed-in shopper (or null), redrawn on sign-in and sign-out. */
export const useSession = (): Session | null => {
  const [session, setSession] = useState(api.session);
  useEffect(() => api.onSession(setSession), []);
  return session;
};
