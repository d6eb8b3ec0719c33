import { pino, type LoggerOptions } from 'pino';

/**
 * The logs never print personal data (issue 17: an erased customer must leave no byte
 * behind, and logs are shipped and kept where no erasure reaches). No log call of the shop
 * passes a customer's email, name, address, notification or event data; this is the net
 * under them, for what they pass without knowing:
 * - `redact`: fields that hold personal data wherever a log line could carry them (a request
 *   body, a job's payload, event data, the recipients a mail server names in its errors, the
 *   key of a unique-index clash), censored to '[redacted]';
 * - errors (`err`) are serialized as pino does, then every email address in their text (message,
 *   stack, stream name) becomes '[email]': a mail server's "recipient rejected <x@y>", an email
 *   claim's stream name in a concurrency error;
 * - request URLs are logged with their email addresses scrubbed the same way (an audit of a stream
 *   named after one) and without the values of their query strings: see `loggedUrl`.
 * Names and addresses have no shape a pattern could find: they are kept out of log calls
 * (and out of error messages) instead, which the log-privacy test checks end to end.
 */

export const CENSOR = '[redacted]';
export const EMAIL_PLACEHOLDER = '[email]';

/** Paths pino censors in every log line (fast-redact syntax: `*` is one level of any key). */
export const REDACTED_PATHS: readonly string[] = [
  'email', 'password', 'body', 'payload', 'data', 'shippingAddress', 'address', 'addresses', 'to', 'text',
  'req.body', 'req.headers.authorization', 'req.headers.cookie',
  '*.email', '*.password', '*.passwordHash', '*.currentPassword', '*.newPassword', '*.payload', '*.shippingAddress', '*.addresses', '*.authorName',
  'event.data', 'job.payload',
  // nodemailer's errors name the envelope, the recipients and the server's answer (which quotes them).
  'err.envelope', 'err.rejected', 'err.accepted', 'err.rejectedErrors', 'err.response', 'err.command',
  // DuplicateKeyError: the clashing key (an email, if ever a unique index holds one).
  'err.key',
];

/** An email address, plain or percent-encoded (`zoe%40example.com` in a URL). */
const EMAIL = /[A-Za-z0-9._%+-]+(?:@|%40)[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/gi;

/** The text with every email address in it replaced by '[email]'. */
export const scrubEmails = (text: string): string => (text.includes('@') || text.includes('%40') ? text.replace(EMAIL, EMAIL_PLACEHOLDER) : text);

/**
 * A request's URL as logged: its path with email addresses scrubbed, and of its query string
 * only the parameters' names (`/api/v1/search?q&page`): a search for a name, or any value a
 * client puts there, is not the log's to keep.
 */
export const loggedUrl = (url: string): string => {
  const at = url.indexOf('?');
  if (at < 0) return scrubEmails(url);
  const names = url.slice(at + 1).split('&').filter(Boolean).map((pair) => scrubEmails(pair.split('=')[0]!));
  return `${scrubEmails(url.slice(0, at))}${names.length > 0 ? `?${names.join('&')}` : ''}`;
};

/** pino's error serializer, then every string it made (nested causes included) scrubbed of email addresses. */
const serializeError = (error: unknown): unknown => scrubStrings(pino.stdSerializers.err(error as Error), 0);

const scrubStrings = (value: unknown, depth: number): unknown => {
  if (typeof value === 'string') return scrubEmails(value);
  if (value === null || typeof value !== 'object' || depth > 8) return value;
  if (Array.isArray(value)) return value.map((item) => scrubStrings(item, depth + 1));
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, scrubStrings(item, depth + 1)]));
};

/** The options every logger of the shop is made with. */
export const loggerOptions = (level: string): LoggerOptions => ({
  level,
  redact: { paths: [...REDACTED_PATHS], censor: CENSOR },
  serializers: { err: serializeError },
});
