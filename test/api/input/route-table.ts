import type { ChainedApp } from '../../../src/api/request-chain.js';

/**
 * Every route of the app with what it takes to reach its validation: who calls it, a URL
 * for its pattern, a valid body and query whose fields the hostile-input test spoils one
 * at a time. `registeredRoutes` reads the app's router, so a route added without a line
 * here fails that test.
 */

export type Caller = 'anyone' | 'customer' | 'admin';
export type Ids = { productId: string; sku: string; unknownId: string };

export type RouteCase = {
  route: string;
  as: Caller;
  url: (ids: Ids) => string;
  /** A valid body (ids filled in): each field, nested ones too, is spoiled in turn. */
  body?: (ids: Ids) => Record<string, unknown>;
  /** Body fields where blank is a legitimate value (an empty review text or description). */
  blankAllowed?: string[];
  /** Passwords: opaque, so a bidirectional mark is theirs to hold (a right-to-left keyboard may type one). */
  opaque?: string[];
  /** A valid query: each field is spoiled in turn. */
  query?: (ids: Ids) => Record<string, string>;
  /** Query fields given as numbers (blank is refused); the other, optional texts, take blank as left out. */
  numbers?: string[];
  /** Query fields that are required texts (blank is refused). */
  required?: string[];
  /** Signed as the carrier signs its webhooks (X-Carrier-Timestamp, X-Carrier-Signature over the body sent). */
  signed?: boolean;
  /** Outside /api/v1: no body is read there at all. */
  readsNoBody?: boolean;
};

const address = { line1: '1 Main St', city: 'Springfield', postalCode: '12345', country: 'US' };
const page = { page: '1', pageSize: '10' };
const catalogFilters = { ...page, category: 'Tools', brand: 'Acme', minPrice: '0', maxPrice: '5000' };
const PAGING = ['page', 'pageSize'];

