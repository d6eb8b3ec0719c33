import { resolve } from 'node:path';
import {
  ConfigError,
  currency,
  host,
  integer,
  jobSlots,
  LOG_LEVELS,
  mailFrom,
  oneOf,
  origins,
  secret,
  serverUrl,
  publicUrl,
  smtpUrl,
  trustProxy,
  type TrustProxy,
  CARRIER_SECRET_MIN_LENGTH,
  JWT_SECRET_MIN_LENGTH,
} from './config-rules.js';
import type { JobLane } from './processes/job-lanes.js';

export { CARRIER_SECRET_MIN_LENGTH, ConfigError, JWT_SECRET_MIN_LENGTH } from './config-rules.js';

/** Every setting comes from the environment (the README has the table); nothing else is read. */
export type Config = {
  port: number;
  host: string;
  dataDir: string;
  eventStoreUrl: string | undefined;
  mongodbUrl: string | undefined;
  adminEmail: string | undefined;
  adminPassword: string | undefined;
  jwtSecret: string | undefined;
  tokenTtlSeconds: number;
  paymentTimeoutMs: number;
  /**
   * Checkouts are refused (503) while the order saga is further behind than this; 0 takes every
   * checkout. A third of PAYMENT_TIMEOUT_MS, at most 10 s, unless set.
   */
  orderBacklogLimitMs: number;
  /**
   * Job slots a process gives each lane it names (JOB_SLOTS="payments=64,mail=16"); the lanes not
   * named keep theirs (src/processes/job-lanes.ts: payments 16, carrier 8, mail 8, shop 4).
   */
  jobSlots: Partial<Record<JobLane, number>>;
  /**
   * How long a clean stop (SIGTERM, SIGINT) waits for the jobs it is running before it leaves the
   * shop's live processes anyway: the others then take those jobs over, as after a crash.
   */
  jobStopGraceMs: number;
  smtpUrl: string | undefined;
  /** The sender of notification emails. */
  mailFrom: string;
  logLevel: string;
  /** Requests per minute per client (token subject, else address); 0 turns the limit off. */
  rateLimitPerMinute: number;
  /** Sign-ins and registrations (each a password hash) per client address per minute; 0: no limit. */
  credentialAttemptsPerMinute: number;
  /** Requests hashing a password that one client address may have under way at once on a process (HashesInFlight); 0: no limit. */
  passwordHashesInFlight: number;
  /** Failed password checks of one account from one client address within LOGIN_LOCKOUT_SECONDS (LoginThrottle). */
  loginMaxFailures: number;
  /** Failed password checks of one account from every address together within LOGIN_LOCKOUT_SECONDS. */
  loginAccountMaxFailures: number;
  loginLockoutSeconds: number;
  /** Where customers reach the storefront: the links in emails (a password reset's) open its pages there. */
  publicUrl: string;
  /** log2 of scrypt's cost parameter N. */
  passwordHashCost: number;
  /** How long a read waits for the read models to include the reader's own writes. */
  readWaitMs: number;
  seedDemo: boolean;
  currency: string;
  /** Which proxies in front are believed about the client's address (see TrustProxy). */
  trustProxy: TrustProxy;
  /** Origins whose browser pages may call the API (CORS); `*` allows any. None by default. */
  corsOrigins: string[];
  /**
   * How long a runner's lease lasts without a renewal: a process that dies or stalls is taken
   * over this long after its last renewal. Shorter fails over sooner; longer lets a process
   * pause (GC, a busy disk) for longer without losing its runners.
   */
  leaseMs: number;
  /** How often leases are renewed and the processes balanced: a third of LEASE_MS unless set. */
  leaseHeartbeatMs: number;
  /** Available quantity below which a SKU without a threshold of its own is low on stock (its admins are emailed once per crossing). */
  lowStockThreshold: number;
  /** max-age (seconds) of the public GETs' `Cache-Control` answered to callers not signed in (catalog, search, reviews, recommendations). */
  cacheMaxAgeS: number;
  /** The secret the carrier signs its webhooks with (HMAC-SHA256); unset: generated and kept in DATA_DIR (required with EVENTSTORE_URL / MONGODB_URL). */
  carrierWebhookSecret: string | undefined;
  /** The simulated carrier reports a booked parcel in transit this long after booking it... */
  carrierTransitMs: number;
  /** ...and delivered (or its delivery failed) this long after that. */
  carrierDeliveryMs: number;
  /** How long a dispatch (and each retry of its booking job) waits for the carrier's answer. */
  carrierTimeoutMs: number;
  /** The length of a subscription "day" (ms): renewal intervals and the retries of a failed renewal count in them. */
  subscriptionDayMs: number;
  /**
   * How long after a customer's latest order their invoices (the name and address on orders and
   * shipments) stay readable once the customer is erased: then the invoice key is destroyed.
   * Tax law keeps invoices 8 to 10 years; 0 destroys it as soon as the erasure is done.
   */
  invoiceRetentionDays: number;
  /** Server processes started by `npm start` on this host, sharing PORT (node:cluster). 1 runs the shop in the started process itself. */
  workers: number;
};

