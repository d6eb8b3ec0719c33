import { validate as isUuid } from 'uuid';

/**
 * The one form of an id the API takes: ids are UUIDs, which compare without regard to case
 * (RFC 9562 §4), and the shop stores and looks them up in lower case. Every id a request
 * carries goes through here: path parameters (uuidParam, ../http.ts) and body and query
 * fields (the Id rule, ./text-rules.ts), so an id typed in upper case names the same thing.
 * Undefined when `value` is no UUID.
 */
export const canonicalId = (value: string): string | undefined => (isUuid(value) ? value.toLowerCase() : undefined);
