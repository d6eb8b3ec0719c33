import type { OrderLine, ShippingAddress } from '../ordering/order.js';
import { NotFoundError, UnprocessableError } from '../shared/errors.js';
import type { Decider, DomainEvent } from '../shared/types.js';

/**
 * A shipment (`shipment-<uuid>`) is prepared once an order is confirmed. Dispatch and
 * delivery are decided by the order itself (OrderShipped, OrderDelivered), so that they
 * can never race with a cancellation; the shipment knows which order it carries, and keeps
 * its dealings with the carrier: the bookings asked for (each attempt has its own number,
 * the carrier's idempotency key), the carrier's refusals, and the carrier's reports, each
 * recorded once by its event id. Once the parcel is reported delivered (or the order was
 * delivered by hand), the shipment is done with: a report that comes later (sent late or again by the carrier) is old news and records
 * nothing, so it tells nobody that a delivered parcel could not be delivered.
 */

type Ids = { shipmentId: string; orderId: string; customerId: string };

export type ShipmentPrepared = DomainEvent<'ShipmentPrepared', Ids & { lines: OrderLine[]; shippingAddress: ShippingAddress; preparedAt: string }>;
/** `amendments`: the order's address amendments when the booking was asked for (absent from bookings asked for by earlier versions). */
export type ShipmentBookingRequested = DomainEvent<'ShipmentBookingRequested', Ids & { attempt: number; amendments?: number; requestedAt: string }>;
export type ShipmentBookingRefused = DomainEvent<'ShipmentBookingRefused', Ids & { attempt: number; reason: string; refusedAt: string }>;
type Reported = Ids & { carrierEventId: string; carrierReference: string; occurredAt: string };
export type ShipmentInTransit = DomainEvent<'ShipmentInTransit', Reported>;
export type ShipmentDelivered = DomainEvent<'ShipmentDelivered', Reported>;
export type ShipmentDeliveryFailed = DomainEvent<'ShipmentDeliveryFailed', Reported & { reason: string }>;

export type CarrierReported = ShipmentInTransit | ShipmentDelivered | ShipmentDeliveryFailed;
export type ShipmentEvent = ShipmentPrepared | ShipmentBookingRequested | ShipmentBookingRefused | CarrierReported;

/** Where the booking with the carrier stands: none asked for, asked for (attempt n), refused. */
export type Booking = 'none' | 'requested' | 'refused';

export type CarrierStatus = 'InTransit' | 'Delivered' | 'DeliveryFailed';
/** A report recorded: the carrier's event id, and the status it reported. */
export type RecordedReport = { eventId: string; status: CarrierStatus };

export type Shipment =
  | { status: 'None' }
  | (Ids & {
      status: 'Preparing';
      booking: Booking;
      attempt: number;
      reports: RecordedReport[];
      /** The order's address amendments when the booking asked for now was asked for: the address it books. */
      requestedFor?: number;
    });

export type PrepareShipment = Ids & { type: 'PrepareShipment'; lines: OrderLine[]; shippingAddress: ShippingAddress; now: string };
/** Ask the carrier for a booking (once at a time: again only after a refusal). */
export type RequestBooking = { type: 'RequestBooking'; amendments?: number; now: string };
export type RecordBookingRefusal = { type: 'RecordBookingRefusal'; attempt: number; reason: string; now: string };
export type RecordCarrierReport = {
  type: 'RecordCarrierReport';
  carrierEventId: string;
  carrierReference: string;
  status: CarrierStatus;
  reason?: string;
  occurredAt: string;
  /** The order was delivered already (by an admin's hand, without the carrier's word). */
  orderDelivered?: boolean;
  now: string;
};

export type ShipmentCommand = PrepareShipment | RequestBooking | RecordBookingRefusal | RecordCarrierReport;

export const initialState = (): Shipment => ({ status: 'None' });

export const evolve = (state: Shipment, event: ShipmentEvent): Shipment => {
  if (event.type === 'ShipmentPrepared') {
    const { shipmentId, orderId, customerId } = event.data;
    return { status: 'Preparing', shipmentId, orderId, customerId, booking: 'none', attempt: 0, reports: [] };
  }
  if (state.status === 'None') return state;
  // Shipments recorded before bookings existed (snapshots, cached states) have none of these fields.
  const current = { ...state, booking: state.booking ?? 'none', attempt: state.attempt ?? 0, reports: state.reports ?? [] };
  switch (event.type) {
    case 'ShipmentBookingRequested': {
      const { requestedFor: _earlier, ...rest } = current;
      const { attempt, amendments } = event.data;
      return { ...rest, booking: 'requested', attempt, ...(amendments === undefined ? {} : { requestedFor: amendments }) };
    }
    case 'ShipmentBookingRefused':
      return { ...current, booking: 'refused' };
    default:
      return { ...current, reports: [...current.reports, { eventId: event.data.carrierEventId, status: STATUS_OF[event.type] }] };
  }
};

