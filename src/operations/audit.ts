import { DECIDERS } from '../domain/registry.js';
import { NotFoundError, ValidationError } from '../domain/shared/errors.js';
import type { EventSchema } from '../domain/shared/event-schema.js';
import type { DomainEvent } from '../domain/shared/types.js';
import { streamCategory, type EventStore, type RecordedEvent } from '../infrastructure/event-store/event-store.js';
import { TurnBudget } from '../infrastructure/turn-budget.js';
import { CREDENTIAL_FIELDS } from '../privacy/credentials.js';
import { ERASED } from '../domain/shared/erased.js';

/**
 * The audit trail: any stream's events with their metadata and the state after each one
 * (folded with the domain's own evolve, through the same upcasters as everything else),
 * the state as of a time or revision, and an order's timeline across every stream its
 * saga touched, gathered by correlation and causation ids.
 */

export type AuditDeps = { eventStore: EventStore; schema: EventSchema };

/** A point in a stream's history: a revision, or an ISO time (inclusive). */
export type AsOf = { revision: number } | { time: string };

export type AuditedEvent = {
  /** The event's own id: what the metadata's `causationId` of the events it caused names. */
  eventId: string;
  streamName: string;
  revision: number;
  position: number;
  type: string;
  occurredAt: string;
  recordedAt: string;
  /** The schema version the event was stored with (it is read in the current one). */
  storedSchemaVersion: number;
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
};

export type StreamAudit = {
  streamName: string;
  /** Events in the stream; `events` lists those of the window asked for (within the page's bounds: AUDIT_PAGE). */
  total: number;
  events: Array<AuditedEvent & { stateAfter: unknown }>;
  /** The `fromRevision` of the next page: null when this one lists the stream's last event (or the window starts past it). */
  nextFromRevision: number | null;
  asOf: AsOf | null;
  /** The state as of `asOf`, or after the last event. */
  state: unknown;
};

/**
 * The times an as-of takes: a day of the calendar (2026-02-30 is none; February 29 only in a
 * leap year), then optionally a time of the day (hours 00-23, seconds 00-59: no leap second,
 * no 24:00) with optional seconds and fraction, and optionally a zone (`Z` or an offset under
 * 24 hours). It is also the contract's pattern for the parameter, so what the document calls
 * valid is what is read: JSON Schema's `date-time` format takes `t`, `z`, a space and leap
 * seconds, which are not.
 */
const DAY = [
  '\\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|1\\d|2[0-8])',
  '\\d{4}-(?:0[13-9]|1[0-2])-(?:29|30)',
  '\\d{4}-(?:0[13578]|1[02])-31',
  '(?:\\d\\d(?:0[48]|[2468][048]|[13579][26])|(?:[02468][048]|[13579][26])00)-02-29',
].join('|');
const TIME = '(?:[01]\\d|2[0-3]):[0-5]\\d(?::[0-5]\\d(?:\\.\\d{1,9})?)?';
const ZONE = 'Z|[+-](?:[01]\\d|2[0-3]):[0-5]\\d';
export const AS_OF_TIME = new RegExp(`^(?:${DAY})(?:T${TIME}(${ZONE})?)?$`);

/** Parses `--as-of` / `?asOf=`: a non-negative integer is a revision, an ISO 8601 time a time; nothing else. */
export const parseAsOf = (raw: unknown): AsOf | null => {
  if (raw === undefined || raw === '') return null;
  const invalid = () => new ValidationError('invalid as-of', [{ field: 'asOf', message: 'must be a revision or an ISO 8601 time' }]);
  if (typeof raw !== 'string') throw invalid();
  if (/^\d{1,15}$/.test(raw)) return { revision: Number(raw) };
  const parts = AS_OF_TIME.exec(raw);
  if (!parts) throw invalid();
  // Date.parse reads a date-time without a zone in the machine's zone; the log's times are UTC.
  const time = Date.parse(raw.includes('T') && parts[1] === undefined ? `${raw}Z` : raw);
  if (Number.isNaN(time)) throw invalid();
  return { time: new Date(time).toISOString() };
};

const SECRETS = new Set(CREDENTIAL_FIELDS);

/**
 * Secrets (the credentials: password hashes, the payment provider's tokens) never leave through
 * the audit trail, even to admins. One an erasure destroyed still reads `[erased]`: no secret,
 * and what shows the erasure took.
 */
const redacted = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(redacted);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([key, v]) => [key, SECRETS.has(key) ? (v === ERASED ? v : '[redacted]') : redacted(v)]));
};

const occurredAtOf = (event: RecordedEvent) => String(event.metadata.occurredAt ?? event.recordedAt);

