import type { Document, Filter, ReadModelCollection, Sort } from '../infrastructure/read-models/read-model-store.js';
import { afterCursor, cursorAfter } from './page-cursor.js';

/**
 * Every list the API serves: one page of documents, the total, and where the page is. `page`
 * counts pages from the list's start, or from the item a cursor names (`after`: a page's
 * `next`, see page-cursor.ts), which stays put whatever is written meanwhile. A cursor is
 * taken by the list (the collection) that made it only.
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
  const from = page.after === undefined ? filter : { $and: [filter, afterCursor(page.after, order, collection.name)] };
  const [docs, total] = await Promise.all([
    // One more than the page: whether a page comes after it.
    collection.find(from, { sort: order, skip: (page.page - 1) * page.pageSize, limit: page.pageSize + 1 }),
    collection.countDocuments(filter),
  ]);
  const items = docs.slice(0, page.pageSize);
  const last = items[items.length - 1];
  const next = docs.length > page.pageSize && last ? (cursorAfter(last, order, collection.name) ?? null) : null;
  return { items: items.map(map), total, page: page.page, pageSize: page.pageSize, next };
};
