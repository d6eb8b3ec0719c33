import type { RequestHandler } from 'express';
import { ValidationError, type FieldError } from '../../domain/shared/errors.js';
import { duplicateName } from './json-duplicates.js';

/**
 * The shape every parsed request value must have before anything transforms or walks it.
 * JSON.parse is iterative, but class-transformer, class-validator and JSON.stringify recurse:
 * a body nested a few thousand levels deep overflows their stack. No request of this API
 * comes near these bounds; they only stop what no client needs. A string's length is its
 * field's to judge, with that field's own limit (the Text rules, ./text-rules.ts, refuse a
 * huge one before scanning it); here the body's 1 MiB bounds it.
 */
export const MAX_JSON_DEPTH = 16;
export const MAX_JSON_ARRAY_ITEMS = 1_000;
export const MAX_JSON_KEYS = 1_000;
export const MAX_JSON_KEY_LENGTH = 100;
/**
 * Values in one body (the body, and each member or item of its objects and arrays), counted
 * over its bytes before it is parsed. Within the bounds above a 1 MiB body could still hold
 * 340,000 empty objects, which cost the event loop about a quarter of a second to parse, walk
 * and refuse (a probe: anonymous sign-in bodies, 8 a second, stalled every other request for
 * 220 ms and more); 20,000 cost about 15 ms. The largest body of this API (a subscription of
 * 50 lines) holds about 160; a body nested 10,000 deep holds 10,001, and is refused for its
 * depth, naming where.
 */
export const MAX_JSON_VALUES = 20_000;

/** Keys that name JavaScript's object machinery: never a field of ours, refused like any unknown key. */
export const RESERVED_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const OPENERS = new Set([0x7b, 0x5b]); // { [
const CLOSERS = new Set([0x7d, 0x5d]); // } ]
const WHITE_SPACE = new Set([0x20, 0x09, 0x0a, 0x0d]);

const COLON = 0x3a;

/** What a scan of a JSON text's bytes found outside its strings (see scanJson). */
export type JsonScan = { values: number; names: number };

/**
 * How many values the JSON text in `bytes` holds (the body, and each member or item of every
 * object and array in it) and how many names its objects hold, counted outside its strings, up
 * to `limit + 1` values: the scan stops once over the limit, so its cost is bounded by the
 * limit, never by the body. Bytes of UTF-8 characters beyond ASCII never equal a quote or a
 * backslash, so a byte scan finds the strings' bounds. Text that is not JSON is counted as far
 * as it goes (JSON.parse refuses it).
 */
export const scanJson = (bytes: Uint8Array, limit = MAX_JSON_VALUES): JsonScan => {
  let values = 1;
  let names = 0;
  let inString = false;
  /** An object or array was just opened: the next byte that is not white space says whether it holds a first value. */
  let opened = false;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i]!;
    if (inString) {
      if (byte === BACKSLASH) i += 1;
      else if (byte === QUOTE) inString = false;
      continue;
    }
    if (WHITE_SPACE.has(byte)) continue;
    if (opened) {
      opened = false;
      if (!CLOSERS.has(byte)) values += 1;
    }
    if (byte === QUOTE) inString = true;
    else if (OPENERS.has(byte)) opened = true;
    else if (byte === COMMA) values += 1;
    else if (byte === COLON) names += 1;
    if (values > limit) break;
  }
  return { values, names };
};

/** The values of a JSON text (see scanJson). */
export const countJsonValues = (bytes: Uint8Array, limit = MAX_JSON_VALUES): number => scanJson(bytes, limit).values;

/**
 * Throws the 400 for a body of more than MAX_JSON_VALUES values (before it is parsed: see
 * MAX_JSON_VALUES); else the names its objects hold, for the check of names given twice.
 */
export const checkJsonBytes = (bytes: Uint8Array): number => {
  const { values, names } = scanJson(bytes);
  if (values > MAX_JSON_VALUES) {
    throw new ValidationError('the body is invalid', [{ field: 'body', message: `holds more than ${MAX_JSON_VALUES.toLocaleString('en-US')} values` }]);
  }
  return names;
};

