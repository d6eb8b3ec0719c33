import { join } from 'node:path';
import { v4 as uuid } from 'uuid';
import type { EventStore } from '../../src/infrastructure/event-store/event-store.js';
import { SqliteEventStore } from '../../src/infrastructure/event-store/sqlite-event-store.js';
import { keyIds } from '../../src/privacy/key-store.js';
import { PersonalDataEventStore } from '../../src/privacy/personal-data-event-store.js';
import { SqliteKeyStore } from '../../src/privacy/sqlite-key-store.js';
import { tempDir } from '../../test/support/temp-dir.js';
import { APPEND_CONCURRENCY } from '../support/durable-append.js';
import { interleaved, medianOf, ratioOf } from '../support/interleave.js';
import { round, throughput, type BenchOptions, type Metric } from '../support/metrics.js';

/**
 * What sealing personal fields costs (the privacy issue): the same events, with personal
 * fields (a customer's address: four sealed values, a key fetched from keys.db per append),
 * appended as append_durable appends (one event per append, 50 in flight, durable), through
 * the personal-data layer (ours) and straight into the embedded store (the anchor: the same
 * appends, nothing sealed), in interleaved pairs. Then reading them back: `$all` in pages
 * of 1,000, opened (every value deciphered, keys fetched per page) against the raw read.
 * The customers' keys exist before the run: a customer's key is made once, at registration.
 * Both reads go through a fresh store over the same file: the anchor is the same read without opening.
 */

const CUSTOMERS = 500;

const addressAdded = (i: number, customerIds: readonly string[]) => {
  const customerId = customerIds[i % customerIds.length]!;
  return {
    id: uuid(),
    type: 'CustomerAddressAdded',
    data: { customerId, address: { addressId: uuid(), line1: `${i} Quiet Lane`, city: 'Bruges', postalCode: '8000', country: 'BE' }, addedAt: new Date().toISOString() },
    metadata: { correlationId: uuid(), causationId: uuid(), actor: 'bench', occurredAt: new Date().toISOString(), schemaVersion: 1 },
  };
};

type Run = { append: number; read: number };

const run = async (total: number, sealed: boolean): Promise<Run> => {
  const dir = tempDir('bench-privacy-');
  const raw = new SqliteEventStore({ path: join(dir.path, 'events.db') });
  const keys = new SqliteKeyStore(join(dir.path, 'keys.db'));
  const customerIds = Array.from({ length: CUSTOMERS }, () => uuid());
  await keys.keys(customerIds.map((id) => keyIds.profile(id)), { create: true });
  const store: EventStore = sealed ? new PersonalDataEventStore(raw, keys) : raw;
  const events = Array.from({ length: total }, (_, i) => addressAdded(i, customerIds));
  const append = await throughput(total, APPEND_CONCURRENCY, async (i) => {
    await store.appendToStream(`customer-B${i}`, [events[i]!], { expectedRevision: 'no_stream' });
  });
  // Read as a rebuild in another process reads: a fresh store over the same files (nothing cached, nothing opened before).
  const fresh = new SqliteEventStore({ path: join(dir.path, 'events.db') });
  const reader: EventStore = sealed ? new PersonalDataEventStore(fresh, keys) : fresh;
  const started = performance.now();
  let read = 0;
  for (let from = 1; ; ) {
    const page = await reader.readAll({ fromPosition: from, maxCount: 1000 });
    read += page.length;
    if (page.length < 1000) break;
    from = page[page.length - 1]!.position + 1;
  }
  const readRate = read / ((performance.now() - started) / 1000);
  await fresh.close();
  await store.close();
  if (!sealed) await keys.close();
  dir.remove();
  return { append, read: readRate };
};

export const privacyBenchmark = async ({ quick }: BenchOptions): Promise<Metric[]> => {
  const total = quick ? 10_000 : 50_000;
  const pairs = await interleaved(quick ? 3 : 5, () => run(total, true), () => run(total, false));
  const append = ratioOf('append_durable_unsealed', pairs, (o) => o.append, (a) => a.append);
  const read = ratioOf('read_all_unsealed', pairs, (o) => o.read, (a) => a.read);
  return [
    {
      id: 'append_durable_personal',
      value: round(medianOf(pairs, (p) => p.ours.append)),
      unit: 'events/s',
      anchors: { append_durable_unsealed: round(medianOf(pairs, (p) => p.anchor.append)) },
      ratios: [append],
      // No target of the issue's: the cost is reported (the README and the closing note give it).
      params: { events: total, concurrency: APPEND_CONCURRENCY, customers: CUSTOMERS, sealed_values_per_event: 4 },
    },
    {
      id: 'read_all_personal',
      value: round(medianOf(pairs, (p) => p.ours.read)),
      unit: 'events/s',
      anchors: { read_all_unsealed: round(medianOf(pairs, (p) => p.anchor.read)) },
      // No target: what opening costs a rebuild of a log whose every event holds personal fields.
      ratios: [read],
      params: { events: total, page: 1000, opened_values_per_event: 4 },
    },
  ];
};
