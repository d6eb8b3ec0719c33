import { pino } from 'pino';
import { eventSchema } from '../../src/domain/shared/event-schema.js';
import { UPCASTERS } from '../../src/domain/upcasters.js';
import { SqliteEventStore } from '../../src/infrastructure/event-store/sqlite-event-store.js';
import { EmbeddedReadModelStore } from '../../src/infrastructure/read-models/embedded-read-model-store.js';
import { ALL_PROJECTIONS } from '../../src/projections/index.js';
import { ProjectionRunner } from '../../src/projections/runner.js';

/**
 * Every projection of the shop, run in a process of its own over another process's
 * events.db, into a read-model file of its own: `node follower-process.js <events.db>
 * <read-models.db> <options.json>` (SqliteEventStore's options, the path aside). Once it has
 * caught up it sends `{ready, position}`; then it notes when each position became visible
 * in its read models (process.hrtime, which every process of the host reads from one
 * clock), and when told to stop (`{until}`: once it has that position) sends them all as `{applied: [[from, to, atNs], ...]}` and exits:
 * nothing is sent while it measures, so the measured process's loop is not disturbed.
 */

const [events, readModels, options] = process.argv.slice(2) as [string, string, string];
const eventStore = new SqliteEventStore({ ...(JSON.parse(options) as object), path: events });
const store = new EmbeddedReadModelStore({ path: readModels });
const runner = new ProjectionRunner({ eventStore, readModels: store, schema: eventSchema(UPCASTERS), logger: pino({ level: 'silent' }) }, ALL_PROJECTIONS);
await runner.start();
const head = await eventStore.headPosition();
while (!(await runner.waitFor(head, 60_000)));

const applied: Array<[number, number, string]> = [];
let stopping = false;
process.on('message', async (message: { until: number }) => {
  await runner.waitFor(message.until, 10_000); // what was appended before the stop, if it comes in time
  stopping = true;
  await runner.stop();
  process.send!({ applied }, () => {
    void Promise.all([eventStore.close(), store.close()]).then(() => process.exit(0));
  });
});
process.send!({ ready: true, position: runner.checkpoint });

// Each wait resolves in the turn the runner has written a batch: every position up to its checkpoint is visible from then.
let next = runner.checkpoint + 1;
while (!stopping) {
  if (!(await runner.waitFor(next, 1000))) continue;
  const at = process.hrtime.bigint();
  applied.push([next, runner.checkpoint, at.toString()]);
  next = runner.checkpoint + 1;
}