export const ROUTES: RouteCase[] = [
  { route: 'GET /health', as: 'anyone', url: () => '/health', readsNoBody: true },
  { route: 'GET /ready', as: 'anyone', url: () => '/ready', readsNoBody: true },
  { route: 'GET /metrics', as: 'anyone', url: () => '/metrics', readsNoBody: true },
  { route: 'GET /openapi.json', as: 'anyone', url: () => '/openapi.json', readsNoBody: true },
  // Two operations of one route: the redirect (/docs) and the page (/docs/).
  { route: 'GET /docs', as: 'anyone', url: () => '/docs', readsNoBody: true },
  { route: 'GET /docs', as: 'anyone', url: () => '/docs/', readsNoBody: true },
  { route: 'GET /docs/:asset', as: 'anyone', url: () => '/docs/swagger-ui.css', readsNoBody: true },

  {
    route: 'POST /api/v1/account/register',
    as: 'anyone',
    url: () => '/api/v1/account/register',
    body: () => ({ email: 'new-shopper@test.local', password: 'correct-horse', name: 'Zoe' }),
    opaque: ['password'],
  },
  {
    route: 'POST /api/v1/account/login',
    as: 'anyone',
    url: () => '/api/v1/account/login',
    body: () => ({ email: 'someone@test.local', password: 'correct-horse' }),
    opaque: ['password'],
  },
  { route: 'GET /api/v1/account/me', as: 'customer', url: () => '/api/v1/account/me' },
  { route: 'DELETE /api/v1/account/me', as: 'customer', url: () => '/api/v1/account/me', body: () => ({ password: 'correct-horse' }), opaque: ['password'] },
  { route: 'POST /api/v1/account/me/addresses', as: 'customer', url: () => '/api/v1/account/me/addresses', body: () => ({ ...address }) },
  { route: 'DELETE /api/v1/account/me/addresses/:addressId', as: 'customer', url: (ids) => `/api/v1/account/me/addresses/${ids.unknownId}` },
  // Sent only with hostile input here, refused before it signs anyone out: the customer's token stays good.
  { route: 'POST /api/v1/account/me/sign-out', as: 'customer', url: () => '/api/v1/account/me/sign-out' },
  {
    route: 'POST /api/v1/account/me/password',
    as: 'customer',
    url: () => '/api/v1/account/me/password',
    body: () => ({ currentPassword: 'not-the-password', newPassword: 'battery-staple-9' }),
    opaque: ['currentPassword', 'newPassword'],
  },
  { route: 'POST /api/v1/account/password-reset', as: 'anyone', url: () => '/api/v1/account/password-reset', body: () => ({ email: 'someone@test.local' }) },
  {
    route: 'POST /api/v1/account/password-reset/confirm',
    as: 'anyone',
    url: () => '/api/v1/account/password-reset/confirm',
    body: () => ({ token: 'not-a-token', newPassword: 'battery-staple-9' }),
    opaque: ['newPassword'],
  },
  { route: 'POST /api/v1/account/me/payment-methods', as: 'customer', url: () => '/api/v1/account/me/payment-methods', body: () => ({ token: 'tok_visa', label: 'Work card' }) },
  { route: 'GET /api/v1/account/me/payment-methods', as: 'customer', url: () => '/api/v1/account/me/payment-methods' },
  { route: 'DELETE /api/v1/account/me/payment-methods/:id', as: 'customer', url: (ids) => `/api/v1/account/me/payment-methods/${ids.unknownId}` },
  { route: 'POST /api/v1/account/me/payment-methods/:id/default', as: 'customer', url: (ids) => `/api/v1/account/me/payment-methods/${ids.unknownId}/default` },
  { route: 'GET /api/v1/account/me/export', as: 'customer', url: () => '/api/v1/account/me/export' },
  { route: 'GET /api/v1/account/me/notifications', as: 'customer', url: () => '/api/v1/account/me/notifications', query: () => page, numbers: PAGING },

  {
    route: 'POST /api/v1/products',
    as: 'admin',
    url: () => '/api/v1/products',
    body: () => ({ sku: 'NEW-1', name: 'Widget', description: 'A widget', brand: 'Acme', category: 'Tools', price: { amount: 100, currency: 'USD' } }),
    blankAllowed: ['description'],
  },
  {
    route: 'PATCH /api/v1/products/:id',
    as: 'admin',
    url: (ids) => `/api/v1/products/${ids.productId}`,
    body: () => ({ name: 'Widget 2', description: 'Better', brand: 'Acme', category: 'Tools', price: { amount: 200, currency: 'USD' } }),
    blankAllowed: ['description'],
  },
  {
    route: 'GET /api/v1/products',
    as: 'anyone',
    url: () => '/api/v1/products',
    query: () => ({ ...catalogFilters, sort: 'price' }),
    numbers: [...PAGING, 'minPrice', 'maxPrice'],
  },
  { route: 'GET /api/v1/products/:id', as: 'anyone', url: (ids) => `/api/v1/products/${ids.productId}` },
  { route: 'POST /api/v1/products/:id/notify-me', as: 'customer', url: (ids) => `/api/v1/products/${ids.productId}/notify-me` },
  { route: 'DELETE /api/v1/products/:id/notify-me', as: 'customer', url: (ids) => `/api/v1/products/${ids.productId}/notify-me` },

  {
    route: 'GET /api/v1/search',
    as: 'anyone',
    url: () => '/api/v1/search',
    query: () => ({ ...catalogFilters, q: 'widget', inStock: 'false', sort: 'relevance' }),
    numbers: [...PAGING, 'minPrice', 'maxPrice'],
  },

  {
    route: 'POST /api/v1/reviews',
    as: 'customer',
    url: () => '/api/v1/reviews',
    body: (ids) => ({ productId: ids.productId, rating: 5, text: 'Great' }),
    blankAllowed: ['text'],
  },
  {
    route: 'GET /api/v1/reviews',
    as: 'anyone',
    url: () => '/api/v1/reviews',
    query: (ids) => ({ ...page, productId: ids.productId, rating: '5', sort: 'newest' }),
    numbers: [...PAGING, 'rating'],
    required: ['productId'],
  },
  { route: 'GET /api/v1/reviews/:id', as: 'anyone', url: (ids) => `/api/v1/reviews/${ids.unknownId}` },
  {
    route: 'GET /api/v1/recommendations',
    as: 'customer',
    url: () => '/api/v1/recommendations',
    query: (ids) => ({ productId: ids.productId, limit: '5' }),
    // Signed in, a blank productId means "for me": the route answers without one.
    numbers: ['limit'],
  },

  { route: 'POST /api/v1/inventory/:sku/receipts', as: 'admin', url: (ids) => `/api/v1/inventory/${ids.sku}/receipts`, body: () => ({ quantity: 3 }) },
  {
    route: 'POST /api/v1/inventory/:sku/adjustments',
    as: 'admin',
    url: (ids) => `/api/v1/inventory/${ids.sku}/adjustments`,
    body: () => ({ delta: -1, reason: 'damaged' }),
  },
  {
    route: 'GET /api/v1/inventory',
    as: 'admin',
    url: () => '/api/v1/inventory',
    query: () => ({ ...page, lowStockBelow: '5', low: 'true' }),
    numbers: [...PAGING, 'lowStockBelow'],
  },
  { route: 'PUT /api/v1/inventory/:sku/threshold', as: 'admin', url: (ids) => `/api/v1/inventory/${ids.sku}/threshold`, body: () => ({ threshold: 3 }) },
  { route: 'GET /api/v1/inventory/:sku', as: 'admin', url: (ids) => `/api/v1/inventory/${ids.sku}` },

  { route: 'GET /api/v1/cart', as: 'customer', url: () => '/api/v1/cart' },
  { route: 'POST /api/v1/cart/items', as: 'customer', url: () => '/api/v1/cart/items', body: (ids) => ({ productId: ids.productId, quantity: 1 }) },
  { route: 'PATCH /api/v1/cart/items/:productId', as: 'customer', url: (ids) => `/api/v1/cart/items/${ids.productId}`, body: () => ({ quantity: 2 }) },
  { route: 'DELETE /api/v1/cart/items/:productId', as: 'customer', url: (ids) => `/api/v1/cart/items/${ids.productId}` },

  {
    route: 'POST /api/v1/checkout',
    as: 'customer',
    url: () => '/api/v1/checkout',
    body: () => ({ shippingAddress: { ...address }, paymentMethod: { token: 'tok_visa' } }),
  },
  {
    route: 'GET /api/v1/orders',
    as: 'admin',
    url: () => '/api/v1/orders',
    query: (ids) => ({ ...page, status: 'Pending', customerId: ids.unknownId }),
    numbers: PAGING,
  },
  { route: 'GET /api/v1/orders/:id', as: 'customer', url: (ids) => `/api/v1/orders/${ids.unknownId}` },
  { route: 'GET /api/v1/orders/:id/events', as: 'customer', url: (ids) => `/api/v1/orders/${ids.unknownId}/events` },
  { route: 'POST /api/v1/orders/:id/cancel', as: 'customer', url: (ids) => `/api/v1/orders/${ids.unknownId}/cancel` },
  { route: 'PATCH /api/v1/orders/:id', as: 'customer', url: (ids) => `/api/v1/orders/${ids.unknownId}`, body: () => ({ shippingAddress: { ...address } }) },
  { route: 'GET /api/v1/payments/:id', as: 'customer', url: (ids) => `/api/v1/payments/${ids.unknownId}` },

  {
    route: 'POST /api/v1/subscriptions',
    as: 'customer',
    url: () => '/api/v1/subscriptions',
    body: (ids) => ({ items: [{ productId: ids.productId, quantity: 1 }], intervalDays: 30, shippingAddress: { ...address }, paymentMethodId: ids.unknownId }),
  },
  {
    route: 'GET /api/v1/subscriptions',
    as: 'admin',
    url: () => '/api/v1/subscriptions',
    query: (ids) => ({ ...page, status: 'Active', customerId: ids.unknownId }),
    numbers: PAGING,
  },
  { route: 'GET /api/v1/subscriptions/:id', as: 'customer', url: (ids) => `/api/v1/subscriptions/${ids.unknownId}` },
  {
    route: 'PATCH /api/v1/subscriptions/:id',
    as: 'customer',
    url: (ids) => `/api/v1/subscriptions/${ids.unknownId}`,
    body: (ids) => ({ items: [{ productId: ids.productId, quantity: 2 }], intervalDays: 14, shippingAddress: { ...address }, paymentMethodId: ids.unknownId }),
  },
  { route: 'POST /api/v1/subscriptions/:id/pause', as: 'customer', url: (ids) => `/api/v1/subscriptions/${ids.unknownId}/pause` },
  { route: 'POST /api/v1/subscriptions/:id/resume', as: 'customer', url: (ids) => `/api/v1/subscriptions/${ids.unknownId}/resume` },
  { route: 'POST /api/v1/subscriptions/:id/skip', as: 'customer', url: (ids) => `/api/v1/subscriptions/${ids.unknownId}/skip` },
  { route: 'POST /api/v1/subscriptions/:id/cancel', as: 'customer', url: (ids) => `/api/v1/subscriptions/${ids.unknownId}/cancel` },

  { route: 'GET /api/v1/shipments', as: 'admin', url: () => '/api/v1/shipments', query: () => ({ ...page, status: 'Preparing' }), numbers: PAGING },
  { route: 'GET /api/v1/shipments/:id', as: 'admin', url: (ids) => `/api/v1/shipments/${ids.unknownId}` },
  {
    route: 'POST /api/v1/shipments/:id/dispatch',
    as: 'admin',
    url: (ids) => `/api/v1/shipments/${ids.unknownId}/dispatch`,
    body: () => ({ trackingNumber: 'TRACK-1234' }),
  },
  { route: 'POST /api/v1/shipments/:id/deliver', as: 'admin', url: (ids) => `/api/v1/shipments/${ids.unknownId}/deliver` },
  {
    route: 'POST /api/v1/carrier/events',
    as: 'anyone',
    signed: true,
    url: () => '/api/v1/carrier/events',
    body: (ids) => ({ eventId: 'evt_1', shipmentId: ids.unknownId, reference: 'SC-1', trackingNumber: 'TRK-1234', status: 'InTransit', occurredAt: '2026-01-31T12:00:00Z', reason: 'none' }),
  },

  { route: 'GET /api/v1/admin/parked-events', as: 'admin', url: () => '/api/v1/admin/parked-events', query: () => page, numbers: PAGING },
  { route: 'GET /api/v1/admin/parked-jobs', as: 'admin', url: () => '/api/v1/admin/parked-jobs', query: () => page, numbers: PAGING },
  { route: 'GET /api/v1/admin/discarded-events', as: 'admin', url: () => '/api/v1/admin/discarded-events', query: () => page, numbers: PAGING },
  { route: 'GET /api/v1/admin/discarded-jobs', as: 'admin', url: () => '/api/v1/admin/discarded-jobs', query: () => page, numbers: PAGING },
  { route: 'GET /api/v1/admin/projections', as: 'admin', url: () => '/api/v1/admin/projections' },
  { route: 'GET /api/v1/admin/cluster', as: 'admin', url: () => '/api/v1/admin/cluster' },
  { route: 'POST /api/v1/admin/projections/:name/rebuild', as: 'admin', url: () => '/api/v1/admin/projections/no-such-projection/rebuild' },
  { route: 'POST /api/v1/admin/parked-events/:id/replay', as: 'admin', url: (ids) => `/api/v1/admin/parked-events/${ids.unknownId}/replay` },
  { route: 'POST /api/v1/admin/customers/:id/erase', as: 'admin', url: (ids) => `/api/v1/admin/customers/${ids.unknownId}/erase` },
  { route: 'PUT /api/v1/admin/customers/:id/role', as: 'admin', url: (ids) => `/api/v1/admin/customers/${ids.unknownId}/role`, body: () => ({ role: 'customer' }) },
  { route: 'POST /api/v1/admin/parked-jobs/:id/replay', as: 'admin', url: (ids) => `/api/v1/admin/parked-jobs/${ids.unknownId}/replay` },
  { route: 'POST /api/v1/admin/parked-events/:id/discard', as: 'admin', url: (ids) => `/api/v1/admin/parked-events/${ids.unknownId}/discard`, body: () => ({ reason: 'resolved by hand' }) },
  { route: 'POST /api/v1/admin/parked-jobs/:id/discard', as: 'admin', url: (ids) => `/api/v1/admin/parked-jobs/${ids.unknownId}/discard`, body: () => ({ reason: 'the address no longer exists' }) },
  {
    route: 'GET /api/v1/admin/audit/streams/:stream',
    as: 'admin',
    url: (ids) => `/api/v1/admin/audit/streams/product-${ids.productId}`,
    query: () => ({ asOf: '0', fromRevision: '0', limit: '10' }),
    numbers: ['fromRevision', 'limit'],
  },
  {
    route: 'GET /api/v1/admin/audit/orders/:id',
    as: 'admin',
    url: (ids) => `/api/v1/admin/audit/orders/${ids.unknownId}`,
    query: () => ({ asOf: '2020-01-01T00:00:00Z' }),
  },
];

