import { useEffect, useState } from 'preact/hooks';
import { Api, type Session } from '../shared/api.js';

/** The operator console's connection to the API: its own sign-in, kept apart from the storefront's. */
export const api = new Api('shop.console.session');

/** The signed-in operator (or null), redrawn on sign-in and sign-out. */
export const useSession = (): Session | null => {
  const [session, setSession] = useState(api.session);
  useEffect(() => api.onSession(setSession), []);
  return session;
};

/** Every console path lives under /console. */
export const path = (rest = ''): string => `/console${rest}`;
