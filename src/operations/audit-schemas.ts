import { anyJson, arr, dict, int, nullable, obj, str, time, uuid, withFields } from '../projections/json-schema.js';

const asOf = nullable({ oneOf: [obj({ revision: int({ minimum: 0 }) }), obj({ time: str() })] });

/** An event as the audit trail shows it (audited): data and metadata are the event's own, secrets redacted. */
export const auditedEventSchema = obj({
  /** The event's id: the `causationId` in the metadata of the events it caused. */
  eventId: str(),
  streamName: str(),
  revision: int({ minimum: 0 }),
  position: int({ minimum: 0 }),
  type: str(),
  occurredAt: str(),
  recordedAt: time(),
  storedSchemaVersion: int({ minimum: 1 }),
  data: dict(anyJson()),
  metadata: dict(anyJson()),
});

/** What auditStream answers: the window of events asked for (one page: AUDIT_PAGE), each with the state after it, and the state (as of `asOf`). */
export const streamAuditSchema = obj({
  streamName: str(),
  total: int({ minimum: 1 }),
  events: arr(withFields(auditedEventSchema, { stateAfter: anyJson() })),
  nextFromRevision: nullable(int({ minimum: 1, description: 'Where the next page starts: send it as `fromRevision` (null: this page lists the stream\'s last event, or the window starts past it).' })),
  asOf,
  state: anyJson(),
});

/** What auditOrder answers. */
export const orderAuditSchema = obj({ orderId: uuid(), asOf, state: anyJson(), timeline: arr(auditedEventSchema) });
