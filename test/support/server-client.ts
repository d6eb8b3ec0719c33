import { checkedFetch } from './contract.js';

/**
 * JSON calls to a real server process (its answers checked against the API contract), for the
 * tests that start, kill and restart servers: `base` is read at each call, so it follows the
 * server started last.
 */
export const serverClient = (base: () => string) => {
  const call = async (method: string, path: string, token?: string, body?: unknown) => {
    const res = await checkedFetch(`${base()}${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  };
  const login = async (email: string, password: string) => String((await call('POST', '/api/v1/account/login', undefined, { email, password })).body.token);
  return { call, login };
};
