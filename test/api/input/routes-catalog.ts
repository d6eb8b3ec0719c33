import { page, PAGING, type RouteCase } from './route-case.js';

const catalogFilters = { ...page, category: 'Tools', brand: 'Acme', minPrice: '0', maxPrice: '5000' };

/** The route table's catalog routes: products, search, reviews, recommendations and inventory. */
export const CATALOG_ROUTES: RouteCase[] = [
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
];
