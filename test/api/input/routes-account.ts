import { address, page, PAGING, type RouteCase } from './route-case.js';

/** The route table's account routes: registering, signing in, the customer's own account, addresses, passwords, saved payment methods, export and notifications. */
export const ACCOUNT_ROUTES: RouteCase[] = [
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
];
