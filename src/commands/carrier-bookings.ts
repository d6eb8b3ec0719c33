import { AddressChangedError, orderDecider, orderStream, type Order } from '../domain/ordering/order.js';
import { IllegalStateError, NotFoundError, PreconditionFailedError, UnprocessableError } from '../domain/shared/errors.js';
import { reportOf, shipmentDecider, shipmentStream, type Shipment } from '../domain/shipping/shipment.js';
import type { BookingResult, Carrier, CarrierReport } from '../infrastructure/carrier/carrier.js';
import type { CommandContext, CommandHandler } from './command-handler.js';

/**
 * Booking a shipment with the carrier, and recording what the carrier reports.
 *
 * A dispatch first records that a booking was asked for (ShipmentBookingRequested, attempt n),
 * then books: the request itself waits up to CARRIER_TIMEOUT_MS for the carrier, and the
 * saga's `book-shipment` job, due once that wait is over, books what the request could not
 * (no answer, a crash): retried with back-off, parked after the limit. Both book with the
 * same idempotency key (`book:<shipment>:<attempt>`), and record the answer under the same
 * key, so their events have the same ids: whichever records first, the other appends nothing.
 * Booked → the order ships (OrderShipped with the carrier's reference, tracking number and
 * label); refused → ShipmentBookingRefused with the carrier's reason, and no OrderShipped.
 */

export type ShippingDeps = { commands: CommandHandler; carrier: Carrier; clock: () => Date; timeoutMs: number };

export type BookingOutcome =
  /** `revision`: the order's, once shipped (for the answer's ETag), when known. */
  | { outcome: 'shipped'; trackingNumber: string; revision?: number; position?: number | undefined }
  | { outcome: 'refused'; reason: string }
  | { outcome: 'pending' }
  | { outcome: 'settled' };

type Origin = { correlationId: string; causationId: string; actor: string };

const loadShipment = async (commands: CommandHandler, shipmentId: string) => {
  const { state } = await commands.load(shipmentDecider, shipmentStream(shipmentId));
  if (state.status === 'None') throw new NotFoundError('shipment not found');
  return state;
};

type Prepared = Exclude<Shipment, { status: 'None' }>;
type Placed = Exclude<Order, { status: 'None' }>;

/** Asks for a booking (once at a time) and books, waiting for the carrier as long as `deps.timeoutMs`. */
export const dispatchWithCarrier = async (deps: ShippingDeps, shipmentId: string, context: CommandContext) => {
  const shipment = await loadShipment(deps.commands, shipmentId);
  const { state: order, revision } = await deps.commands.load(orderDecider, orderStream(shipment.orderId));
  if (order.status === 'None') throw new NotFoundError('order not found');
  // If-Match names the order's revision, as when dispatch was the order's ShipOrder alone.
  if (context.ifMatch !== undefined && context.ifMatch !== revision) throw new PreconditionFailedError('the order has changed', revision);
  const result = { shipmentId, orderId: shipment.orderId };
  // Shipped already (a second click, a repeat): answered as it is.
  if (order.status === 'Shipped' || order.status === 'Delivered') {
    return { ...result, outcome: { outcome: 'shipped', trackingNumber: order.trackingNumber ?? '', revision } as BookingOutcome, orderRevision: revision, position: undefined };
  }
  if (order.status !== 'Confirmed') throw new IllegalStateError(`a ${order.status.toLowerCase()} order cannot be shipped`);
  const { ifMatch: _ifMatch, ...unconditional } = context;
  const requested = await deps.commands.handle(shipmentDecider, shipmentStream(shipmentId), { type: 'RequestBooking', amendments: order.amendments ?? 0, now: context.now }, unconditional);
  const origin = { correlationId: context.correlationId, causationId: context.causationId, actor: context.actor };
  const outcome = await book(deps, requested.state as Prepared, order, origin, AbortSignal.timeout(deps.timeoutMs));
  // The order's revision as it was: the answer's ETag while the booking is pending (the order did not change).
  return { ...result, outcome, orderRevision: revision, position: requested.position };
};