export const loadConfig = (env: NodeJS.ProcessEnv = process.env): Config => ({
  port: integer(env, 'PORT', 3000, 0, 65535),
  host: host(env.HOST),
  dataDir: resolve(env.DATA_DIR ?? './data'),
  eventStoreUrl: serverUrl(env, 'EVENTSTORE_URL', ['esdb', 'esdb+discover'], 'esdb://localhost:2113?tls=false'),
  mongodbUrl: serverUrl(env, 'MONGODB_URL', ['mongodb', 'mongodb+srv'], 'mongodb://localhost:27017/shop?replicaSet=rs0'),
  // Checked as registration checks its fields where the shop is composed (src/api/admin-account.ts).
  adminEmail: env.ADMIN_EMAIL || undefined,
  adminPassword: env.ADMIN_PASSWORD || undefined,
  jwtSecret: secret(env, 'JWT_SECRET', JWT_SECRET_MIN_LENGTH),
  tokenTtlSeconds: integer(env, 'TOKEN_TTL_SECONDS', 12 * 3600, 60, 30 * 24 * 3600),
  ...payments(env),
  smtpUrl: smtpUrl(env.SMTP_URL),
  mailFrom: mailFrom(env.MAIL_FROM),
  logLevel: oneOf(env, 'LOG_LEVEL', 'info', LOG_LEVELS),
  rateLimitPerMinute: integer(env, 'RATE_LIMIT_PER_MINUTE', 3000, 0, 10_000_000),
  credentialAttemptsPerMinute: integer(env, 'CREDENTIAL_ATTEMPTS_PER_MINUTE', 30, 0, 1_000_000),
  passwordHashesInFlight: integer(env, 'PASSWORD_HASHES_IN_FLIGHT', 2, 0, 1024),
  loginMaxFailures: integer(env, 'LOGIN_MAX_FAILURES', 5, 1, 1000),
  loginAccountMaxFailures: integer(env, 'LOGIN_ACCOUNT_MAX_FAILURES', 100, 1, 1_000_000),
  loginLockoutSeconds: integer(env, 'LOGIN_LOCKOUT_SECONDS', 900, 1, 7 * 24 * 3600),
  publicUrl: publicUrl(env.PUBLIC_URL, integer(env, 'PORT', 3000, 0, 65535)),
  passwordHashCost: integer(env, 'PASSWORD_HASH_COST', 15, 10, 20),
  readWaitMs: integer(env, 'READ_WAIT_MS', 2000, 0, 60_000),
  seedDemo: oneOf(env, 'SEED_DEMO', 'true', ['true', 'false']) === 'true',
  currency: currency(env.CURRENCY),
  trustProxy: trustProxy(env.TRUST_PROXY),
  corsOrigins: origins(env.CORS_ORIGINS),
  ...leases(env),
  workers: integer(env, 'WORKERS', 1, 1, 256),
  jobSlots: jobSlots(env.JOB_SLOTS),
  lowStockThreshold: integer(env, 'LOW_STOCK_THRESHOLD', 5, 0, 1_000_000),
  cacheMaxAgeS: integer(env, 'CACHE_MAX_AGE_S', 5, 0, 31_536_000),
  carrierWebhookSecret: secret(env, 'CARRIER_WEBHOOK_SECRET', CARRIER_SECRET_MIN_LENGTH),
  carrierTransitMs: integer(env, 'CARRIER_TRANSIT_MS', 3000, 0, 30 * 24 * 3600 * 1000),
  carrierDeliveryMs: integer(env, 'CARRIER_DELIVERY_MS', 5000, 0, 30 * 24 * 3600 * 1000),
  carrierTimeoutMs: integer(env, 'CARRIER_TIMEOUT_MS', 5000, 10, 60_000),
  subscriptionDayMs: integer(env, 'SUBSCRIPTION_DAY_MS', 86_400_000, 100, 86_400_000 * 7),
  invoiceRetentionDays: integer(env, 'INVOICE_RETENTION_DAYS', 3650, 0, 36_500),
});

