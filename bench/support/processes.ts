import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { killServer, startServer, type ServerProcess } from '../../test/support/server-process.js';
import { tempDir } from '../../test/support/temp-dir.js';

/** Servers the benchmarks talk to, each in a process of its own, on 127.0.0.1 and a free port. */

/** A server the benchmark started: its pid for /proc readings (process-usage.ts), undefined if it has none. */
export type Running = { url: string; pid: number | undefined; stop: () => Promise<void> };

/** How the benchmarks configure the shop: embedded stores in a temp dir, no rate limit, production logging. */
export const shopEnv = (dataDir: string, env: Record<string, string>): Record<string, string> => ({
  DATA_DIR: dataDir,
  SEED_DEMO: 'false',
  ADMIN_EMAIL: 'bench@shop.local',
  ADMIN_PASSWORD: 'bench-password',
  RATE_LIMIT_PER_MINUTE: '0',
  // The benchmarks' set-ups register and sign in 150-200 shoppers from one address.
  CREDENTIAL_ATTEMPTS_PER_MINUTE: '0',
  PASSWORD_HASHES_IN_FLIGHT: '0',
  LOG_LEVEL: 'info',
  PASSWORD_HASH_COST: '10',
  ...env,
});

/** The shop as `npm start` runs it (dist/src/main.js), in a process of its own. */
export const startShop = async (env: Record<string, string> = {}, nodeArgs: string[] = []): Promise<Running & { server: ServerProcess; dataDir: string }> => {
  const dir = tempDir('bench-shop-');
  // BENCH_CPU_PROF=<dir>: the server writes a CPU profile there when it stops (node --cpu-prof).
  const profile = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
  // BENCH_NODE_ARGS="--flag ...": node flags for the shop's server process only (a diagnostic: GC settings, tracing).
  const extra = process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  const server = await startServer(shopEnv(dir.path, env), 20_000, [...profile, ...extra, ...nodeArgs]);
  return {
    server,
    dataDir: dir.path,
    url: server.url,
    pid: server.child.pid,
    stop: async () => {
      await killServer(server, 'SIGTERM');
      dir.remove();
    },
  };
};

const BARE = fileURLToPath(new URL('./bare-server.js', import.meta.url));

/** A bare express or node:http server answering `answer` to everything. */
export const startBare = (kind: 'express' | 'node', answer: unknown): Promise<Running> => {
  const dir = tempDir('bench-bare-');
  const file = `${dir.path}/answer.json`;
  writeFileSync(file, JSON.stringify(answer));
  const child: ChildProcess = spawn(process.execPath, [BARE, kind, file], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`bare ${kind} server exited with ${code}`)));
    createInterface({ input: child.stdout! }).once('line', (line) => {
      const { port } = JSON.parse(line) as { port: number };
      resolve({
        url: `http://127.0.0.1:${port}`,
        pid: child.pid,
        stop: async () => {
          child.kill('SIGTERM');
          await new Promise((done) => child.once('exit', done));
          dir.remove();
        },
      });
    });
  });
};

/**
 * A small JSON client over node:http with keep-alive connections: light enough to run next
 * to the server on a 2-core machine without being the bottleneck (fetch costs several
 * times more CPU per request).
 */
export const client = (base: string) => {
  // Idle sockets are closed after 4 s, before the server's 5 s keep-alive timeout: else a
  // request after a pause can go out on a socket the server is closing (EPIPE, ECONNRESET).
  const agent = new Agent({ keepAlive: true, maxSockets: 256, timeout: 4000 });
  return (method: string, path: string, token?: string, body?: unknown): Promise<any> =>
    new Promise((resolve, reject) => {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const req = request(
        `${base}${path}`,
        {
          agent,
          method,
          headers: {
            'content-type': 'application/json',
            ...(payload ? { 'content-length': Buffer.byteLength(payload) } : {}),
            ...(token ? { authorization: `Bearer ${token}` } : {}),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            if ((res.statusCode ?? 500) >= 400) return reject(new Error(`${method} ${path} → ${res.statusCode} ${text}`));
            resolve(text ? JSON.parse(text) : undefined);
          });
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
};