const within = (asOf: AsOf | null) => (event: RecordedEvent) => {
  if (!asOf) return true;
  return 'revision' in asOf ? event.revision <= asOf.revision : Date.parse(occurredAtOf(event)) <= Date.parse(asOf.time);
};

const audited = (stored: RecordedEvent, current: RecordedEvent): AuditedEvent => ({
  eventId: current.id,
  streamName: current.streamName,
  revision: current.revision,
  position: current.position,
  type: current.type,
  occurredAt: occurredAtOf(current),
  recordedAt: current.recordedAt,
  storedSchemaVersion: Number(stored.metadata.schemaVersion ?? 1),
  data: redacted(current.data) as Record<string, unknown>,
  metadata: current.metadata,
});

/** A stream's events (those `keep` takes), read in chunks with turns of the event loop between them (a SKU's stream may be long). */
const read = async (deps: AuditDeps, streamName: string, keep: (event: RecordedEvent) => boolean = () => true) => {
  const kept: Array<{ event: RecordedEvent; current: RecordedEvent }> = [];
  for await (const chunk of chunks(deps, streamName)) for (const one of chunk) if (keep(one.current)) kept.push(one);
  return kept;
};

/**
 * A page of a stream's audit is bounded twice: by a number of events (`limit`: 100 unless asked,
 * at most 5,000) and by the size of its events in JSON (4 MiB; the first event of the window is
 * listed whatever its size). Each event carries the state after it, and a hot SKU's state holds
 * every open reservation: 78 kB each on a 74k-event stream, so 1,000 of them made a 78 MB body.
 * `nextFromRevision` is where the next page starts.
 */
export const AUDIT_PAGE = { events: 100, maxEvents: 5000, bytes: 4 * 1024 * 1024 } as const;

/** Events folded between two turns of the event loop: a long stream is folded without holding it (other requests are served between chunks). */
const FOLD_CHUNK = 500;

/** Which events of a long stream to list (the state is always folded from the start). */
export type Window = { fromRevision?: number; limit?: number; /** The budget of the events' JSON, in bytes (default AUDIT_PAGE.bytes). */ maxBytes?: number };

/**
 * The stream in chunks, each upcast, with a turn of the event loop between them: a stream of
 * 74k events read and folded at once held every other request for seconds.
 */
async function* chunks(deps: AuditDeps, streamName: string): AsyncGenerator<Array<{ event: RecordedEvent; current: RecordedEvent }>> {
  // One turn a chunk, shared with the other long reads: eight audits at once held the loop 120-227 ms when each took a turn of its own (a probe).
  const budget = new TurnBudget(0);
  let fromRevision = 0;
  for (;;) {
    const events = await deps.eventStore.readStream(streamName, { fromRevision, maxCount: FOLD_CHUNK });
    if (events.length > 0) yield events.map((event) => ({ event, current: deps.schema.upcast(event) }));
    if (events.length < FOLD_CHUNK) return;
    fromRevision = events[events.length - 1]!.revision + 1;
    await budget.turn();
  }
}

export const auditStream = async (deps: AuditDeps, streamName: string, asOf: AsOf | null = null, window: Window = {}): Promise<StreamAudit> => {
  const decider = DECIDERS[streamCategory(streamName)];
  let state: unknown = decider?.initialState() ?? null;
  let stateAsOf: unknown = asOf ? (decider?.initialState() ?? null) : undefined;
  const from = window.fromRevision ?? 0;
  const to = from + Math.min(window.limit ?? AUDIT_PAGE.events, Number.MAX_SAFE_INTEGER - from);
  const budget = window.maxBytes ?? AUDIT_PAGE.bytes;
  const entries: StreamAudit['events'] = [];
  let bytes = 0;
  let full = false; // the page's budget is spent: the events after are for the next page
  let nextFromRevision: number | null = null;
  let total = 0;
  let last = -1;
  // A hot SKU's state is tens of kB: folding, redacting and sizing a chunk of 500 such events held the loop 40-50 ms (a probe).
  const slices = new TurnBudget();
  for await (const chunk of chunks(deps, streamName)) {
    for (const { event, current } of chunk) {
      await slices.pause();
      total += 1;
      last = current.revision;
      if (decider) state = decider.evolve(state, { type: current.type, data: current.data } as DomainEvent);
      if (asOf && within(asOf)(current)) stateAsOf = state;
      if (current.revision < from) continue;
      if (full || current.revision >= to) {
        nextFromRevision ??= current.revision;
        continue;
      }
      const entry = { ...audited(event, current), stateAfter: redacted(state) };
      const size = Buffer.byteLength(JSON.stringify(entry)) + 1;
      if (entries.length > 0 && bytes + size > budget) {
        full = true;
        nextFromRevision = current.revision;
        continue;
      }
      bytes += size;
      entries.push(entry);
    }
  }
  if (total === 0) throw new NotFoundError(`stream ${streamName} not found`);
  // A revision the stream never reached has no state to show: answered, it would be the latest state under that revision's name.
  if (asOf && 'revision' in asOf && asOf.revision > last) throw new NotFoundError(`stream ${streamName} has no revision ${asOf.revision}: its last is ${last}`);
  return { streamName, total, events: entries, nextFromRevision, asOf, state: redacted(asOf ? stateAsOf : state) };
};

