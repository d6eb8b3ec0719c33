/**
 * Every route of the app with what it takes to reach its validation: who calls it, a URL
 * for its pattern, a valid body and query whose fields the hostile-input test spoils one
 * at a time. `registeredRoutes` reads the app's router, so a route added without a line
 * here fails that test.
 *
 * The table is assembled here from its areas: routes-account.ts, routes-catalog.ts,
 * routes-orders.ts, routes-admin.ts (a route case's shape and shared valid values:
 * route-case.ts); the routes outside /api/v1 are listed below. The app's own list is read
 * in registered-routes.ts, a body's fields in body-fields.ts.
 */

import type { RouteCase } from './route-case.js';
import { ACCOUNT_ROUTES } from './routes-account.js';
import { ADMIN_ROUTES } from './routes-admin.js';
import { CATALOG_ROUTES } from './routes-catalog.js';
import { ORDER_ROUTES } from './routes-orders.js';

export type { Caller, Ids, RouteCase } from './route-case.js';
export { fieldPaths, withField } from './body-fields.js';
export { registeredRoutes } from './registered-routes.js';

/** The routes outside /api/v1: probes and the API's documentation. */
const OUTSIDE_API: RouteCase[] = [
  { route: 'GET /health', as: 'anyone', url: () => '/health', readsNoBody: true },
  { route: 'GET /ready', as: 'anyone', url: () => '/ready', readsNoBody: true },
  { route: 'GET /metrics', as: 'anyone', url: () => '/metrics', readsNoBody: true },
  { route: 'GET /openapi.json', as: 'anyone', url: () => '/openapi.json', readsNoBody: true },
  // Two operations of one route: the redirect (/docs) and the page (/docs/).
  { route: 'GET /docs', as: 'anyone', url: () => '/docs', readsNoBody: true },
  { route: 'GET /docs', as: 'anyone', url: () => '/docs/', readsNoBody: true },
  { route: 'GET /docs/:asset', as: 'anyone', url: () => '/docs/swagger-ui.css', readsNoBody: true },
];

export const ROUTES: RouteCase[] = [...OUTSIDE_API, ...ACCOUNT_ROUTES, ...CATALOG_ROUTES, ...ORDER_ROUTES, ...ADMIN_ROUTES];