const payments = (env: NodeJS.ProcessEnv) => {
  const paymentTimeoutMs = integer(env, 'PAYMENT_TIMEOUT_MS', 30_000, 1, 24 * 3600 * 1000);
  // An order the saga reaches this far behind still has two thirds of its payment's time left.
  // At least 1 ms, where the payment's time leaves room for one (a millisecond's payment time leaves none: the gate is off).
  const fallback = paymentTimeoutMs > 1 ? Math.max(1, Math.min(10_000, Math.floor(paymentTimeoutMs / 3))) : 0;
  const orderBacklogLimitMs = integer(env, 'ORDER_BACKLOG_LIMIT_MS', fallback, 0, 24 * 3600 * 1000);
  // A limit as long as the payment's time protects no order: the saga would take them only to see them fail.
  if (orderBacklogLimitMs >= paymentTimeoutMs && orderBacklogLimitMs > 0) throw new ConfigError(`ORDER_BACKLOG_LIMIT_MS must be under PAYMENT_TIMEOUT_MS (${paymentTimeoutMs}), or 0 to take every checkout; got ${orderBacklogLimitMs}`);
  // A stop that waited past a running job's claim would let another process take the job over while it runs.
  const claimMs = jobClaimMs(paymentTimeoutMs);
  const jobStopGraceMs = integer(env, 'JOB_STOP_GRACE_MS', 15_000, 0, 600_000);
  if (jobStopGraceMs >= claimMs) throw new ConfigError(`JOB_STOP_GRACE_MS must be under a job's claim (${claimMs} ms: 120000, or twice PAYMENT_TIMEOUT_MS when that is longer); got ${jobStopGraceMs}`);
  return { paymentTimeoutMs, orderBacklogLimitMs, jobStopGraceMs };
};

/** How long a job runner's claim on a job lasts: longer than a handler runs (the provider's calls wait up to the payment's time). */
export const jobClaimMs = (paymentTimeoutMs: number): number => Math.max(120_000, paymentTimeoutMs * 2);

const leases = (env: NodeJS.ProcessEnv) => {
  const leaseMs = integer(env, 'LEASE_MS', 5000, 300, 600_000);
  // At least two renewals within a lease: one lost to a slow turn must not lose the lease.
  const leaseHeartbeatMs = integer(env, 'LEASE_HEARTBEAT_MS', Math.floor(leaseMs / 3), 50, Math.floor(leaseMs / 2));
  return { leaseMs, leaseHeartbeatMs };
};