export const decide = (command: ShipmentCommand, state: Shipment): ShipmentEvent[] => {
  if (command.type === 'PrepareShipment') return prepare(command, state);
  if (state.status === 'None') throw new NotFoundError('shipment not found');
  const { shipmentId, orderId, customerId } = state;
  const ids = { shipmentId, orderId, customerId };
  switch (command.type) {
    case 'RequestBooking':
      if (state.booking === 'requested') return [];
      return [{ type: 'ShipmentBookingRequested', data: { ...ids, attempt: (state.attempt ?? 0) + 1, ...(command.amendments === undefined ? {} : { amendments: command.amendments }), requestedAt: command.now } }];
    case 'RecordBookingRefusal':
      // Only the answer to the booking asked for now: a late answer to an earlier attempt is old news.
      if (state.booking !== 'requested' || state.attempt !== command.attempt) return [];
      return [{ type: 'ShipmentBookingRefused', data: { ...ids, attempt: command.attempt, reason: command.reason, refusedAt: command.now } }];
    case 'RecordCarrierReport':
      return report(command, state);
    default: {
      const _exhaustive: never = command;
      throw _exhaustive;
    }
  }
};

const prepare = (command: PrepareShipment, state: Shipment): ShipmentEvent[] => {
  if (state.status !== 'None') return [];
  const { shipmentId, orderId, customerId, lines, shippingAddress, now } = command;
  return [{ type: 'ShipmentPrepared', data: { shipmentId, orderId, customerId, lines, shippingAddress, preparedAt: now } }];
};

const STATUS_OF: Record<CarrierReported['type'], CarrierStatus> = { ShipmentInTransit: 'InTransit', ShipmentDelivered: 'Delivered', ShipmentDeliveryFailed: 'DeliveryFailed' };

/** The report recorded under a carrier's event id, if any. */
export const reportOf = (state: Shipment, carrierEventId: string): RecordedReport | undefined =>
  state.status === 'None' ? undefined : (state.reports ?? []).find((r) => r.eventId === carrierEventId);

/** Whether the carrier reported the parcel delivered: the shipment is done with. */
export const isDelivered = (state: Shipment): boolean => state.status !== 'None' && (state.reports ?? []).some((r) => r.status === 'Delivered');

/** How far ahead of the shop's clock a carrier's report may be dated: as far as its signature's timestamp may be. */
export const REPORT_CLOCK_SKEW_MS = 5 * 60_000;

/** A report is recorded once (a repeated event id decides nothing), and none once the parcel was delivered. */
const report = (command: RecordCarrierReport, state: Extract<Shipment, { status: 'Preparing' }>): ShipmentEvent[] => {
  if (reportOf(state, command.carrierEventId) || isDelivered(state) || command.orderDelivered === true) return [];
  // A report's time orders it among the others (an older one changes nothing): one dated ahead of the shop's clock
  // by more than a signature may be (REPORT_CLOCK_SKEW_MS) would outrank every real report after it.
  if (Date.parse(command.occurredAt) > Date.parse(command.now) + REPORT_CLOCK_SKEW_MS) {
    throw new UnprocessableError(`the report's occurredAt ${command.occurredAt} is later than now by more than 5 minutes`);
  }
  const { shipmentId, orderId, customerId } = state;
  const data = { shipmentId, orderId, customerId, carrierEventId: command.carrierEventId, carrierReference: command.carrierReference, occurredAt: command.occurredAt };
  switch (command.status) {
    case 'InTransit':
      return [{ type: 'ShipmentInTransit', data }];
    case 'Delivered':
      return [{ type: 'ShipmentDelivered', data }];
    case 'DeliveryFailed':
      return [{ type: 'ShipmentDeliveryFailed', data: { ...data, reason: command.reason ?? 'not given' } }];
  }
};

export const shipmentDecider: Decider<Shipment, ShipmentCommand, ShipmentEvent> = { initialState, evolve, decide };

export const shipmentStream = (shipmentId: string) => `shipment-${shipmentId}`;

/** A carrier-style tracking number, derived from the shipment id (the domain draws no random numbers). */
export const trackingNumberOf = (shipmentId: string) => `TRK${shipmentId.replace(/-/g, '').slice(0, 16).toUpperCase()}`;
