import 'reflect-metadata';
import { replayEarlySignals } from './early-signals.js';
import cluster from 'node:cluster';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { pino } from 'pino';
import { superviseWorkers } from './cluster/workers.js';
import type { ShopMessage } from './cluster/shop-messages.js';
import { workerStop, type WorkerStop } from './cluster/worker-stop.js';
import { loggerOptions } from './api/log-privacy.js';
import type { System } from './api/lifecycle.js';
import { ConfigError, loadConfig } from './config.js';
import { StartupRefused } from './api/startup-refused.js';
import { damagedStoreFile, StoreFileError } from './api/store-files.js';

/** How long a worker may take to stop beyond its jobs' grace (the HTTP requests in flight, giving the leases back, closing the stores) before the primary kills it. */
const WORKER_STOP_MARGIN_MS = 15_000;

/** Log lines kept while stdout does not take them (its disk full): a few thousand lines, then the newest are dropped. */
const LOG_BUFFER_BYTES = 4 * 1024 * 1024;

type Destination = ReturnType<typeof pino.destination>;

/**
 * The log's destination, made safe for a shop to write to when it fails: its errors are not
 * thrown at the process (sonic-boom re-emits them, and pino's own listener hands them on), and
 * its flushSync, which pino calls on exit and a stop calls, does nothing while the last write
 * failed: sonic-boom 4's flushSync retries a write that fails with ENOSPC for ever, and the
 * process would never exit. A write that succeeds again (space freed) ends the failure.
 */
const failSafe = (destination: Destination): Destination => {
  let failing = false;
  destination.on('error', () => void (failing = true));
  destination.on('write', () => void (failing = false));
  const flushSync = destination.flushSync.bind(destination);
  destination.flushSync = () => {
    if (!failing) flushSync();
  };
  return destination;
};

/** Writes out what the log holds, if its destination takes it: a full disk does not turn an exit into a crash. */
const flushed = (destination: { flushSync(): void }) => {
  try {
    destination.flushSync();
  } catch {
    // Lost lines: nothing else to do with them.
  }
};

/** HOST as a name must resolve: refused now, before the stores are opened and the admin made, not when the server listens. */
const checkHost = async (host: string) => {
  if (isIP(host) !== 0) return;
  await lookup(host).catch((error: NodeJS.ErrnoException) => {
    throw new ConfigError(`HOST ${host} does not resolve (${error.code}): set an IP address, 0.0.0.0 or ::, or a name that resolves`);
  });
};

/** What `npm start` runs (src/main.ts loads it; with WORKERS=n, the primary of n of these). Configuration comes from the environment (see README). */
const main = async () => {
  const config = loadConfig();
  await checkHost(config.host);
  // Logs are written asynchronously (a request does not wait for stdout) and flushed on shutdown.
  // A log that cannot be written (its disk full, its reader gone) loses lines, never the shop:
  // its error is not thrown at the process, and what waits to be written is bounded (lines past
  // LOG_BUFFER_BYTES are dropped), then written once the destination takes them again.
  const destination = failSafe(pino.destination({ sync: false, maxLength: LOG_BUFFER_BYTES }));
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
    flushed(destination);
    process.exit(code);
  }
  let stopping = false;
  let system: System | undefined;
  let started: Promise<unknown> = Promise.resolve();
  const exit = (code: number) => {
    flushed(destination);
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
  logger.info('starting');
  replayEarlySignals();
  started = (async () => {
    // Loaded here, not above: the primary of WORKERS=n needs none of the shop.
    const { compose } = await import('./api/composition-root.js');
    try {
      system = await compose(config, logger);
      await system.start();
    } catch (error) {
      // A store file damaged past what opening it reads fails later, as SQLite's error alone: named here.
      throw (await damagedStoreFile(config.dataDir, error)) ?? error;
    }
  })();
  if (cluster.isWorker) asWorker = workerStop(() => system?.stopListening(), started);
  await started;
};

main().catch((error: unknown) => {
  // A setting refused names itself, a damaged store file or stores not of one shop too: the operator needs the message, not a stack trace.
  const line =
    error instanceof ConfigError ? `configuration: ${error.message}` : error instanceof StoreFileError ? `data: ${error.message}` : error instanceof StartupRefused ? `cannot start: ${error.message}` : undefined;
  if (line === undefined) console.error(error);
  // A worker's refusal is the primary's to print: every worker of WORKERS=n meets the same one, and it is printed once.
  else if (cluster.isWorker && process.connected) return void process.send!({ shop: 'refused', line } satisfies ShopMessage, undefined, {}, (failed) => {
    if (failed) console.error(line);
    process.exit(1);
  });
  else console.error(line);
  process.exit(1);
});
