import { isIP } from 'node:net';
import { CurrencyCodes } from 'validator/lib/isISO4217.js';
import { JOB_LANES, type JobLane } from './processes/job-lanes.js';

/**
 * How each setting is read from the environment (config.ts reads them all): a value that is not
 * what its setting must be stops the start with a ConfigError naming it, never a default.
 */

export class ConfigError extends Error {}

/**
 * Which proxies in front are believed about the client's address (X-Forwarded-For): false,
 * none; a number, that many hops (the client is the entry the last of them added); a list,
 * the proxies at those addresses or subnets (express's `trust proxy`).
 */
export type TrustProxy = false | number | string[];

/** The token signing key (HMAC-SHA256): at least as long as the 256 bits it keys, as text. */
export const JWT_SECRET_MIN_LENGTH = 32;
/** The carrier's webhook secret: what carriers are commonly given. */
export const CARRIER_SECRET_MIN_LENGTH = 16;

/** A signing secret: unset, or long enough that guessing it is out of the question. */
export const secret = (env: NodeJS.ProcessEnv, name: string, minLength: number): string | undefined => {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  if (raw.length < minLength) throw new ConfigError(`${name} must be at least ${minLength} characters long (a signing secret), got ${raw.length}`);
  // White space is no secret, however long.
  if (raw.trim().length < minLength) throw new ConfigError(`${name} must hold at least ${minLength} characters besides white space (a random secret, such as \`openssl rand -hex 32\`)`);
  return raw;
};

/** pino's levels, and `silent`. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** One of a few words, as written; unset or blank: the default. */
export const oneOf = <T extends string>(env: NodeJS.ProcessEnv, name: string, fallback: T, values: readonly T[]): T => {
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
export const host = (raw: string | undefined): string => {
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
export const serverUrl = (env: NodeJS.ProcessEnv, name: string, schemes: readonly string[], example: string): string | undefined => {
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
export const smtpUrl = (raw: string | undefined): string | undefined => {
  if (raw === undefined || raw === '') return undefined;
  const url = URL.parse(raw);
  if (!url || !['smtp:', 'smtps:'].includes(url.protocol) || url.hostname === '') {
    throw new ConfigError('SMTP_URL must be an smtp:// or smtps:// URL, such as smtp://user:pass@mail.example.com:587');
  }
  return raw;
};

/**
 * PUBLIC_URL: where customers reach the storefront (the links in its emails open its pages there): an
 * http(s) URL with no query or fragment. Unset: http://localhost:PORT, right for a shop tried on one machine.
 */
export const publicUrl = (raw: string | undefined, port: number): string => {
  if (raw === undefined || raw === '') return `http://localhost:${port}`;
  const url = URL.parse(raw);
  if (!url || !['http:', 'https:'].includes(url.protocol) || url.hostname === '' || url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') {
    throw new ConfigError('PUBLIC_URL must be an http:// or https:// URL without a query, such as https://shop.example.com');
  }
  return url.href.replace(/\/+$/, '');
};

/** An email address as a mail header carries it: printable ASCII, one @, a dotted domain or a host name. */
const ADDRESS = /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*$/;

/** MAIL_FROM: `address` or `Name <address>` (a name without <, >, quotes or control characters). */
export const mailFrom = (raw: string | undefined): string => {
  if (raw === undefined || raw === '') return 'Shop <no-reply@shop.local>';
  const [, address = raw] = /^[^<>"\x00-\x1f\x7f]*[^<>"\s\x00-\x1f\x7f]\s*<([^<>]*)>$/.exec(raw) ?? [];
  if (!ADDRESS.test(address)) throw new ConfigError(`MAIL_FROM must be an email address or Name <address>, such as Shop <no-reply@shop.example>; got "${raw}"`);
  return raw;
};

/**
 * CURRENCY: an ISO 4217 code as prices carry it (upper case); unset: USD. Both Node's list and the
 * one the API checks a price's currency by (validator's) must know it, or no price could be set.
 */
export const currency = (raw: string | undefined): string => {
  if (raw === undefined || raw === '') return 'USD';
  if (!/^[A-Z]{3}$/.test(raw) || !(CurrencyCodes as ReadonlySet<string>).has(raw) || !Intl.supportedValuesOf('currency').includes(raw)) {
    throw new ConfigError(`CURRENCY must be an ISO 4217 currency code in upper case, such as USD or EUR; got "${raw}"`);
  }
  return raw;
};

/**
 * `CORS_ORIGINS=https://shop.example.com,https://admin.example.com` (scheme, host and port; no path), or `*`.
 * Each is kept as a browser sends its `Origin` (host in lower case, no default port), which is
 * compared with them as it is: `https://Shop.Example.com:443` would otherwise match no page.
 */
export const origins = (raw: string | undefined): string[] => {
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
export const trustProxy = (raw: string | undefined): TrustProxy => {
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
export const jobSlots = (raw: string | undefined): Partial<Record<JobLane, number>> => {
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

export const integer = (env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number => {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  // Decimal digits only: Number() would read a blank value as 0, and hex, binary or an exponent as numbers nobody meant.
  const value = /^-?\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
  }
  return value;
};