/** The `book-shipment` job: books a booking still asked for; throws when the carrier does not answer in time (retried). */
export const bookShipmentJob = async (deps: ShippingDeps, shipmentId: string, origin: { correlationId?: unknown; causationId?: unknown }) => {
  const shipment = await loadShipment(deps.commands, shipmentId);
  const { state: order } = await deps.commands.load(orderDecider, orderStream(shipment.orderId));
  if (order.status === 'None') return;
  const context = { correlationId: String(origin.correlationId ?? shipmentId), causationId: String(origin.causationId ?? shipmentId), actor: 'job:book-shipment' };
  const outcome = await book(deps, shipment, order, context, AbortSignal.timeout(deps.timeoutMs));
  if (outcome.outcome === 'pending') throw new Error(`the carrier did not answer the booking of shipment ${shipmentId} within ${deps.timeoutMs} ms`);
};

/** Address changes while the carrier books that a dispatch follows with new bookings before it leaves the rest to the job. */
const REBOOKINGS = 3;

/**
 * Books the booking asked for, for the order's address as it is. If the address is amended while
 * the carrier books, that booking is called off and the new address booked (a few times at most;
 * then the answer is pending, and the booking job books what the address is by then).
 */
const book = async (deps: ShippingDeps, shipment: Prepared, order: Placed, origin: Origin, signal: AbortSignal): Promise<BookingOutcome> => {
  for (let round = 0; ; round++) {
    const outcome = await bookOnce(deps, shipment, order, origin, signal);
    if (outcome.outcome !== 'rebook') return outcome;
    if (round === REBOOKINGS) return { outcome: 'pending' };
    const reloaded = await deps.commands.load(orderDecider, orderStream(order.orderId));
    if (reloaded.state.status === 'None') return { outcome: 'settled' };
    order = reloaded.state;
  }
};

type Attempt = BookingOutcome | { outcome: 'rebook' };