// ------------------------------------------------------------------ the app's own list

type Layer = {
  route?: { path: unknown; methods: Record<string, boolean> };
  /** A router's layers, or the routes a dispatch middleware serves (src/api/route-dispatch.ts). */
  handle?: { stack?: Layer[]; routes?: Array<{ method: string; path: string }>; handlers?: Array<Layer['handle']> };
  rawPath?: unknown;
};

/** "METHOD /path" of every route the app serves, read from its chain's stages (src/api/request-chain.ts), the routers and dispatch middlewares in them. */
export const registeredRoutes = (app: ChainedApp): string[] => {
  const found: string[] = [];
  const walk = (stack: Layer[], prefix: string) => {
    for (const layer of stack) {
      if (layer.route) {
        const path = `${prefix}${pathOf(layer.route.path)}`.replace(/(.)\/$/, '$1');
        for (const method of Object.keys(layer.route.methods)) found.push(`${method.toUpperCase()} ${path}`);
      } else if (layer.handle?.routes) {
        for (const route of layer.handle.routes) found.push(`${route.method} ${`${prefix}${route.path}`.replace(/(.)\/$/, '$1')}`);
      } else if (layer.handle?.handlers) {
        // A series of middlewares (src/api/middleware-series.ts) in one layer: each read as a layer at the same place.
        const mount = pathOf(layer.rawPath ?? '/');
        walk(layer.handle.handlers.map((handle) => ({ handle })), mount === '/' ? prefix : `${prefix}${mount}`);
      } else if (layer.handle?.stack) {
        const mount = pathOf(layer.rawPath);
        walk(layer.handle.stack, mount === '/' ? prefix : `${prefix}${mount}`);
      }
    }
  };
  // A stage is read as the layer app.use(prefix, handler) made of it.
  walk(
    app.chain.stages.map((stage) => ({ handle: (stage.mounted ?? stage) as Layer['handle'], rawPath: stage.prefix ?? '/' })),
    '',
  );
  return found;
};

const pathOf = (path: unknown): string => {
  if (typeof path !== 'string') throw new Error(`a route path the table cannot read: ${String(path)}`);
  return path;
};

/** The paths of a body's fields, nested objects and their fields alike: `shippingAddress`, `shippingAddress.line1`. */
export const fieldPaths = (body: Record<string, unknown>, prefix = ''): string[] =>
  Object.entries(body).flatMap(([key, value]) => {
    const path = prefix ? `${prefix}.${key}` : key;
    const nested = value !== null && typeof value === 'object' && !Array.isArray(value) ? fieldPaths(value as Record<string, unknown>, path) : [];
    return [path, ...nested];
  });

/** A copy of `body` with the field at `path` set to `value`. */
export const withField = (body: Record<string, unknown>, path: string, value: unknown): Record<string, unknown> => {
  const [head, ...rest] = path.split('.');
  const copy = { ...body };
  copy[head!] = rest.length === 0 ? value : withField(copy[head!] as Record<string, unknown>, rest.join('.'), value);
  return copy;
};
