import { Router } from 'express';
import type { RunnerState } from '../../cluster/view.js';
import type { AppDeps } from '../deps.js';

/** Liveness, readiness and metrics: no authentication, no rate limit. */
export const operationsRoutes = (deps: AppDeps): Router => {
  const router = Router();

  // The process is up and serving.
  router.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });

  // Ready to serve: both stores answer, and the read models and process managers follow the log
  // live (else what each is doing: `retrying: <error>`, `catching-up`, `unassigned`...). Until this
  // process has first been ready, that is every runner of the shop, wherever it runs: a process
  // (re)started does not take traffic before the read models have caught up with the log. From
  // then on it is the runners THIS process holds: one that another process gave back, or that a
  // successor is taking over, does not make every process of the shop unready at once (a load
  // balancer would take them all out of rotation because one stopped or died). `shop` always says
  // how the whole shop's runners stand (as GET /api/v1/admin/projections does in detail).
  let beenReady = false;
  router.get('/ready', async (_req, res) => {
    const runners = await deps.cluster.runners().catch((error: unknown): RunnerState[] | string => (error instanceof Error ? error.message : 'unreachable'));
    const mine = typeof runners === 'string' || !beenReady ? runners : runners.filter((r) => r.owner === deps.cluster.processId);
    const checks = {
      eventStore: await reachable(() => deps.eventStore.headPosition()),
      readModels: await reachable(() => deps.readModels.ping()),
      ...runnerChecks(mine),
    };
    const ready = Object.values(checks).every((value) => value === 'ok');
    beenReady ||= ready;
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not-ready', checks, shop: runnerChecks(runners) });
  });

  // Prometheus text format.
  router.get('/metrics', async (_req, res) => {
    res.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });

  return router;
};

const runnerChecks = (runners: RunnerState[] | string) => ({
  projections: typeof runners === 'string' ? runners : projectionsCheck(runners.filter((r) => r.kind === 'projection')),
  processManagers: typeof runners === 'string' ? runners : processCheck(runners.filter((r) => r.kind === 'process-manager')),
});

/** One status when the projections that lag share it (they run together), else the first one's with its name. */
const projectionsCheck = (projections: RunnerState[]): string => {
  const behind = projections.filter((p) => !p.caughtUp);
  if (behind.length === 0) return 'ok';
  return behind.every((p) => p.status === behind[0]!.status) ? behind[0]!.status : `${behind[0]!.name}: ${behind[0]!.status}`;
};

const processCheck = (processes: RunnerState[]): string => {
  const behind = processes.find((p) => !p.caughtUp);
  return behind ? `${behind.name}: ${behind.status}` : 'ok';
};

const reachable = async (probe: () => Promise<unknown>): Promise<string> => {
  try {
    await probe();
    return 'ok';
  } catch (error) {
    return error instanceof Error ? error.message : 'unreachable';
  }
};