/** The names of every object in a parsed value (the body's, once its shape is checked: bounded). */
export const namesIn = (value: unknown): number => {
  let names = 0;
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const current = stack.pop();
    if (Array.isArray(current)) stack.push(...current);
    else if (current !== null && typeof current === 'object') {
      const values = Object.values(current);
      names += values.length;
      stack.push(...values);
    }
  }
  return names;
};

type Pending = { value: unknown; path: string; depth: number };

/**
 * The first place where `value` leaves the bounds, or undefined. An explicit stack, not
 * recursion: the value may be nested far deeper than the call stack allows.
 * `root` names the value itself ("body"); paths below it read `shippingAddress.line1`, `items[3]`.
 */
export const jsonShapeProblem = (value: unknown, root = 'body'): FieldError | undefined => {
  const stack: Pending[] = [{ value, path: '', depth: 0 }];
  while (stack.length > 0) {
    const { value: current, path, depth } = stack.pop()!;
    const problem = ownProblem(current, depth);
    if (problem) return { field: path || root, message: problem };
    if (Array.isArray(current)) {
      for (let i = current.length - 1; i >= 0; i--) stack.push({ value: current[i], path: `${path || root}[${i}]`, depth: depth + 1 });
    } else if (current !== null && typeof current === 'object') {
      const keys = Object.keys(current);
      const bad = keys.find((key) => key.length > MAX_JSON_KEY_LENGTH || RESERVED_KEYS.has(key));
      if (bad !== undefined) return keyProblem(bad, path, root);
      for (const key of keys.reverse()) stack.push({ value: (current as Record<string, unknown>)[key], path: join(path, key), depth: depth + 1 });
    }
  }
  return undefined;
};

const ownProblem = (value: unknown, depth: number): string | undefined => {
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : 'must be a finite number';
  if (value === null || typeof value !== 'object') return undefined;
  if (depth >= MAX_JSON_DEPTH) return `nests deeper than ${MAX_JSON_DEPTH} levels`;
  if (Array.isArray(value)) return value.length > MAX_JSON_ARRAY_ITEMS ? `must have at most ${MAX_JSON_ARRAY_ITEMS} items` : undefined;
  return Object.keys(value).length > MAX_JSON_KEYS ? `must have at most ${MAX_JSON_KEYS} fields` : undefined;
};

const keyProblem = (key: string, path: string, root: string): FieldError =>
  key.length > MAX_JSON_KEY_LENGTH
    ? { field: path || root, message: `has a field name longer than ${MAX_JSON_KEY_LENGTH} characters` }
    : { field: join(path, key), message: 'should not exist' };

const join = (path: string, key: string) => (path ? `${path}.${key}` : key);

/** Throws the 400 for a value out of bounds. */
export const assertJsonShape = (value: unknown, root: string, what: string): void => {
  const problem = jsonShapeProblem(value, root);
  if (problem) throw new ValidationError(`the ${what} is invalid`, [problem]);
};

/**
 * A body over this size that names a field twice is refused as a whole, without the walk that
 * finds where (a probe: a MiB of escaped text with one name given twice, 46-63 ms to refuse,
 * anonymous). No honest body of this API comes near it; a smaller one is told the path.
 */
export const NAMED_TWICE_SCAN_BYTES = 64 * 1024;

/** Right after JSON parsing, on every route and method: nothing after it sees an unbounded body. */
export const boundedJsonBodies: RequestHandler = (req, _res, next) => {
  if (req.body !== undefined) {
    assertJsonShape(req.body, 'body', 'body');
    // Only an object can hold a name twice; the bytes are kept by the JSON parser (app.ts). As
    // many names parsed as the bytes hold: none given twice, and the text need not be walked
    // again (jsonc-parser's scanner took 25-50 ms over a MiB of escaped text).
    const raw = req.rawBody;
    const suspect = req.body !== null && typeof req.body === 'object' && raw && req.jsonNames !== namesIn(req.body);
    if (suspect && raw.length > NAMED_TWICE_SCAN_BYTES) throw new ValidationError('the body is invalid', [{ field: 'body', message: 'names a field twice in one object (each field once)' }]);
    const twice = suspect ? duplicateName(raw.toString('utf8')) : undefined;
    if (twice) throw new ValidationError('the body is invalid', [twice]);
  }
  next();
};
