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

/** Keys that name JavaScript's object machinery: never a field of ours, refused like any unknown key. */
export const RESERVED_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

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

/** Right after JSON parsing, on every route and method: nothing after it sees an unbounded body. */
export const boundedJsonBodies: RequestHandler = (req, _res, next) => {
  if (req.body !== undefined) {
    assertJsonShape(req.body, 'body', 'body');
    // Only an object can hold a name twice; the bytes are kept by the JSON parser (app.ts).
    const raw = (req as { rawBody?: Buffer }).rawBody;
    const twice = req.body !== null && typeof req.body === 'object' && raw ? duplicateName(raw.toString('utf8')) : undefined;
    if (twice) throw new ValidationError('the body is invalid', [twice]);
  }
  next();
};