export type OrderAudit = {
  orderId: string;
  asOf: AsOf | null;
  /** The order (its own stream folded) as of `asOf`, or now. */
  state: unknown;
  /** Every event of the saga, from every stream it touched, in log order. */
  timeline: AuditedEvent[];
};

/**
 * An order's timeline: its own stream, and from every stream its saga touched (payment,
 * shipment, the SKUs of its lines, the cart, a renewal's subscription) the events caused by it: those caused
 * (transitively) by an event already in the timeline, and those sharing the correlation
 * id of one of the order's events and naming this order. (Correlation ids come from the
 * client's X-Request-Id, so they alone cannot pull another order's events in.) Its shipment's
 * stream is the order's alone: all of it is in (the carrier's bookings and reports, each
 * its own request). A renewal's order starts with its cause, the renewal event of its
 * subscription.
 */
export const auditOrder = async (deps: AuditDeps, orderId: string, asOf: AsOf | null = null): Promise<OrderAudit> => {
  // The order's own stream whole (an order's stream is short): its timeline is not paged.
  const own = await auditStream(deps, `order-${orderId}`, asOf, { limit: Number.MAX_SAFE_INTEGER, maxBytes: Number.POSITIVE_INFINITY });
  const created = own.events[0]!;
  if (created.type !== 'OrderCreated') throw new NotFoundError(`order ${orderId} not found`);
  const { paymentId, shipmentId, customerId, lines } = created.data as { paymentId: string; shipmentId: string; customerId: string; lines: Array<{ sku: string }> };
  const renewal = (created.data as { subscription?: { subscriptionId: string } }).subscription;
  const subscription = renewal ? [`subscription-${renewal.subscriptionId}`] : [];
  const touched = [`payment-${paymentId}`, `shipment-${shipmentId}`, `cart-${customerId}`, ...new Set(lines.map((l) => `inventory-${l.sku}`)), ...subscription];
  const candidates = (await Promise.all(touched.map((stream) => read(deps, stream, (current) => current.position > created.position))))
    .flat()
    .sort((a, b) => a.current.position - b.current.position);
  const correlations = new Set(own.events.map((e) => e.metadata.correlationId).filter((id) => typeof id === 'string'));
  const ids = new Set((await deps.eventStore.readStream(`order-${orderId}`)).map((e) => e.id));
  const timeline: AuditedEvent[] = [...(await causeOf(deps, created, subscription)), ...own.events.map(({ stateAfter: _state, ...event }) => event)];
  for (const { event, current } of candidates) {
    const { causationId, correlationId } = current.metadata;
    const causedByTimeline = typeof causationId === 'string' && ids.has(causationId);
    const sameRequest = typeof correlationId === 'string' && correlations.has(correlationId) && current.data.orderId === orderId;
    const ofShipment = current.streamName === `shipment-${shipmentId}` && current.data.orderId === orderId;
    if (!causedByTimeline && !sameRequest && !ofShipment) continue;
    ids.add(current.id);
    timeline.push(audited(event, current));
  }
  timeline.sort((a, b) => a.position - b.position);
  return { orderId, asOf, state: own.state, timeline: timeline.filter(until(asOf, own)) };
};

/** A renewal's order begins with its cause: the subscription's renewal event that placed it. */
const causeOf = async (deps: AuditDeps, created: AuditedEvent, streams: string[]): Promise<AuditedEvent[]> => {
  const causationId = created.metadata.causationId;
  if (streams.length === 0 || typeof causationId !== 'string') return [];
  const found = (await read(deps, streams[0]!)).find(({ event }) => event.id === causationId && event.position < created.position);
  return found ? [audited(found.event, found.current)] : [];
};

/** The timeline up to a time, or up to where the order's own stream stood at a revision. */
const until = (asOf: AsOf | null, own: StreamAudit) => {
  if (!asOf) return () => true;
  if ('time' in asOf) return (event: AuditedEvent) => Date.parse(event.occurredAt) <= Date.parse(asOf.time);
  const next = own.events.find((e) => e.revision > asOf.revision);
  return (event: AuditedEvent) => !next || event.position < next.position;
};
