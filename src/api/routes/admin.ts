import type { RequestHandler } from 'express';
import { lagCounter, lagFields } from '../../infrastructure/event-store/lag.js';
import type { Document } from '../../infrastructure/read-models/read-model-store.js';
import { ConflictError } from '../../domain/shared/errors.js';
import { discardParkedEvent, discardParkedJob, replayParkedEvent, type DiscardedWork } from '../../operations/parked.js';
import { DISCARDED_JOBS, PARKED_JOBS, requeueParkedJob } from '../../processes/jobs.js';
import { DISCARDED_EVENTS, PARKED_EVENTS } from '../../processes/parked-events.js';

const withoutId = <D extends { _id: string }>({ _id, ...rest }: D) => rest;
import { paged } from '../../projections/paging.js';
import { AUDIT_PAGE, auditOrder, auditStream, parseAsOf } from '../../operations/audit.js';
import { orderAuditSchema, streamAuditSchema } from '../../operations/audit-schemas.js';
import { clusterSchema, discardedPageSchema, parkedPageSchema, runnersSchema } from '../../operations/admin-schemas.js';
import { obj, oneOf, str, time, uuid } from '../../projections/json-schema.js';
import type { AppDeps } from '../deps.js';
import { DiscardBody } from '../dto/admin.js';
import { AuditOrderQuery, AuditStreamQuery } from '../dto/audit.js';
import { ListPageQuery } from '../dto/paging.js';
import { uuidParam } from '../http.js';
import { principalOf } from '../auth.js';
import { defineRoutes } from '../openapi/route-table.js';
import { executionStarted } from '../idempotency.js';
import { parseDto, parseQuery } from '../validation.js';

