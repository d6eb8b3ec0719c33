import { RUNNER_COUNT } from '../../test/support/shop-processes.js';
import { performance } from 'node:perf_hooks';
import { killServer, startServer, type ServerProcess } from '../../test/support/server-process.js';
import { tempDir } from '../../test/support/temp-dir.js';
import { histogram, round, sleep, type BenchOptions, type Metric } from '../support/metrics.js';
import { shopEnv } from '../support/processes.js';

/**
 * failover_ms: three shop processes on one DATA_DIR (the embedded default); the one that
 * holds the `products` projection is killed (SIGKILL: no lease given back), a product is
 * created at once through a survivor, and the clock stops when that product can be read
 * through the survivor: the first event applied by the projection's successor. Repeated
 * over several kills, each with a new third process started in the dead one's place and
 * the runners balanced again first. The lease's length is the anchor (target: at most two of
 * them); so is the same create → readable with nobody killed, measured in the same run.
 */

const RUNNER = 'products';

type Proc = { id: string; pid: number; port: number | null; holds: string[] };

export const failover = async ({ quick }: BenchOptions): Promise<Metric> => {
  const leaseMs = quick ? 2000 : 5000;
  const kills = quick ? 5 : 7;
  const dir = tempDir('bench-failover-');
  const env = shopEnv(dir.path, { LEASE_MS: String(leaseMs), LOG_LEVEL: 'warn' });
  const servers: ServerProcess[] = [];
  const live = () => servers.filter((s) => s.child.exitCode === null && s.child.signalCode === null);
  const start = async () => {
    // LOG_LEVEL warn, but where it listens is always logged, which startServer waits for.
    servers.push(await startServer(env, 60_000));
  };
  try {
    for (let i = 0; i < 3; i += 1) await start();
    const admin = String((await call(live()[0]!, 'POST', '/api/v1/account/login', undefined, { email: 'bench@shop.local', password: 'bench-password' })).body.token);
    const steady = histogram();
    const lost = histogram();
    let sku = 0;
    const createAndWait = async (via: ServerProcess) => {
      const started = performance.now();
      const created = await call(via, 'POST', '/api/v1/products', admin, {
        sku: `FAILOVER-${(sku += 1)}`, name: 'Failover probe', description: '', brand: 'Bench', category: 'Bench', price: { amount: 100, currency: 'USD' },
      });
      if (created.status !== 201) throw new Error(`create answered ${created.status}`);
      while ((await call(via, 'GET', `/api/v1/products/${created.body.productId}`)).status !== 200) await sleep(2);
      return performance.now() - started;
    };

    for (let kill = 0; kill < kills; kill += 1) {
      const processes = await balanced(live()[0]!, admin, 3);
      const holder = processes.find((p) => p.holds.includes(RUNNER))!;
      const victim = live().find((s) => s.child.pid === holder.pid)!;
      const survivor = live().find((s) => s !== victim)!;
      steady.recordMs(await createAndWait(survivor));
      const killedAt = performance.now();
      victim.child.kill('SIGKILL');
      await createAndWait(survivor);
      lost.recordMs(performance.now() - killedAt);
      await victim.exited;
      const after = await balanced(survivor, admin, 2);
      if (after.some((p) => p.pid === holder.pid)) throw new Error('the killed process still holds leases');
      await start();
    }

    const p = (q: number) => round(lost.percentileMs(q), 0);
    return {
      id: 'failover_ms',
      value: p(50),
      unit: 'ms',
      anchors: { lease_ms: leaseMs, p99_ms: p(99), max_ms: p(100), steady_apply_p50_ms: round(steady.percentileMs(50), 1) },
      target: '<= 2 x LEASE_MS (p99)',
      met: lost.percentileMs(99) <= 2 * leaseMs,
      params: { processes: 3, kills, runner: RUNNER, heartbeat_ms: Math.floor(leaseMs / 3) },
    };
  } finally {
    await Promise.all(servers.map((s) => killServer(s, 'SIGKILL')));
    dir.remove();
  }
};

/** Waits until `count` processes are live and the runners are spread over them (each held once, shares differing by one at most). */
const balanced = async (via: ServerProcess, admin: string, count: number): Promise<Proc[]> => {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const res = await call(via, 'GET', '/api/v1/admin/cluster', admin);
    const processes = (res.body?.processes ?? []) as Proc[];
    const held = processes.flatMap((p) => p.holds);
    const shares = processes.map((p) => p.holds.length);
    if (processes.length === count && held.length === RUNNER_COUNT && new Set(held).size === RUNNER_COUNT && Math.max(...shares) - Math.min(...shares) <= 1) return processes;
    await sleep(50);
  }
  throw new Error(`the runners were not spread over ${count} processes in time`);
};

const call = async (server: ServerProcess, method: string, path: string, token?: string, body?: unknown) => {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
};
