import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { killServer, startServer, type ServerProcess } from '../../test/support/server-process.js';
import { tempDir } from '../../test/support/temp-dir.js';

/** Servers the benchmarks talk to, each in a process of its own, on 127.0.0.1 and a free port. */

export type Running = { url: string; stop: () => Promise<void> };

/** The shop, on the embedded stores in a temp dir, tuned for load (no rate limit, quiet logs). */
export const startShop = async (env: Record<string, string> = {}, nodeArgs: string[] = []): Promise<Running & { server: ServerProcess; dataDir: string }> => {
  const dir = tempDir('bench-shop-');
  const server = await startServer({
    DATA_DIR: dir.path,
    SEED_DEMO: 'false',
    ADMIN_EMAIL: 'bench@shop.local',
    ADMIN_PASSWORD: 'bench-password',
    RATE_LIMIT_PER_MINUTE: '0',
    LOG_LEVEL: 'info',
    PASSWORD_HASH_COST: '10',
    ...env,
  }, 20_000, nodeArgs);
  return {
    server,
    dataDir: dir.path,
    url: server.url,
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
        stop: async () => {
          child.kill('SIGTERM');
          await new Promise((done) => child.once('exit', done));
          dir.remove();
        },
      });
    });
  });
};

/** A small JSON client for setting a shop up. */
export const client = (base: string) => async (method: string, path: string, token?: string, body?: unknown) => {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  if (res.status >= 400) throw new Error(`${method} ${path} → ${res.status} ${text}`);
  return (text ? JSON.parse(text) : undefined) as any;
};
