import { page, PAGING, type RouteCase } from './route-case.js';

/** The route table's admin routes: parked and discarded events and jobs, projections, the cluster, customers' erasure and roles, and the audit. */
export const ADMIN_ROUTES: RouteCase[] = [
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
