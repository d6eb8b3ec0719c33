/**
 * What the audit-trail tests share: the ids and the day they write about, events appended by hand
 * with full metadata, and small readings of what the audit answers.
 */
import type { AuditDeps, AuditedEvent } from '../../src/operations/audit.js';
import type { EventMetadata } from '../../src/infrastructure/event-store/event-store.js';
import { v4 as uuid } from 'uuid';

export const PRODUCT = '6f1c1d5e-0c1b-4b8e-9a59-3b6f7d2f1a10';
export const ORDER = '0d5e2a8c-5f4b-4f7e-8f0a-6c2b9d1e3a47';
export const ADDRESS = { line1: '1 Main St', city: 'Springfield', postalCode: '12345', country: 'US' };

/** An instant on the audited day. */
export const at = (hhmm: string) => `2024-05-01T${hhmm}:00.000Z`;

/** An `append` to the store of `deps` (read when called): one event with full metadata (current schema version unless told); returns its id and position. */
export const appendTo = (deps: () => AuditDeps) => async (streamName: string, type: string, data: Record<string, unknown>, metadata: EventMetadata = {}) => {
  const id = uuid();
  const full = { correlationId: 'setup', causationId: 'setup', actor: 'system', occurredAt: at('09:00'), schemaVersion: deps().schema.currentVersion(type), ...metadata };
  const { position } = await deps().eventStore.appendToStream(streamName, [{ id, type, data, metadata: full }]);
  return { id, position };
};

export const rejection = (promise: Promise<unknown>) => promise.then(() => undefined, (error: unknown) => error);

/** An order's timeline as `<stream> <type>` lines. */
export const steps = (timeline: AuditedEvent[]) => timeline.map((e) => `${e.streamName} ${e.type}`);

export const ascending = (numbers: number[]) => numbers.every((n, i) => i === 0 || n > numbers[i - 1]!);
