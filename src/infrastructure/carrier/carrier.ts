import type { OrderLine, ShippingAddress } from '../../domain/ordering/order.js';

/**
 * The logistics-carrier port (seed 001: the Online Shop calls a Logistics System). Like the
 * payment provider's, every booking carries an idempotency key: a carrier that sees a key
 * again answers what it answered the first time and books nothing more, so a retry (after a
 * timeout, a crash, a second click) never books two parcels.
 * The carrier reports progress later by signed webhook (./webhook-signature.ts).
 */

export type BookingRequest = {
  idempotencyKey: string;
  /** The shop's reference, echoed in the carrier's webhooks. */
  shipmentId: string;
  address: ShippingAddress;
  lines: readonly OrderLine[];
  /** Aborts the call: the promise rejects with the signal's reason. */
  signal?: AbortSignal;
};

export type BookingResult =
  | { outcome: 'booked'; reference: string; trackingNumber: string; labelUrl: string }
  | { outcome: 'refused'; reason: string };

export type CancelRequest = { idempotencyKey: string } & ({ reference: string } | { bookingKey: string });

export interface Carrier {
  /** Rejects with an AbortError when `signal` aborts before the carrier answers. */
  book(request: BookingRequest): Promise<BookingResult>;
  /**
   * Calls off a booking the shop will not ship (its order was cancelled, or its address amended,
   * while it was being booked), named by its reference or by the key it was booked under (when
   * its answer was lost in a crash); idempotent: calling off a booking called off, or one never
   * made, changes nothing.
   */
  cancel(request: CancelRequest): Promise<void>;
}

/** The statuses a carrier reports by webhook. */
export const CARRIER_STATUSES = ['InTransit', 'Delivered', 'DeliveryFailed'] as const;
export type CarrierStatus = (typeof CARRIER_STATUSES)[number];

/** A webhook's body, as the carrier sends it (JSON). */
export type CarrierReport = {
  /** Unique per report: a repeated id is a repeat. */
  eventId: string;
  /** The shop's reference given at booking. */
  shipmentId: string;
  /** The carrier's reference of the booking. */
  reference: string;
  trackingNumber: string;
  status: CarrierStatus;
  occurredAt: string;
  /** Why a delivery failed. */
  reason?: string;
};
