import { derivedId } from './shared/ids.js';
import type { Upcaster } from './shared/event-schema.js';

/**
 * Every evolution of a stored event's shape, oldest first. Stored events are never
 * rewritten: they are read through these, so every reader sees the current shape.
 */
export const UPCASTERS: readonly Upcaster[] = [
  /**
   * OrderCreated v2 carries the shipment id the order will ship under (the order decides
   * dispatch and delivery, so it must know it from the start). A v1 order gets the id
   * checkout has always derived for it, so the shipment prepared for it later matches.
   */
  {
    type: 'OrderCreated',
    fromVersion: 1,
    upcast: (data) => ({ ...data, shipmentId: data.shipmentId ?? derivedId(String(data.orderId), 'shipment') }),
  },
];