const bookOnce = async (deps: ShippingDeps, shipment: Prepared, order: Placed, origin: Origin, signal: AbortSignal): Promise<Attempt> => {
  if (order.status === 'Shipped' || order.status === 'Delivered') return { outcome: 'shipped', trackingNumber: order.trackingNumber ?? '' };
  // Refused already: nothing to book.
  if (shipment.booking !== 'requested') return { outcome: 'settled' };
  // One key per attempt and address (a carrier answers a key with what it first booked under it, whatever address comes
  // with it): `book:<shipment>:<attempt>` for the address the attempt was asked for, with `:a<amendments>` for a later one.
  const bookedFor = order.amendments ?? 0;
  const asked = shipment.requestedFor ?? bookedFor;
  const keyOf = (amendments: number) => `book:${shipment.shipmentId}:${shipment.attempt}${amendments === asked ? '' : `:a${amendments}`}`;
  const callOffKeys = async (upTo: number) => {
    for (let amendments = asked; amendments < upTo; amendments++) {
      await deps.carrier.cancel({ idempotencyKey: `cancel:${keyOf(amendments).slice('book:'.length)}`, bookingKey: keyOf(amendments) });
    }
  };
  // Cancelled meanwhile: nothing to book, and what a booking cut short by a crash may have booked is called off.
  if (order.status !== 'Confirmed') {
    await callOffKeys(bookedFor + 1);
    return { outcome: 'settled' };
  }
  const key = keyOf(bookedFor);
  // Bookings of this attempt's earlier addresses whose answer a crash kept from being acted on: called off by their keys.
  await callOffKeys(bookedFor);
  let result: BookingResult;
  try {
    result = await deps.carrier.book({ idempotencyKey: key, shipmentId: shipment.shipmentId, address: order.shippingAddress, lines: order.lines, signal });
  } catch (error) {
    if (signal.aborted) return { outcome: 'pending' };
    throw error;
  }
  // Recorded under the booking's key whoever records it (the request or the job): the same event ids either way.
  const context: CommandContext = { ...origin, now: deps.clock().toISOString(), idempotencyKey: key };
  if (result.outcome === 'refused') {
    const command = { type: 'RecordBookingRefusal' as const, attempt: shipment.attempt, reason: result.reason, now: context.now };
    await deps.commands.handle(shipmentDecider, shipmentStream(shipment.shipmentId), command, context);
    return { outcome: 'refused', reason: result.reason };
  }
  const { reference, trackingNumber, labelUrl } = result;
  const callOff = () => deps.carrier.cancel({ idempotencyKey: `cancel:${key.slice('book:'.length)}`, reference });
  let shipped;
  try {
    const command = { type: 'ShipOrder' as const, trackingNumber, carrier: { reference, labelUrl }, bookedFor, now: context.now };
    shipped = await deps.commands.handle(orderDecider, orderStream(order.orderId), command, context);
  } catch (error) {
    // Cancelled while the carrier was booking: the parcel will not go, so the booking is called off.
    if (error instanceof IllegalStateError) await callOff();
    // Amended: this parcel would go to the old address; called off, and the new address booked.
    if (error instanceof AddressChangedError) {
      await callOff();
      return { outcome: 'rebook' };
    }
    throw error;
  }
  if (shipped.state.status === 'None') return { outcome: 'shipped', trackingNumber };
  // Shipped meanwhile otherwise (another booking, of the address as amended; by hand): this booking is not needed.
  if (shipped.state.carrierReference !== reference) await callOff();
  return { outcome: 'shipped', trackingNumber: shipped.state.trackingNumber ?? trackingNumber, revision: shipped.revision, position: shipped.position };
};

/**
 * Records a carrier's report on the shipment, once per event id, and none once the parcel was
 * delivered. It must be about the booking the order shipped under (its reference); a delivery
 * reported goes on to the order through the saga (ShipmentDelivered → OrderDelivered).
 * - `recorded`: this report was recorded now;
 * - `duplicate`: its event id was recorded before, with `status` (what it reported then);
 * - neither: the parcel was delivered before, and the report is old news.
 */
export const recordCarrierReport = async (commands: CommandHandler, report: CarrierReport, context: CommandContext) => {
  const shipment = await loadShipment(commands, report.shipmentId);
  const { state: order } = await commands.load(orderDecider, orderStream(shipment.orderId));
  if (order.status === 'None' || !order.carrierReference || order.carrierReference !== report.reference) {
    throw new UnprocessableError(`shipment ${report.shipmentId} was not shipped under the carrier's reference ${report.reference}`);
  }
  // The tracking number the carrier gave with that booking: a report naming another is about another parcel.
  if (order.trackingNumber !== report.trackingNumber) {
    throw new UnprocessableError(`shipment ${report.shipmentId} was not shipped under the tracking number ${report.trackingNumber}`);
  }
  const command = {
    type: 'RecordCarrierReport' as const,
    carrierEventId: report.eventId,
    carrierReference: report.reference,
    status: report.status,
    occurredAt: report.occurredAt,
    orderDelivered: order.status === 'Delivered',
    now: context.now,
    ...(report.reason === undefined ? {} : { reason: report.reason }),
  };
  const handled = await commands.handle(shipmentDecider, shipmentStream(report.shipmentId), command, context);
  const recorded = handled.appended.length > 0 && !handled.replayed;
  const earlier = recorded ? undefined : reportOf(handled.state, report.eventId);
  return {
    shipmentId: report.shipmentId,
    orderId: shipment.orderId,
    status: earlier?.status ?? report.status,
    recorded,
    duplicate: earlier !== undefined,
    revision: handled.revision,
    position: handled.position,
  };
};
