/**
 * What the edge-input tests share: JSON nested to a depth, the fields a 400 names, and requests sent with a
 * token or a raw JSON body. `app` reads the test file's app when a request is made.
 */
import type { TestApp } from '../support/test-app.js';

export const nest = (depth: number, leaf = '"x"') => `${'['.repeat(depth)}${leaf}${']'.repeat(depth)}`;
export const fields = (res: { body: { errors?: { field: string }[] } }) => (res.body.errors ?? []).map((e) => e.field);

export const edgeHelpers = (app: () => TestApp) => {
  const as = (token: string) => ({
    post: (url: string) => app().http().post(url).set('Authorization', `Bearer ${token}`),
    patch: (url: string) => app().http().patch(url).set('Authorization', `Bearer ${token}`),
    get: (url: string) => app().http().get(url).set('Authorization', `Bearer ${token}`),
  });
  const json = (req: ReturnType<ReturnType<typeof as>['post']>, body: string) => req.set('Content-Type', 'application/json').send(body);
  return { as, json };
};
