/**
 * The HTTP edge's parts, loaded by the composition root only when it serves HTTP: the
 * operator tools share the composition root and need none of them (nor their libraries:
 * express, class-validator, jose, prom-client, rate-limiter-flexible), so they start faster.
 */
export { accountRoles } from './account-roles.js';
export { createApp } from './app.js';
export { serverFor } from './request-chain.js';
export { TokenIssuer } from './auth.js';
export { SessionPositions } from './consistency.js';
export { IdempotencyKeys } from './idempotency.js';
export { Metrics } from './observability.js';
export { ClientRateLimit, CredentialRateLimit, LoginThrottle } from './rate-limits.js';
