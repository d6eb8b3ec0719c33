import { Router } from 'express';
import { lagCounter, lagFields } from '../../infrastructure/event-store/lag.js';
import type { Document } from '../../infrastructure/read-models/read-model-store.js';
import { ConflictError } from '../../domain/shared/errors.js';
import { replayParkedEvent } from '../../operations/parked.js';
import { PARKED_JOBS, requeueParkedJob } from '../../processes/jobs.js';
import { PARKED_EVENTS } from '../../processes/runner.js';

const withoutId = <D extends { _id: string }>({ _id, ...rest }: D) => rest;
import { paged } from '../../projections/paging.js';
import { auditOrder, auditStream, parseAsOf } from '../../operations/audit.js';
import { requireAdmin } from '../auth.js';
import type { AppDeps } from '../deps.js';
import { AuditOrderQuery, AuditStreamQuery } from '../dto/audit.js';
import { PageQuery } from '../dto/paging.js';
import { uuidParam } from '../http.js';
import { executionStarted } from '../idempotency.js';
import { parseQuery } from '../validation.js';

/** The back office's view of what needs a human: events and jobs that kept failing. */
export const adminRoutes = (deps: AppDeps): Router => {
  const router = Router();
  router.use(requireAdmin);

  const page = (collection: string, sortBy: string) => (query: PageQuery) =>
    paged(deps.readModels.collection<Document>(collection), {}, { [sortBy]: -1 }, query, ({ _id, ...rest }) => ({ id: _id, ...rest }));

  // Events a process manager gave up on, with their errors.
  router.get('/parked-events', async (req, res) => {
    res.json(await page(PARKED_EVENTS, 'parkedAt')(await parseQuery(PageQuery, req.query)));
  });

  // Jobs (provider calls, emails) that kept failing.
  router.get('/parked-jobs', async (req, res) => {
    res.json(await page(PARKED_JOBS, 'parkedAt')(await parseQuery(PageQuery, req.query)));
  });

  // Every projection and process manager, wherever it runs: where it stands in the log, how many events behind
  // (`lag`, counted up to 1000: `lagExact` false past that), its status (`retrying: <error>`, `failed: <error>`,
  // `unassigned` while no process runs it...), and the process holding its lease (`owner`) under which `epoch`.
  router.get('/projections', async (_req, res) => {
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
  });

  // The shop's live processes, and the runners each holds.
  router.get('/cluster', async (_req, res) => {
    res.json({ processes: await deps.cluster.processes() });
  });

  // Rebuild one projection (or `all`) from the log into a new collection, swapped in when caught up (202).
  router.post('/projections/:name/rebuild', async (req, res) => {
    const name = String(req.params.name);
    await deps.rebuilds.start([name]);
    // Only a rebuild that started is this key's answer: an unknown name (404) or one already running (409) is not.
    executionStarted(req);
    res.status(202).location('/api/v1/admin/projections').json({ name, status: 'rebuilding' });
  });

  // Replay a parked event on its saga as it stands now; 409 when it fails again.
  router.post('/parked-events/:id/replay', async (req, res) => {
    executionStarted(req);
    const result = await replayParkedEvent(deps.readModels, deps.processes, String(req.params.id));
    if (!result.replayed) throw new ConflictError(`the event still fails: ${result.error}`);
    res.json({ id: req.params.id, replayed: true });
  });

  // Put a parked job back in the queue (202): it runs again shortly.
  router.post('/parked-jobs/:id/replay', async (req, res) => {
    executionStarted(req);
    await requeueParkedJob(deps.readModels, String(req.params.id), deps.clock());
    deps.jobs.wake();
    res.status(202).json({ id: req.params.id, status: 'queued' });
  });

  // A stream's events with metadata and the state after each; `?asOf=<revision|time>` adds the state then.
  router.get('/audit/streams/:stream', async (req, res) => {
    const { asOf, fromRevision, limit } = await parseQuery(AuditStreamQuery, req.query);
    res.json(await auditStream(deps, String(req.params.stream), parseAsOf(asOf), { fromRevision, limit }));
  });

  // An order's state (as of `?asOf=`) and its timeline across every stream its saga touched.
  router.get('/audit/orders/:id', async (req, res) => {
    const { asOf } = await parseQuery(AuditOrderQuery, req.query);
    res.json(await auditOrder(deps, uuidParam(req, 'id', 'order'), parseAsOf(asOf)));
  });

  return router;
};
