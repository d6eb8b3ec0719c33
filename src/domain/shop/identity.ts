import type { DomainEvent } from '../shared/types.js';

/**
 * A shop's identity, written once into its log by its first start (see src/api/shop-identity.ts):
 * what tells this shop's log from another's, whatever their positions and keys.
 */

/** The stream of the log's identity: its first event is the identity. */
export const IDENTITY_STREAM = 'shop-identity';

export type ShopIdentityAssigned = DomainEvent<'ShopIdentityAssigned', { shopId: string }>;

export type ShopIdentityEvent = ShopIdentityAssigned;
