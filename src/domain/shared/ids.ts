import { v5 as uuidv5 } from 'uuid';

/**
 * Deterministic ids: the same seed and purpose always give the same UUID (v5, a hash,
 * not a random draw), so the domain and its upcasters may use them.
 */
const NAMESPACE = '0b7f3c5e-2f5e-4c1e-9a53-6a0c2d1f4e8b';

export const derivedId = (seed: string, purpose: string): string => uuidv5(JSON.stringify([purpose, seed]), NAMESPACE);

/** The event ids of one command sent with an idempotency key. */
export const derivedEventId = (key: string, streamName: string, index: number): string =>
  uuidv5(JSON.stringify(['event', key, streamName, index]), NAMESPACE);