/** The back office's view of what needs a human: events and jobs that kept failing. */
const handlers = (deps: AppDeps) => {
  const page = (collection: string, sortBy: string) => (query: ListPageQuery) =>
    paged(deps.readModels.collection<Document>(collection), {}, { [sortBy]: -1 }, query, ({ _id, ...rest }) => ({ id: _id, ...rest }));

  // Events a process manager gave up on, with their errors.
  const listParkedEvents: RequestHandler = async (req, res) => {
    res.json(await page(PARKED_EVENTS, 'parkedAt')(await parseQuery(ListPageQuery, req.query)));
  };

  // Jobs (provider calls, emails) that kept failing.
  const listParkedJobs: RequestHandler = async (req, res) => {
    res.json(await page(PARKED_JOBS, 'parkedAt')(await parseQuery(ListPageQuery, req.query)));
  };

  // Parked events and jobs discarded, as they were parked, with who discarded them, when and why.
  const listDiscardedEvents: RequestHandler = async (req, res) => {
    res.json(await page(DISCARDED_EVENTS, 'discardedAt')(await parseQuery(ListPageQuery, req.query)));
  };
  const listDiscardedJobs: RequestHandler = async (req, res) => {
    res.json(await page(DISCARDED_JOBS, 'discardedAt')(await parseQuery(ListPageQuery, req.query)));
  };

  // Every projection and process manager, wherever it runs: where it stands in the log, how many events behind
  // (`lag`, counted up to 1000: `lagExact` false past that), its status (`retrying: <error>`, `failed: <error>`,
  // `unassigned` while no process runs it...), and the process holding its lease (`owner`) under which `epoch`.
  const listProjections: RequestHandler = async (_req, res) => {
    const lagOf = lagCounter(deps.eventStore);
    const rebuilds = new Map((await deps.rebuilds.statuses()).map((r) => [r._id, r]));
    const runners = (await deps.cluster.runners()).map(async ({ name, kind, collection, position, status, owner, epoch }) => {
      const lag = lagFields(await lagOf(position));
      if (kind === 'process-manager') return { name, kind, position, ...lag, status, owner, epoch };
      const rebuild = rebuilds.get(name);
      const shown = rebuild?.status === 'running' ? 'rebuilding' : status;
      return { name, kind, collection, position, ...lag, status: shown, owner, epoch, ...(rebuild ? { lastRebuild: withoutId(rebuild) } : {}) };
    });
    res.json(await Promise.all(runners));
  };

  // The shop's live processes, and the runners each holds.
  const viewCluster: RequestHandler = async (_req, res) => {
    res.json({ processes: await deps.cluster.processes() });
  };

  // Rebuild one projection (or `all`) from the log into a new collection, swapped in when caught up (202).
  const rebuildProjection: RequestHandler = async (req, res) => {
    const name = String(req.params.name);
    await deps.rebuilds.start([name]);
    // Only a rebuild that started is this key's answer: an unknown name (404) or one already running (409) is not.
    executionStarted(req);
    res.status(202).location('/api/v1/admin/projections').json({ name, status: 'rebuilding' });
  };

  // Replay a parked event on its saga as it stands now; 409 when it fails again.
  const replayEvent: RequestHandler = async (req, res) => {
    executionStarted(req);
    const result = await replayParkedEvent(deps.readModels, deps.processes, String(req.params.id));
    if (!result.replayed) throw new ConflictError(`the event still fails: ${result.error}`);
    res.json({ id: req.params.id, replayed: true });
  };

  // Put a parked job back in the queue (202): it runs again shortly.
  const replayJob: RequestHandler = async (req, res) => {
    executionStarted(req);
    await requeueParkedJob(deps.readModels, String(req.params.id), deps.clock());
    deps.jobs.wake();
    res.status(202).json({ id: req.params.id, status: 'queued' });
  };

  // Take a parked event or job out of the parked work for good, keeping it (and who, when, why) in discarded_events / discarded_jobs.
  const discard = (discardParked: typeof discardParkedEvent): RequestHandler => async (req, res) => {
    const { reason } = await parseDto(DiscardBody, req.body);
    executionStarted(req);
    const by = `admin:${principalOf(req).customerId}`;
    res.json(discardedAnswer(await discardParked(deps.readModels, String(req.params.id), { reason, by, at: deps.clock().toISOString() })));
  };
  const discardEvent = discard(discardParkedEvent);
  const discardJob = discard(discardParkedJob);

  // A stream's events with metadata and the state after each; `?asOf=<revision|time>` adds the state then.
  const auditStreamEvents: RequestHandler = async (req, res) => {
    const { asOf, fromRevision, limit } = await parseQuery(AuditStreamQuery, req.query);
    res.json(await auditStream(deps, String(req.params.stream), parseAsOf(asOf), { fromRevision, limit }));
  };

  // An order's state (as of `?asOf=`) and its timeline across every stream its saga touched.
  const auditOrderTimeline: RequestHandler = async (req, res) => {
    const { asOf } = await parseQuery(AuditOrderQuery, req.query);
    res.json(await auditOrder(deps, uuidParam(req, 'id', 'order'), parseAsOf(asOf)));
  };

  return { listParkedEvents, listParkedJobs, listDiscardedEvents, listDiscardedJobs, listProjections, viewCluster, rebuildProjection, replayEvent, replayJob, discardEvent, discardJob, auditStreamEvents, auditOrderTimeline };
};

const HOLD_NOTE =
  'A replay or a discard of a parked event holds it while it runs (a replay runs its commands before it writes its outcome): ' +
  'the other, or a second replay, answers 409 meanwhile; try again. A hold whose process died lapses after two minutes.';
const discardedAnswer = ({ _id, discardedAt, discardedBy, discardReason }: DiscardedWork) => ({ id: _id, discarded: true, discardedAt, discardedBy, reason: discardReason });
const discardedSchema = obj({ id: str(), discarded: { const: true }, discardedAt: time(), discardedBy: str(), reason: str() });
const DISCARDED_EXAMPLE = { discarded: true, discardedAt: '2025-01-01T12:00:00.000Z', discardedBy: 'admin:5b0c7e1a-2f4d-4c8e-9a6b-1d3f5e7a9c2b', reason: 'the address no longer exists' };
const DISCARD_NOTE =
  'It leaves the parked list and the `parked_total` gauge for good, and is kept, as it was parked, with who discarded it, when and why ' +
  '(discarded_events / discarded_jobs in the read-model store). Something no longer parked (discarded already, replayed, unknown) answers 404, ' +
  'as its replay does then.';

