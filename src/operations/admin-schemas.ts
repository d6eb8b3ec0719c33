import { anyJson, arr, bool, dict, int, nullable, obj, oneOf, paged, str, time, withFields } from '../projections/json-schema.js';

/**
 * What the back office's lists answer. A parked event or job is the stored document (its
 * error, attempts, the event or job itself), open to the fields its runner records.
 */
export const parkedPageSchema = paged({ type: 'object', properties: { id: str(), parkedAt: time(), error: str() }, required: ['id'], additionalProperties: true });
/** A discarded one: the parked document as it was, with who discarded it (`admin:<customerId>`, `cli:<user>`), when and why. */
export const discardedPageSchema = paged({
  type: 'object',
  properties: { id: str(), parkedAt: time(), discardedAt: time(), discardedBy: str(), discardReason: str() },
  required: ['id', 'discardedAt', 'discardedBy', 'discardReason'],
  additionalProperties: true,
});

const runner = obj({
  name: str(),
  kind: oneOf('projection', 'process-manager'),
  position: int({ minimum: 0 }),
  lag: nullable(int({ minimum: 0 })),
  lagExact: bool(),
  lagError: str(),
  status: str(),
  owner: nullable(str()),
  epoch: nullable(int()),
}, ['lagError']);

/** Every projection and process manager (GET /admin/projections); a projection names its collection and its last rebuild. */
export const runnersSchema = arr({
  anyOf: [withFields(runner, { collection: str(), lastRebuild: dict(anyJson()) }, ['collection', 'lastRebuild'])],
});

/** The shop's live processes (GET /admin/cluster). */
export const clusterSchema = obj({
  processes: arr(obj({ id: str(), pid: int(), host: str(), port: nullable(int()), startedAt: time(), lastSeenAt: time(), holds: arr(str()) })),
});

export const readinessSchema = obj({
  status: oneOf('ready', 'not-ready'),
  checks: obj({ eventStore: str(), readModels: str(), projections: str(), processManagers: str() }),
  shop: obj({ projections: str(), processManagers: str() }),
});
export const healthSchema = obj({ status: oneOf('ok') });
