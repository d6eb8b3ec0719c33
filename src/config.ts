import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { CurrencyCodes } from 'validator/lib/isISO4217.js';
import { JOB_LANES, type JobLane } from './processes/job-lanes.js';

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
  loginMaxFailures: number;
  loginLockoutSeconds: number;
  /** log2 of scrypt's cost parameter N. */
  passwordHashCost: number;
  /** How long a read waits for the read models to include the reader's own writes. */
  readWaitMs: number;
  seedDemo: boolean;
  currency: string;
  /**
   * Which proxies in front are believed about the client's address (X-Forwarded-For): false,
   * none; a number, that many hops (the client is the entry the last of them added); a list,
   * the proxies at those addresses or subnets (express's `trust proxy`).
   */
  trustProxy: false | number | string[];
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

export class ConfigError extends Error {}

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
  loginMaxFailures: integer(env, 'LOGIN_MAX_FAILURES', 5, 1, 1000),
  loginLockoutSeconds: integer(env, 'LOGIN_LOCKOUT_SECONDS', 900, 1, 7 * 24 * 3600),
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

/** The token signing key (HMAC-SHA256): at least as long as the 256 bits it keys, as text. */
export const JWT_SECRET_MIN_LENGTH = 32;
/** The carrier's webhook secret: what carriers are commonly given. */
export const CARRIER_SECRET_MIN_LENGTH = 16;

/** A signing secret: unset, or long enough that guessing it is out of the question. */
const secret = (env: NodeJS.ProcessEnv, name: string, minLength: number): string | undefined => {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  if (raw.length < minLength) throw new ConfigError(`${name} must be at least ${minLength} characters long (a signing secret), got ${raw.length}`);
  return raw;
};

/** pino's levels, and `silent`. */
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** One of a few words, as written; unset or blank: the default. */
const oneOf = <T extends string>(env: NodeJS.ProcessEnv, name: string, fallback: T, values: readonly T[]): T => {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = values.find((known) => known === raw);
  if (value === undefined) throw new ConfigError(`${name} must be one of ${values.join(', ')}, got "${raw}"`);
  return value;
};

/**
 * HOST: an IP address (`0.0.0.0`, `::`, `127.0.0.1`) or a host name (`localhost`), as the
 * server binds it; a name that does not resolve is refused before anything is opened (start.ts).
 */
const host = (raw: string | undefined): string => {
  if (raw === undefined || raw === '') return '0.0.0.0';
  if (isIP(raw) !== 0) return raw;
  const label = /^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$/;
  const labels = raw.split('.');
  // All-numeric labels are an IPv4 address, and this one is not (999.1.1.1).
  const name = raw.length <= 253 && labels.every((part) => label.test(part)) && !labels.every((part) => /^\d+$/.test(part));
  if (!name) throw new ConfigError(`HOST must be an IP address or a host name to listen on (such as 0.0.0.0, :: or localhost), got "${raw}"`);
  return raw;
};

/**
 * EVENTSTORE_URL and MONGODB_URL: a connection string of their client, checked in form only (no
 * connection is made here): the scheme, then one host or a comma-separated list of them.
 */
