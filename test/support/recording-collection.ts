import type { Document, FindOptions, ReadModelCollection } from '../../src/infrastructure/read-models/read-model-store.js';

/** What a query sent to a collection: each aggregation with its answer, each find with its options. */
export type Recorded = {
  aggregations: Array<{ pipeline: Record<string, unknown>[]; results: unknown[] }>;
  finds: Array<{ filter: Record<string, unknown>; options: FindOptions }>;
};

export const recorded = (): Recorded => ({ aggregations: [], finds: [] });

/** The collection as a query sees it, recording into `into` what it is asked (copies, so later changes do not show). */
export const recording = <T extends Document>(inner: ReadModelCollection<T>, into: Recorded): ReadModelCollection<T> =>
  new Proxy(inner, {
    get(target, property) {
      if (property === 'aggregate') {
        return async (pipeline: Record<string, unknown>[]) => {
          const results = await target.aggregate(pipeline);
          into.aggregations.push({ pipeline: structuredClone(pipeline), results: structuredClone(results) });
          return results;
        };
      }
      if (property === 'find') {
        return async (filter: Record<string, unknown>, options: FindOptions = {}) => {
          into.finds.push({ filter: structuredClone(filter), options: structuredClone(options) });
          return target.find(filter, options);
        };
      }
      const value = Reflect.get(target, property, target) as unknown;
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
