import type { RequestHandler } from 'express';
import { healthSchema, readinessSchema } from '../../operations/admin-schemas.js';
import type { RunnerState } from '../../cluster/view.js';
import type { AppDeps } from '../deps.js';
import { defineRoutes } from '../openapi/route-table.js';

/** Liveness, readiness and metrics: no authentication, no rate limit. */
const handlers = (deps: AppDeps) => {
  // The process is up and serving.
  const health: RequestHandler = (_req, res) => {
    res.json({ status: 'ok' });
  };

  // Ready to serve: both stores answer, and the read models and process managers follow the log
  // live (else what each is doing: `retrying: <error>`, `catching-up`, `unassigned`...). Until this
  // process has first been ready, that is every runner of the shop, wherever it runs: a process
  // (re)started does not take traffic before the read models have caught up with the log. From
  // then on it is the runners THIS process holds: one that another process gave back, or that a
  // successor is taking over, does not make every process of the shop unready at once (a load
  // balancer would take them all out of rotation because one stopped or died). `shop` always says
  // how the whole shop's runners stand (as GET /api/v1/admin/projections does in detail).
  let beenReady = false;
  const readiness: RequestHandler = async (_req, res) => {
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
  };

  // Prometheus text format.
  const metrics: RequestHandler = async (_req, res) => {
    res.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  };

  return { health, readiness, metrics };
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

export const operationsRoutes = defineRoutes({
  prefix: '',
  edge: 'root',
  tag: 'Operations',
  routes: {
    health: {
      method: 'get', path: '/health', role: 'anonymous', summary: 'Liveness: the process is up and serving',
      success: { status: 200, description: 'Up.', schema: healthSchema },
      problems: [], example: { response: { status: 'ok' } },
    },
    readiness: {
      method: 'get', path: '/ready', role: 'anonymous', summary: 'Readiness: the stores answer and the read models and process managers follow the log live',
      description: 'Answers 503 (same shape, `status: not-ready`) while a check fails; each check is `ok` or what it is doing. Until the process has first been ready the runner checks cover every runner of the shop; from then on those this process holds. `shop` gives the whole shop\'s runners.',
      success: { status: [200, 503], description: 'Ready (200) or not yet (503).', schema: readinessSchema },
      problems: [],
      example: { response: { status: 'ready', checks: { eventStore: 'ok', readModels: 'ok', projections: 'ok', processManagers: 'ok' }, shop: { projections: 'ok', processManagers: 'ok' } } },
    },
    metrics: {
      method: 'get', path: '/metrics', role: 'anonymous', summary: 'Prometheus metrics (text exposition format)',
      success: { status: 200, description: 'The metrics.', schema: { type: 'string' }, contentType: 'text/plain' },
      problems: [], example: { response: '# HELP http_requests_total ...' },
    },
  },
  handlers,
});