const serverUrl = (env: NodeJS.ProcessEnv, name: string, schemes: readonly string[], example: string): string | undefined => {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  const [, scheme = '', hosts = ''] = /^([a-z+]+):\/\/(?:[^@/?#\s]*@)?([^@/?#\s]+)(?:\/[^?#\s]*)?(?:\?[^#\s]*)?$/.exec(raw) ?? [];
  const hostPort = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+)(?::\d{1,5})?$/;
  if (!schemes.includes(scheme) || !hosts.split(',').every((part) => hostPort.test(part))) {
    throw new ConfigError(`${name} must be a connection string (${schemes.map((known) => `${known}://`).join(' or ')}), such as ${example}`);
  }
  return raw;
};

/** SMTP_URL: smtp:// or smtps://, with a host (the transport's own query options may follow). */
const smtpUrl = (raw: string | undefined): string | undefined => {
  if (raw === undefined || raw === '') return undefined;
  const url = URL.parse(raw);
  if (!url || !['smtp:', 'smtps:'].includes(url.protocol) || url.hostname === '') {
    throw new ConfigError('SMTP_URL must be an smtp:// or smtps:// URL, such as smtp://user:pass@mail.example.com:587');
  }
  return raw;
};

/** An email address as a mail header carries it: printable ASCII, one @, a dotted domain or a host name. */
const ADDRESS = /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*$/;

/** MAIL_FROM: `address` or `Name <address>` (a name without <, >, quotes or control characters). */
const mailFrom = (raw: string | undefined): string => {
  if (raw === undefined || raw === '') return 'Shop <no-reply@shop.local>';
  const [, address = raw] = /^[^<>"\x00-\x1f\x7f]*[^<>"\s\x00-\x1f\x7f]\s*<([^<>]*)>$/.exec(raw) ?? [];
  if (!ADDRESS.test(address)) throw new ConfigError(`MAIL_FROM must be an email address or Name <address>, such as Shop <no-reply@shop.example>; got "${raw}"`);
  return raw;
};

/**
 * CURRENCY: an ISO 4217 code as prices carry it (upper case); unset: USD. Both Node's list and the
 * one the API checks a price's currency by (validator's) must know it, or no price could be set.
 */
const currency = (raw: string | undefined): string => {
  if (raw === undefined || raw === '') return 'USD';
  if (!/^[A-Z]{3}$/.test(raw) || !(CurrencyCodes as ReadonlySet<string>).has(raw) || !Intl.supportedValuesOf('currency').includes(raw)) {
    throw new ConfigError(`CURRENCY must be an ISO 4217 currency code in upper case, such as USD or EUR; got "${raw}"`);
  }
  return raw;
};

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

/**
 * `CORS_ORIGINS=https://shop.example.com,https://admin.example.com` (scheme, host and port; no path), or `*`.
 * Each is kept as a browser sends its `Origin` (host in lower case, no default port), which is
 * compared with them as it is: `https://Shop.Example.com:443` would otherwise match no page.
 */
const origins = (raw: string | undefined): string[] => {
  const list = (raw ?? '').split(',').map((origin) => origin.trim()).filter((origin) => origin !== '');
  return list.map((origin) => {
    if (origin === '*') return origin;
    const parsed = /^https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?$/.test(origin) ? URL.parse(origin) : null;
    if (!parsed) throw new ConfigError(`CORS_ORIGINS must list origins such as https://shop.example.com, got "${origin}"`);
    return parsed.origin;
  });
};

/**
 * TRUST_PROXY: `true` is the one proxy in front (the gateway), never every hop: a client writes
 * what it likes at the start of X-Forwarded-For, and only the entry the gateway appended is the
 * address it saw. `n`: n proxies in a row; else the proxies' addresses or subnets, comma-separated
 * (`loopback`, `linklocal`, `uniquelocal` too). Unset, blank, `false` or `0`: none.
 */
const trustProxy = (raw: string | undefined): Config['trustProxy'] => {
  const value = raw?.trim() ?? '';
  if (value === '' || value === 'false' || value === '0') return false;
  if (value === 'true') return 1;
  if (/^\d{1,2}$/.test(value)) return Number(value);
  const list = value.split(',').map((part) => part.trim());
  const known = (part: string) => {
    if (['loopback', 'linklocal', 'uniquelocal'].includes(part)) return true;
    const [address = '', prefix, ...rest] = part.split('/');
    const family = isIP(address);
    if (family === 0 || rest.length > 0) return false;
    return prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128));
  };
  if (!list.every(known)) {
    throw new ConfigError(`TRUST_PROXY must be true, false, a number of proxies (1 to 99) or their addresses or subnets, comma-separated (such as "10.0.0.0/8,loopback"); got "${raw}"`);
  }
  return list;
};

/** JOB_SLOTS: `lane=slots` pairs, comma-separated, each lane once, 1 to 1024 slots; unset or blank: every lane keeps its own. */
const jobSlots = (raw: string | undefined): Partial<Record<JobLane, number>> => {
  const slots: Partial<Record<JobLane, number>> = {};
  if (raw === undefined || raw.trim() === '') return slots;
  for (const part of raw.split(',')) {
    const [, lane, count] = /^\s*([a-z]+)\s*=\s*(\d{1,4})\s*$/.exec(part) ?? [];
    const known = JOB_LANES.find((name) => name === lane);
    const value = Number(count);
    if (!known || known in slots || !(value >= 1 && value <= 1024)) {
      throw new ConfigError(`JOB_SLOTS must list lanes (${JOB_LANES.join(', ')}) with their slots, each lane once and from 1 to 1024, such as "payments=32,mail=8"; got "${raw}"`);
    }
    slots[known] = value;
  }
  return slots;
};

const integer = (env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number => {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  // Decimal digits only: Number() would read a blank value as 0, and hex, binary or an exponent as numbers nobody meant.
  const value = /^-?\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
  }
  return value;
};
