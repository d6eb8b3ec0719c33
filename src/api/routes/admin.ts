import { Router } from 'express';
import type { Document } from '../../infrastructure/read-models/read-model-store.js';
import { PARKED_JOBS } from '../../processes/jobs.js';
import { PARKED_EVENTS } from '../../processes/runner.js';
import { requireAdmin } from '../auth.js';
import type { AppDeps } from '../deps.js';
import { PageQuery } from '../dto/orders.js';
import { parseQuery } from '../validation.js';

/** The back office's view of what needs a human: events and jobs that kept failing. */
export const adminRoutes = (deps: AppDeps): Router => {
  const router = Router();
  router.use(requireAdmin);

  const page = (collection: string, sortBy: string) => async (query: PageQuery) => {
    const docs = deps.readModels.collection<Document>(collection);
    const [items, total] = await Promise.all([
      docs.find({}, { sort: { [sortBy]: -1, _id: 1 }, skip: (query.page - 1) * query.pageSize, limit: query.pageSize }),
      docs.countDocuments({}),
    ]);
    return { items: items.map(({ _id, ...rest }) => ({ id: _id, ...rest })), total, page: query.page, pageSize: query.pageSize };
  };

  // Events a process manager gave up on, with their errors.
  router.get('/parked-events', async (req, res) => {
    res.json(await page(PARKED_EVENTS, 'parkedAt')(await parseQuery(PageQuery, req.query)));
  });

  // Jobs (provider calls, emails) that kept failing.
  router.get('/parked-jobs', async (req, res) => {
    res.json(await page(PARKED_JOBS, 'parkedAt')(await parseQuery(PageQuery, req.query)));
  });

  return router;
};