const ORDER_ID = '0e6f3a8b-1c2d-4e5f-9a0b-7c8d9e0f1a2b';
const PAGE = { page: '1', pageSize: '20' };
const EMPTY_PAGE = { items: [], total: 0, page: 1, pageSize: 20 };

export const adminRoutes = defineRoutes({
  prefix: '/admin',
  edge: 'api',
  tag: 'Back office',
  routes: {
    listParkedEvents: {
      method: 'get', path: '/parked-events', role: 'admin', readModels: false, summary: 'Events a process manager gave up on, with their errors', query: ListPageQuery,
      success: { status: 200, description: 'One page, most recently parked first.', schema: parkedPageSchema },
      problems: [], example: { query: PAGE, response: EMPTY_PAGE },
    },
    listParkedJobs: {
      method: 'get', path: '/parked-jobs', role: 'admin', readModels: false, summary: 'Jobs (provider calls, emails) that kept failing', query: ListPageQuery,
      success: { status: 200, description: 'One page, most recently parked first.', schema: parkedPageSchema },
      problems: [], example: { query: PAGE, response: EMPTY_PAGE },
    },
    listDiscardedEvents: {
      method: 'get', path: '/discarded-events', role: 'admin', readModels: false, summary: 'Parked events an operator discarded, with who discarded them, when and why', query: ListPageQuery,
      success: { status: 200, description: 'One page, most recently discarded first.', schema: discardedPageSchema },
      problems: [], example: { query: PAGE, response: EMPTY_PAGE },
    },
    listDiscardedJobs: {
      method: 'get', path: '/discarded-jobs', role: 'admin', readModels: false, summary: 'Parked jobs an operator discarded, with who discarded them, when and why', query: ListPageQuery,
      success: { status: 200, description: 'One page, most recently discarded first.', schema: discardedPageSchema },
      problems: [], example: { query: PAGE, response: EMPTY_PAGE },
    },
    listProjections: {
      method: 'get', path: '/projections', role: 'admin', readModels: false, summary: 'Every projection and process manager: position, lag, status, lease holder',
      success: { status: 200, description: 'The runners.', schema: runnersSchema },
      problems: [],
      example: { response: [{ name: 'orders', kind: 'projection', collection: 'orders', position: 42, lag: 0, lagExact: true, status: 'live', owner: 'host-1:4242', epoch: 1 }] },
    },
    viewCluster: {
      method: 'get', path: '/cluster', role: 'admin', readModels: false, summary: "The shop's live processes and the runners each holds",
      success: { status: 200, description: 'The processes.', schema: clusterSchema },
      problems: [],
      example: { response: { processes: [{ id: 'host-1:4242', pid: 4242, host: 'host-1', port: 3000, startedAt: '2025-01-01T10:00:00.000Z', lastSeenAt: '2025-01-01T10:05:00.000Z', holds: ['orders'] }] } },
    },
    rebuildProjection: {
      method: 'post', path: '/projections/:name/rebuild', role: 'admin', command: false, summary: 'Rebuild one projection (or `all`) from the log into a new collection, swapped in when caught up',
      params: { name: str() },
      success: { status: 202, description: 'The rebuild started.', schema: obj({ name: str(), status: oneOf('rebuilding') }) },
      problems: [404, 409], headers: ['Location'],
      example: { response: { name: 'orders', status: 'rebuilding' } },
    },
    replayEvent: {
      method: 'post', path: '/parked-events/:id/replay', role: 'admin', command: false, summary: 'Replay a parked event on its saga as it stands now; 409 when it fails again',
      description: `${HOLD_NOTE} 409 as well when the event fails again (its error recorded, the event still parked).`,
      params: { id: str() },
      success: { status: 200, description: 'Replayed.', schema: obj({ id: str(), replayed: { const: true } }) },
      problems: [404, 409], example: { response: { id: 'order-saga:42', replayed: true } },
    },
    replayJob: {
      method: 'post', path: '/parked-jobs/:id/replay', role: 'admin', command: false, summary: 'Put a parked job back in the queue: it runs again shortly',
      description: 'Parking writes the parked job, then takes it out of the queue (a crash in between leaves it in both, never in neither): a replay in that moment, or of a job queued again already, answers 409; try again.',
      params: { id: str() },
      success: { status: 202, description: 'Queued.', schema: obj({ id: str(), status: oneOf('queued') }) },
      problems: [404, 409], example: { response: { id: 'charge:1b2c', status: 'queued' } },
    },
    discardEvent: {
      method: 'post', path: '/parked-events/:id/discard', role: 'admin', command: false, summary: 'Discard a parked event: it is not to be handled again (the operator resolved it by hand)',
      description: `${DISCARD_NOTE} ${HOLD_NOTE}`,
      params: { id: str() }, body: DiscardBody,
      success: { status: 200, description: 'Discarded.', schema: discardedSchema },
      problems: [404, 409], example: { body: { reason: DISCARDED_EXAMPLE.reason }, response: { id: 'order-saga:42', ...DISCARDED_EXAMPLE } },
    },
    discardJob: {
      method: 'post', path: '/parked-jobs/:id/discard', role: 'admin', command: false, summary: 'Discard a parked job: it is not to run again (an email to an address that no longer exists)',
      description: `${DISCARD_NOTE} A job parked and still queued (parking not finished) or queued again answers 409, as it may still run; try again.`,
      params: { id: str() }, body: DiscardBody,
      success: { status: 200, description: 'Discarded.', schema: discardedSchema },
      problems: [404, 409], example: { body: { reason: DISCARDED_EXAMPLE.reason }, response: { id: 'send-notification:1b2c', ...DISCARDED_EXAMPLE } },
    },
    auditStreamEvents: {
      method: 'get', path: '/audit/streams/:stream', role: 'admin', readModels: false, summary: "A stream's events with metadata and the state after each; `asOf` (revision or time) adds the state then",
      description: `One page of the stream: from \`fromRevision\`, at most \`limit\` events (default ${AUDIT_PAGE.events}, at most ${AUDIT_PAGE.maxEvents}), `
        + `and no more than fit in ${AUDIT_PAGE.bytes / 1024 / 1024} MiB of JSON (each event carries the state after it, which for a hot SKU is large; the first event of the page is listed whatever its size). `
        + '`nextFromRevision` is the `fromRevision` of the next page (null at the end): the pages cover every event once. The state is folded from the stream\'s start, in chunks that let other requests through.',
      params: { stream: str() }, query: AuditStreamQuery,
      success: { status: 200, description: 'The audit of the stream: one page of its events.', schema: streamAuditSchema },
      problems: [404], example: { query: { limit: '100' }, response: { streamName: `order-${ORDER_ID}`, total: 1, events: [], nextFromRevision: null, asOf: null, state: null } },
    },
    auditOrderTimeline: {
      method: 'get', path: '/audit/orders/:id', role: 'admin', readModels: false, summary: "An order's state (as of `asOf`) and its timeline across every stream its saga touched",
      params: { id: uuid() }, query: AuditOrderQuery,
      success: { status: 200, description: 'The order then and its timeline.', schema: orderAuditSchema },
      problems: [404], example: { query: { asOf: '2025-01-01T12:00:00Z' }, response: { orderId: ORDER_ID, asOf: { time: '2025-01-01T12:00:00Z' }, state: { status: 'Paid' }, timeline: [] } },
    },
  },
  handlers,
});
