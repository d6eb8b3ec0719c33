import 'reflect-metadata';
import { replayEarlySignals } from './early-signals.js';
import cluster from 'node:cluster';
import { pino } from 'pino';
import { superviseWorkers } from './cluster/workers.js';
import { workerStop, type WorkerStop } from './cluster/worker-stop.js';
import { loggerOptions } from './api/log-privacy.js';
import type { System } from './api/lifecycle.js';
import { ConfigError, loadConfig } from './config.js';

/** How long a worker may take to stop beyond its jobs' grace (the HTTP requests in flight, giving the leases back, closing the stores) before the primary kills it. */
const WORKER_STOP_MARGIN_MS = 15_000;

/** What `npm start` runs (src/main.ts loads it; with WORKERS=n, the primary of n of these). Configuration comes from the environment (see README). */
const main = async () => {
  const config = loadConfig();
  // Logs are written asynchronously (a request does not wait for stdout) and flushed on shutdown.
  const destination = pino.destination({ sync: false });
  const logger = pino(loggerOptions(config.logLevel), destination);
  if (config.workers > 1 && cluster.isPrimary) {
    // WORKERS=n: this process only starts and watches n shop processes (see cluster/workers.ts).
    const code = await superviseWorkers(logger.child({ role: 'primary' }), {
      count: config.workers,
      port: config.port,
      host: config.host,
      stopTimeoutMs: config.jobStopGraceMs + WORKER_STOP_MARGIN_MS,
      signalsHandled: replayEarlySignals,
    });
    destination.flushSync();
    process.exit(code);
  }
  let stopping = false;
  let system: System | undefined;
  let started: Promise<unknown> = Promise.resolve();
  const exit = (code: number) => {
    destination.flushSync();
    process.exit(code);
  };
  /** A worker of WORKERS=n: its side of the primary's stop. */
  let asWorker: WorkerStop | undefined;
  const shutdown = (signal: string) => {
    if (stopping) return asWorker?.signalledAgain();
    stopping = true;
    logger.info({ signal }, 'shutting down');
    // A stop asked for while starting waits for the start (bounded), so that nothing it claims is left held.
    const startSettled = Promise.race([started.catch(() => undefined), new Promise((resolve) => setTimeout(resolve, 30_000).unref())]);
    startSettled.then(() => asWorker?.mayDrain()).then(() => system?.stop()).then(
      () => exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        exit(1);
      },
    );
  };
  // Before the stores are opened: a signal while they open (the first second or so) waits for the start, as one after it does.
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  logger.info({ pid: process.pid }, 'starting');
  replayEarlySignals();
  started = (async () => {
    // Loaded here, not above: the primary of WORKERS=n needs none of the shop.
    const { compose } = await import('./api/composition-root.js');
    system = await compose(config, logger);
    await system.start();
  })();
  if (cluster.isWorker) asWorker = workerStop(() => system?.stopListening(), started);
  await started;
};

main().catch((error: unknown) => {
  // A setting refused names itself: the operator needs the message, not a stack trace.
  console.error(error instanceof ConfigError ? `configuration: ${error.message}` : error);
  process.exit(1);
});
