import type { Document, Filter, ReadModelCollection, Sort } from '../infrastructure/read-models/read-model-store.js';

/** Every list the API serves: one page of documents, the total, and where the page is. */
export type Page = { page: number; pageSize: number };

export type Paged<T> = { items: T[]; total: number; page: number; pageSize: number };

export const paged = async <D extends Document, T>(
  collection: ReadModelCollection<D>,
  filter: Filter,
  sort: Sort,
  page: Page,
  map: (doc: D) => T,
): Promise<Paged<T>> => {
  const [docs, total] = await Promise.all([
    collection.find(filter, { sort: { ...sort, _id: 1 }, skip: (page.page - 1) * page.pageSize, limit: page.pageSize }),
    collection.countDocuments(filter),
  ]);
  return { items: docs.map(map), total, page: page.page, pageSize: page.pageSize };
};
