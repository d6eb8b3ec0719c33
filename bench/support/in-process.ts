import { join } from 'node:path';
import { pino } from 'pino';
import { compose } from '../../src/api/composition-root.js';
import { loggerOptions } from '../../src/api/log-privacy.js';
import type { AppDeps } from '../../src/api/deps.js';
import { loadConfig } from '../../src/config.js';
import { tempDir } from '../../test/support/temp-dir.js';
import { shopEnv, type Running } from './processes.js';

/**
 * The shop composed in this process, exactly as main.js composes it (its logs go to a file
 * asynchronously, as main.js writes them to stdout), for benchmarks that watch it from inside.
 */
export const startShopHere = async (env: Record<string, string> = {}): Promise<Running & { deps: AppDeps; dataDir: string }> => {
  const dir = tempDir('bench-shop-here-');
  const config = loadConfig({ ...shopEnv(dir.path, env), HOST: '127.0.0.1', PORT: '0' });
  const destination = pino.destination({ dest: join(dir.path, 'server.log'), sync: false });
  const system = await compose(config, pino(loggerOptions(config.logLevel), destination));
  const port = await system.start();
  return {
    url: `http://127.0.0.1:${port}`,
    // This process: the benchmark's own readings would count in it.
    pid: process.pid,
    deps: system.deps,
    dataDir: dir.path,
    stop: async () => {
      await system.stop();
      destination.flushSync();
      dir.remove();
    },
  };
};

