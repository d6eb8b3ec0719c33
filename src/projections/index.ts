import { customerProfilesProjection } from './customer-profiles/customer-profiles.js';
import type { Projection } from './projection.js';
import { productsProjection } from './products/products.js';
import { stockLevelsProjection } from './stock-levels/stock-levels.js';

/** Every read model the query API serves. */
export const ALL_PROJECTIONS: readonly Projection[] = [
  productsProjection as unknown as Projection,
  stockLevelsProjection as unknown as Projection,
  customerProfilesProjection as unknown as Projection,
];
