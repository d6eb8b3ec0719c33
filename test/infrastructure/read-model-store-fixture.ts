import type { Document, ReadModelCollection, ReadModelStore } from '../../src/infrastructure/read-models/read-model-store.js';

/** What the parts of the read-model store contract share: the products they query and write, and how they wait for a refusal. */

export type Product = Document & {
  name: string;
  brand: string;
  price: number;
  tags?: string[];
  stock?: { onHand: number };
  views?: number;
  createdAt?: string;
};

/** The store the contract's current case runs on, and the catalog inserted into it. */
export type ContractCase = { store: () => ReadModelStore; seeded: () => Promise<ReadModelCollection<Product>> };

export const catalog: Product[] = [
  { _id: 'p1', name: 'Anvil', brand: 'Acme', price: 500, tags: ['sale'], stock: { onHand: 3 }, views: 3 },
  { _id: 'p2', name: 'Bolt', brand: 'Zeta', price: 1500, tags: [], stock: { onHand: 9 } },
  { _id: 'p3', name: 'Catapult', brand: 'Acme', price: 2999, stock: { onHand: 0 } },
  { _id: 'p4', name: 'Drone', brand: 'Nova', price: 3500, tags: ['sale', 'new'] },
];

export const rejection = async (promise: Promise<unknown>): Promise<unknown> => {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the promise to be rejected');
};
