import type { Document, Filter, ReadModelCollection, Sort } from '../infrastructure/read-models/read-model-store.js';
import { afterCursor, cursorAfter } from './page-cursor.js';

/**
 * Every list the API serves: one page of documents, the total, and where the page is. `page`
 * counts pages from the list's start, or from the item a cursor names (`after`: a page's
 * `next`, see page-cursor.ts), which stays put whatever is written meanwhile. A cursor is
 * taken by the list (the collection and its filter) that made it only.
 */
export type Page = { page: number; pageSize: number; after?: string | undefined };

/** `next`: the cursor of the page after this one (`?after=`), null when this one is the last. */
export type Paged<T> = { items: T[]; total: number; page: number; pageSize: number; next: string | null };

export const paged = async <D extends Document, T>(
  collection: ReadModelCollection<D>,
  filter: Filter,
  sort: Sort,
  page: Page,
  map: (doc: D) => T,
): Promise<Paged<T>> => {
  const order = { ...sort, _id: 1 as const };
  const scope = scopeOf(collection.name, filter);
  const from = page.after === undefined ? filter : { $and: [filter, afterCursor(page.after, order, scope)] };
  const [docs, total] = await Promise.all([
    // One more than the page: whether a page comes after it.
    collection.find(from, { sort: order, skip: (page.page - 1) * page.pageSize, limit: page.pageSize + 1 }),
    collection.countDocuments(filter),
  ]);
  const items = docs.slice(0, page.pageSize);
  const last = items[items.length - 1];
  const next = docs.length > page.pageSize && last ? (cursorAfter(last, order, scope) ?? null) : null;
  return { items: items.map(map), total, page: page.page, pageSize: page.pageSize, next };
};

/**
 * The list a cursor belongs to: the collection and the filter that made the list (one product's
 * reviews, one customer's orders, a status): a cursor of one product's reviews given to
 * another's skipped that one's newer reviews without a word. Keys in order, so one filter
 * built twice is one list.
 */
const scopeOf = (collection: string, filter: Filter): string => `${collection}\n${canonical(filter)}`;

const canonical = (value: unknown): string => {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    return `{${entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
};
