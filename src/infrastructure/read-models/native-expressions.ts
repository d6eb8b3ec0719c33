import { valueAt } from './document-index.js';

/** The expressions the embedded store evaluates natively (see native-aggregate.ts). */

export type Stage = Record<string, unknown>;
export type Row = Record<string, unknown>;

/** Thrown where a pipeline leaves the native subset: the store then runs it with mingo. */
export class Unsupported extends Error {}

export const unsupported = (): never => {
  throw new Unsupported();
};

/**
 * A reader of a field path. Plain objects are walked directly; an array on the way (MongoDB
 * descends into arrays) goes through valueAt, and an array as the value (MongoDB would pick
 * an element to sort or group by) is outside the subset.
 */
export const compilePath = (path: string): ((row: Row) => unknown) => {
  const parts = path.split('.');
  // Own fields only: a document's prototype is no field of it ("constructor", "toString").
  // (The check also costs less than reading a missing field of objects of many shapes.)
  const own = Object.prototype.hasOwnProperty;
  if (parts.length === 1) {
    const [field] = parts as [string];
    return (row) => {
      const value = own.call(row, field) ? row[field] : undefined;
      if (Array.isArray(value)) unsupported();
      return value;
    };
  }
  return (row) => {
    let value: unknown = row;
    for (const part of parts) {
      if (value === null || value === undefined) return undefined;
      if (Array.isArray(value)) {
        value = valueAt(row, path);
        break;
      }
      if (typeof value !== 'object') return undefined;
      value = own.call(value, part) ? (value as Row)[part] : undefined;
    }
    if (Array.isArray(value)) unsupported();
    return value;
  };
};

export type Expression = (row: Row) => unknown;

/** Field paths ("$a.b"), literals, { $add: [...] } and { $ifNull: [...] }. */
export const compile = (expression: unknown): Expression => {
  if (typeof expression === 'string') {
    if (!expression.startsWith('$')) return () => expression;
    const path = expression.slice(1);
    if (path.length === 0 || path.startsWith('$')) unsupported();
    return compilePath(path);
  }
  if (expression === null || typeof expression === 'number' || typeof expression === 'boolean') return () => expression;
  if (typeof expression !== 'object' || Array.isArray(expression)) return unsupported();
  const entries = Object.entries(expression);
  if (entries.length !== 1 || !Array.isArray(entries[0]![1])) unsupported();
  const [operator, args] = entries[0] as [string, unknown[]];
  const operands = args.map(compile);
  switch (operator) {
    case '$add':
      return (row) => {
        let total = 0;
        for (const operand of operands) {
          const value = operand(row);
          if (value === null || value === undefined) return null;
          if (typeof value !== 'number') unsupported();
          total += value as number;
        }
        return total;
      };
    case '$ifNull':
      if (operands.length < 2) unsupported();
      return (row) => {
        for (const operand of operands.slice(0, -1)) {
          const value = operand(row);
          if (value !== null && value !== undefined) return value;
        }
        return operands[operands.length - 1]!(row);
      };
    default:
      return unsupported();
  }
};

/** A field path or an operator: what a $project computes (a number there would mean inclusion). */
export const isExpression = (value: unknown): boolean =>
  (typeof value === 'string' && value.startsWith('$')) || (value !== null && typeof value === 'object' && !Array.isArray(value));

