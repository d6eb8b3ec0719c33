import { hash } from 'node:crypto';
import { trackingNumberOf } from '../../domain/shipping/shipment.js';
import { DuplicateKeyError, type Document, type ReadModelStore } from '../read-models/read-model-store.js';
import type { BookingRequest, BookingResult, CancelRequest, Carrier, CarrierReport, CarrierStatus } from './carrier.js';
import { signedHeaders } from './webhook-signature.js';

/**
 * The embedded carrier, the default. It keeps a ledger of bookings (in the read-model store,
 * so it outlives restarts) keyed by idempotency key, like a real carrier: the same key never
 * books twice. By the postal code of the address:
 * A booking called off (cancel) is reported no further.
 *   00000 is refused (an address it does not serve) · 99999 never answers ·
 *   99998 goes in transit, then its delivery fails · anything else is delivered.
 * A booked parcel is reported by signed webhook (POST /api/v1/carrier/events): in transit
 * CARRIER_TRANSIT_MS after the booking, delivered (or failed) CARRIER_DELIVERY_MS after that.
 * The reports are durable jobs (written with the booking, before it is answered), so they are
 * sent after a restart too, and again until the shop answers 2xx.
 */

export const SIMULATED_CARRIER_LEDGER = 'simulated_carrier_ledger';
export const REFUSED_POSTAL_CODE = '00000';
export const SILENT_POSTAL_CODE = '99999';
export const FAILING_POSTAL_CODE = '99998';

/** `sent`: the reports the shop took (2xx), by status. */
export type CarrierBooking = Document & { shipmentId: string; result: BookingResult; at: string; cancelledAt?: string; sent?: Partial<Record<CarrierStatus, true>> };

/** A report to send later, as a job of kind `carrier-webhook`. */
export type WebhookJob = { id: string; kind: 'carrier-webhook'; runAt: string; dueInMs: number; payload: CarrierReport };

export type SimulatedCarrierOptions = {
  transitMs: number;
  deliveryMs: number;
  secret: string;
  clock: () => Date;
  /** Writes the webhook jobs durably (and wakes the job runner). */
  schedule: (jobs: WebhookJob[]) => Promise<void>;
  /** Posts a signed report to the shop; resolves with the HTTP status. */
  send: (body: string, headers: Record<string, string>) => Promise<number>;
};

export class SimulatedCarrier implements Carrier {
  constructor(
    private readonly store: ReadModelStore,
    private readonly options: SimulatedCarrierOptions,
  ) {}

  private get ledger() {
    return this.store.collection<CarrierBooking>(SIMULATED_CARRIER_LEDGER);
  }

  async book(request: BookingRequest): Promise<BookingResult> {
    const seen = await this.ledger.findOne({ _id: request.idempotencyKey });
    if (seen) return seen.result;
    const code = request.address.postalCode.trim();
    if (code === SILENT_POSTAL_CODE) return neverAnswers(request.signal);
    if (code === REFUSED_POSTAL_CODE) return this.record(request, { outcome: 'refused', reason: `the carrier does not serve postal code ${code}` });
    const digest = digestOf(request.idempotencyKey);
    const result: BookingResult = {
      outcome: 'booked',
      reference: `SC-${digest.slice(0, 12).toUpperCase()}`,
      // The carrier's numbering: TRK and the first 16 hex digits of the shipper's reference.
      trackingNumber: trackingNumberOf(request.shipmentId),
      labelUrl: `https://carrier.local/labels/SC-${digest.slice(0, 12).toUpperCase()}.pdf`,
    };
    // The reports first (their ids derive from the booking: writing them again changes nothing), then the booking:
    // a crash in between leaves reports for a booking not on record, which the shop's retry of the booking records.
    await this.options.schedule(this.reportsOf(request, result, code === FAILING_POSTAL_CODE));
    return this.record(request, result);
  }

  async cancel(request: CancelRequest): Promise<void> {
    const booking = 'reference' in request ? { 'result.reference': request.reference } : { _id: request.bookingKey };
    await this.ledger.updateOne({ ...booking, cancelledAt: { $exists: false } }, { $set: { cancelledAt: this.options.clock().toISOString() } });
  }

  /**
   * Signs and posts one report (none for a booking called off); throws unless the shop answers
   * 2xx, so the job is retried. A parcel's reports go in order: the last one waits (its job
   * retried) until the shop took the in-transit one. Both overdue after a restart, their jobs ran
   * side by side, and a delivery recorded first made the shop leave the in-transit report out.
   */
  async sendReport(report: CarrierReport): Promise<void> {
    const booking = await this.ledger.findOne({ 'result.reference': report.reference });
    if (booking?.cancelledAt) return;
    if (booking && report.status !== 'InTransit' && !booking.sent?.InTransit) throw new Error(`the carrier's ${report.status} report ${report.eventId} waits for its in-transit report`);
    const body = JSON.stringify(report);
    const status = await this.options.send(body, signedHeaders(this.options.secret, body, this.options.clock()));
    if (status < 200 || status > 299) throw new Error(`the shop answered the carrier's ${report.status} report ${report.eventId} with ${status}`);
    await this.ledger.updateOne({ 'result.reference': report.reference }, { $set: { [`sent.${report.status}`]: true } });
  }

  /** Every booking, for tests. */
  bookings(): Promise<CarrierBooking[]> {
    return this.ledger.find({}, { sort: { at: 1 } });
  }

  private reportsOf(request: BookingRequest, booked: Extract<BookingResult, { outcome: 'booked' }>, fails: boolean): WebhookJob[] {
    const now = this.options.clock().getTime();
    const { transitMs, deliveryMs } = this.options;
    const report = (status: CarrierStatus, dueInMs: number): WebhookJob => {
      const runAt = new Date(now + dueInMs).toISOString();
      const eventId = `evt_${digestOf(`${booked.reference}:${status}`).slice(0, 24)}`;
      const payload: CarrierReport = {
        eventId, shipmentId: request.shipmentId, reference: booked.reference, trackingNumber: booked.trackingNumber, status, occurredAt: runAt,
        ...(status === 'DeliveryFailed' ? { reason: 'nobody was home to take the parcel' } : {}),
      };
      return { id: `carrier-webhook:${booked.reference}:${status}`, kind: 'carrier-webhook', runAt, dueInMs, payload };
    };
    return [report('InTransit', transitMs), report(fails ? 'DeliveryFailed' : 'Delivered', transitMs + deliveryMs)];
  }

  /** The first answer to a key wins, also when two callers race. */
  private async record(request: BookingRequest, result: BookingResult): Promise<BookingResult> {
    try {
      await this.ledger.insertOne({ _id: request.idempotencyKey, shipmentId: request.shipmentId, result, at: this.options.clock().toISOString() });
      return result;
    } catch (error) {
      if (!(error instanceof DuplicateKeyError)) throw error;
      return (await this.ledger.findOne({ _id: request.idempotencyKey }))!.result;
    }
  }
}

const neverAnswers = (signal: AbortSignal | undefined): Promise<never> =>
  new Promise((_resolve, reject) => {
    signal?.addEventListener('abort', () => reject(signal.reason), { once: true });
  });

const digestOf = (text: string) => hash('sha256', text, 'hex');
