import { useEffect, useState } from 'preact/hooks';
import { Api, notAdmin, type Session } from '../shared/api.js';

const KEY = 'shop.console.session';

/**
 * The operator console's connection to the API: its own sign-in, kept apart from the
 * storefront's. The admin's token lives in sessionStorage: it ends with the tab instead of
 * staying on the machine (earlier builds kept it in localStorage: removed here). Any 403
 * signs the console out (every call it makes is an admin's).
 */
localStorage.removeItem(KEY);
export const api = new Api(KEY, { storage: sessionStorage, adminOnly: true });

/**
 * The signed-in operator (or null), redrawn on sign-in and sign-out. The role a stored session
 * claims is only the page's memory: the account's current role is asked once per token
 * (GET /account/me), and anything but admin is signed out, saying so. Pages such as the order
 * list would otherwise draw a customer's own orders as if they were the shop's.
 */
export const useSession = (): Session | null => {
  const [session, setSession] = useState(api.session);
  useEffect(() => api.onSession(setSession), []);
  const token = session?.token;
  useEffect(() => {
    if (!token) return;
    const controller = new AbortController();
    api.get<{ role?: string; email?: string }>('/account/me', undefined, controller.signal).then(
      (me) => void (me.role !== 'admin' && api.session?.token === token && api.signOutBecause(notAdmin(me.email ?? api.session.email))),
      () => undefined, // a 401 signs out by itself; an unreachable shop shows on the page's own reads
    );
    return () => controller.abort();
  }, [token]);
  return session;
};

/** Every console path lives under /console. */
export const path = (rest = ''): string => `/console${rest}`;
