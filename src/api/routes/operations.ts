import { Router } from 'express';
import { statusLine } from '../../infrastructure/event-store/log-follower.js';
import type { AppDeps } from '../deps.js';

/** Liveness, readiness and metrics: no authentication, no rate limit. */
export const operationsRoutes = (deps: AppDeps): Router => {
  const router = Router();

  // The process is up and serving.
  router.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });

  // Both stores answer and the read models follow the log live; else what each is doing (`retrying: <error>`...).
  router.get('/ready', async (_req, res) => {
    const behind = deps.processes.find((p) => !p.caughtUp);
    const checks = {
      eventStore: await reachable(() => deps.eventStore.headPosition()),
      readModels: await reachable(() => deps.readModels.ping()),
      projections: deps.projections.caughtUp ? 'ok' : statusLine(deps.projections),
      processManagers: behind ? `${behind.name}: ${statusLine(behind)}` : 'ok',
    };
    const ready = Object.values(checks).every((value) => value === 'ok');
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not-ready', checks });
  });

  // Prometheus text format.
  router.get('/metrics', async (_req, res) => {
    res.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });

  return router;
};

const reachable = async (probe: () => Promise<unknown>): Promise<string> => {
  try {
    await probe();
    return 'ok';
  } catch (error) {
    return error instanceof Error ? error.message : 'unreachable';
  }
};
