import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { ValidationError } from '../domain/shared/errors.js';
import type { Document, Filter, Sort } from '../infrastructure/read-models/read-model-store.js';

/**
 * A list's cursor (`next`, given back as `?after=`): where a page ended, as the values of the
 * list's sort keys and the id of its last item (every list's last key), so that the next page
 * starts right after that item whatever was written meanwhile. A page counted by number shifts
 * under writes: an order placed between page 1 and page 2 of a list newest first pushed page 1's
 * last item onto page 2.
 *
 * It is base64url of JSON `[keys, ...values, id]`, `keys` naming the sort it was made for,
 * followed by a MAC (HMAC-SHA-256, 128 bits, base64url) over the list it was made for (its
 * `scope`: a collection, or a search and the terms of its words and its filters) and that JSON. It is read back
 * as data only (strings, numbers, booleans, null), never as a filter of its own, and only as
 * the shop wrote it: a cursor made up, changed, cut short or made for another list is 400
 * (without the MAC, one of the right shape with values of another type, or another list's of
 * the same sort, was taken as a position and answered an empty page), and so is one of another
 * sort of the same list.
 */

export type Scalar = string | number | boolean | null;

const isScalar = (value: unknown): value is Scalar => value === null || ['string', 'number', 'boolean'].includes(typeof value);

/**
 * The key of the cursors' MAC: random, one per process, until the shop gives its own
 * (`useCursorKey`, from its JWT secret at its composition), which every process of one shop
 * shares, so that a page's `next` is taken by whichever process the next request reaches.
 */
let cursorKey: Buffer = randomBytes(32);

/** Signs and reads cursors with a key derived from the shop's secret (the same in every process of a shop). */
export const useCursorKey = (secret: string): void => {
  cursorKey = createHmac('sha256', secret).update('page cursors').digest();
};

/** The MAC's length in the cursor: 16 bytes as base64url. */
const MAC_CHARS = 22;

const macOf = (scope: string, payload: string): Buffer => createHmac('sha256', cursorKey).update(scope).update('\n').update(payload).digest().subarray(0, 16);

/** The sort's keys and directions, the id last (ties broken by id, as every list sorts). */
const keysOf = (sort: Sort): Array<[string, 1 | -1]> => [...Object.entries(sort).filter(([key]) => key !== '_id'), ['_id', 1]];

const signatureOf = (keys: ReadonlyArray<[string, 1 | -1]>) => keys.map(([key, direction]) => `${direction < 0 ? '-' : ''}${key}`).join(',');

/** A field's value by its path (`price.amount`); null when it is missing, as the store sorts it. */
const valueAt = (doc: Document, path: string): unknown => {
  let value: unknown = doc;
  for (const part of path.split('.')) value = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[part] : undefined;
  return value === undefined ? null : value;
};

/** The cursor of the item a page of the list `scope` ends with, for the page after it; undefined when a sort value is not plain data. */
export const cursorAfter = (doc: Document, sort: Sort, scope: string): string | undefined => {
  const keys = keysOf(sort);
  const values = keys.map(([key]) => valueAt(doc, key));
  if (!values.every(isScalar)) return undefined;
  const payload = Buffer.from(JSON.stringify([signatureOf(keys), ...values])).toString('base64url');
  return payload + macOf(scope, payload).toString('base64url');
};

const refused = (why: string) => new ValidationError(`the cursor ${why}`, [{ field: 'after', message: `must be a list's \`next\` as given (${why})` }]);

/** The items after the cursor's, in the sort's order: a filter to add to the list's own. */
export const afterCursor = (cursor: string, sort: Sort, scope: string): Filter => filterAfter(readCursor(cursor, sort, scope), sort);

/** The values a cursor made for `sort` of the list `scope` holds: one per sort key, the id last. 400 for anything else. */
export const readCursor = (cursor: string, sort: Sort, scope: string): Scalar[] => {
  const keys = keysOf(sort);
  if (!/^[A-Za-z0-9_-]{1,1000}$/.test(cursor) || cursor.length <= MAC_CHARS) throw refused('is not one');
  const payload = cursor.slice(0, -MAC_CHARS);
  const mac = Buffer.from(cursor.slice(-MAC_CHARS), 'base64url');
  const expected = macOf(scope, payload);
  if (mac.length !== expected.length || !timingSafeEqual(mac, expected)) throw refused('was not made by this list, or was changed');
  let parts: unknown;
  try {
    parts = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    throw refused('is not one');
  }
  if (!Array.isArray(parts) || typeof parts[0] !== 'string' || !parts.every(isScalar)) throw refused('is not one');
  if (parts[0] !== signatureOf(keys)) throw refused('is of another order of the list');
  if (parts.length !== keys.length + 1) throw refused('is not one');
  return parts.slice(1) as Scalar[];
};

/** The items after the one whose sort values (the id last) are `values`, in the sort's order. */
export const filterAfter = (values: readonly Scalar[], sort: Sort): Filter => {
  const keys = keysOf(sort);
  // After (k1, ..., kn): k1 beyond v1, or k1 = v1 and k2 beyond v2, ... Null (or missing) sorts
  // before every value, as the stores sort it, and $gt/$lt compare a value with values of its
  // own type only: ascending, everything but null is beyond null; descending, null is beyond
  // every value, and nothing beyond null.
  const branches: Filter[] = [];
  keys.forEach(([key, direction], i) => {
    const value = values[i]!;
    const equalBefore = Object.fromEntries(keys.slice(0, i).map(([k], j) => [k, values[j]]));
    const beyond = (condition: unknown) => branches.push({ ...equalBefore, [key]: condition });
    if (value === null) {
      if (direction > 0) beyond({ $ne: null });
    } else if (direction > 0) beyond({ $gt: value });
    else {
      beyond({ $lt: value });
      beyond(null);
    }
  });
  return { $or: branches };
};
