import type { Upcaster } from './shared/event-schema.js';

/** Every evolution of a stored event shape, oldest first. Stored events are never rewritten. */
export const UPCASTERS: readonly Upcaster[] = [];
