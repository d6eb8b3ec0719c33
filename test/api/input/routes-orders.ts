import { address, page, PAGING, type RouteCase } from './route-case.js';

/** The route table's routes of buying and fulfilment: the cart, checkout, orders, payments, subscriptions, shipments and the carrier's webhook. */
export const ORDER_ROUTES: RouteCase[] = [
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
];
