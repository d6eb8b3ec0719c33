import { Aggregator } from 'mingo';
import { QUERY_OPTIONS } from '../../src/infrastructure/read-models/document-filter.js';
import type { Document } from '../../src/infrastructure/read-models/read-model-store.js';
import { seeded } from '../support/seeded-random.js';

/** The documents the native filters and stages are checked on against mingo: missing fields, nulls, arrays and mixed types. */
const makeDocs = (count: number): Document[] => {
  const next = seeded(42);
  const pick = <T>(list: T[]) => list[Math.floor(next() * list.length)]!;
  return Array.from({ length: count }, (_, i) => {
    const doc: Document = { _id: `d${String(i).padStart(3, '0')}` };
    if (next() < 0.9) doc.brand = pick(['Acme', 'Globex', 'Initech', null]);
    doc.price = { amount: Math.floor(next() * 100), currency: 'USD' };
    if (next() < 0.85) doc.stock = pick([0, 1, 5, 10, -2, 7.5]);
    doc.tags = [pick(['red', 'blue', 'green']), pick(['small', 'large'])];
    if (next() < 0.1) doc.tags = 'red';
    doc.rank = next() < 0.5 ? { t_red: 10, t_blue: 3 } : {};
    doc.created = `2024-01-${String(1 + Math.floor(next() * 28)).padStart(2, '0')}`;
    if (next() < 0.05) doc.created = 7;
    return doc;
  });
};

export const DOCS = makeDocs(300);

export const viaMingo = (pipeline: Record<string, unknown>[]) => new Aggregator(pipeline, QUERY_OPTIONS).run(DOCS.map((d) => structuredClone(d)));

