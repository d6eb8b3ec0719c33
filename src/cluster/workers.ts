import cluster, { type Worker } from 'node:cluster';
import type { Logger } from 'pino';
import { ConnectionHandout } from './connection-handout.js';
import { isShopMessage, type ShopMessage } from './shop-messages.js';

/**
 * `WORKERS=<n> npm start`: n server processes on one host, sharing one port, each of them a
 * whole shop process (see main.ts) that takes its share of the
 * runners through the leases like any other. This primary serves nothing itself: it listens
 * and hands each connection to a worker (ConnectionHandout, not node:cluster's round robin), starts
 * the workers, starts again one that dies (after a pause that grows while they keep dying
 * young), and on SIGTERM or SIGINT stops them all cleanly, so their leases are given back
 * at once. A worker that dies before the shop first listened is a shop that cannot start
 * (a port in use, a DATA_DIR it cannot open): the primary stops the others and exits 1.
 */

export type WorkersOptions = {
  count: number;
  /** First pause before a dead worker is started again; doubles while workers keep dying within `youngMs`. */
  restartDelayMs?: number;
  maxRestartDelayMs?: number;
  /** A worker that lived longer than this before dying resets the pause. */
  youngMs?: number;
  /** How long a stopping worker may take before it is killed. */
  stopTimeoutMs?: number;
  /** Called once the primary's SIGTERM and SIGINT handlers are installed. */
  signalsHandled?: () => void;
  /** PORT and HOST of the shop: with port 0, the primary picks the free port the workers share. */
  port?: number;
  host?: string;
};

/**
 * A worker ended by the stop's own signal (or the terminal's Ctrl-C) was still starting: it
 * had no handler yet, and nothing of the shop ran there to be stopped. One killed after
 * `stopTimeoutMs` (SIGKILL) did not stop: that is a failure.
 */
const stoppedBySignal = (signal: string | null): boolean => signal === 'SIGTERM' || signal === 'SIGINT';


/** A message to a worker; `lost` is called when its channel is closed (it is going already). */
const tell = (worker: Worker, shop: ShopMessage['shop'], lost: () => void = () => undefined): void => {
  try {
    worker.send({ shop } satisfies ShopMessage, (error: Error | null) => error && lost());
  } catch {
    lost();
  }
};

/** How long the primary waits for its workers to stop taking connections before it stops them anyway. */
const STOP_LISTENING_MS = 2_000;

/** How long after a worker signalled by itself says it stopped taking connections the primary tells it to go on alone (see worker-stop.ts). */
const ALONE_AFTER_MS = 100;

/**
 * The first step of a stop, once the primary closed its listening socket: every worker is told
 * to stop taking connections and says so. Its answer comes on the channel the connections came
 * by, after them, so when the last one has answered every connection handed out has reached its
 * worker. Only then are they signalled, and their answers close their connections. Signalled at
 * once, as before, the first worker's answers sent clients to open new connections while
 * another worker still took them: the primary took them too, and reset those it still held when
 * the last worker left (33 resets in 10 stops of 8 clients sending back to back). A connection
 * opened now is refused: its client knows nothing was sent.
 */
const stopListening = (workers: Worker[]): Promise<unknown> =>
  Promise.race([
    Promise.all(
      workers.map(
        (worker) =>
          new Promise<void>((resolve) => {
            const done = () => {
              worker.off('message', heard);
              worker.off('exit', done);
              resolve();
            };
            const heard = (message: unknown) => {
              if (isShopMessage(message, 'stopped-listening')) done();
            };
            worker.on('message', heard);
            worker.once('exit', done);
            tell(worker, 'stop-listening', done);
          }),
      ),
    ),
    new Promise((resolve) => setTimeout(resolve, STOP_LISTENING_MS).unref()),
  ]);

export const superviseWorkers = async (logger: Logger, options: WorkersOptions): Promise<number> => {
  // The primary listens, for as long as it runs: workers started again after they all died serve the same
  // port (with PORT=0, the one picked here).
  const handout = new ConnectionHandout();
  let port: number;
  try {
    port = await handout.listen(options.port ?? 0, options.host);
  } catch (error) {
    logger.error({ err: error, port: options.port, host: options.host }, 'the shop cannot listen: stopping');
    return 1;
  }
  const { count, restartDelayMs = 500, maxRestartDelayMs = 30_000, youngMs = 10_000, stopTimeoutMs = 30_000 } = options;
  const startedAt = new Map<Worker, number>();
  /** Each slot's pause before its next restart: two workers dying together each wait the first pause. */
  const delays = new Map<number, number>();
  let everListened = false;
  let stopping = false;
  let exitCode = 0;
  let done!: (code: number) => void;
  const finished = new Promise<number>((resolve) => (done = resolve));

  /** The workers' refusals to start, each printed once: every worker meets the same (a damaged file, a setting). */
  const refusals = new Set<string>();
  const refused = (line: string | undefined) => {
    if (typeof line !== 'string' || refusals.has(line)) return;
    refusals.add(line);
    console.error(line);
  };

  const fork = (slot: number) => {
    const worker = cluster.fork({ WORKER_SLOT: String(slot), PORT: String(port) });
    startedAt.set(worker, Date.now());
    worker.on('message', (message: unknown) => {
      if (isShopMessage(message, 'refused')) return refused((message as ShopMessage).line);
      if (isShopMessage(message, 'took')) return handout.took((message as ShopMessage).id ?? 0);
      if (isShopMessage(message, 'serving')) {
        handout.serves(worker);
        if (!everListened) logger.info({ workers: count, port }, 'workers listening');
        everListened = true;
      }
      if (!isShopMessage(message, 'stopped-listening')) return;
      handout.stopped(worker);
      // Told unasked: the worker was signalled itself. When the primary is not stopping a moment later (a
      // signal to the whole process group reaches it too), that worker alone stops: its word to drain.
      if (!stopping) setTimeout(() => !stopping && startedAt.has(worker) && tell(worker, 'drain'), ALONE_AFTER_MS).unref();
    });
    worker.once('exit', (code, signal) => {
      handout.gone(worker);
      const lived = Date.now() - (startedAt.get(worker) ?? Date.now());
      startedAt.delete(worker);
      if (stopping) {
        if (code !== 0 && !stoppedBySignal(signal)) exitCode = 1;
        if (startedAt.size === 0) done(exitCode);
        return;
      }
      if (!everListened) {
        logger.error({ workerPid: worker.process.pid, code, signal }, 'a worker died before the shop listened: stopping');
        exitCode = 1;
        stop();
        return;
      }
      const delay = lived > youngMs ? restartDelayMs : (delays.get(slot) ?? restartDelayMs);
      logger.error({ workerPid: worker.process.pid, slot, code, signal, livedMs: lived, restartInMs: delay }, 'a worker died: starting another');
      // Not unref'd: when every worker died at once, this timer is all that keeps the primary alive (an unref'd
      // one let it exit 0 with no worker left, the shop gone and nothing to start it again).
      setTimeout(() => {
        if (!stopping) fork(slot);
      }, delay);
      delays.set(slot, Math.min(delay * 2, maxRestartDelayMs));
    });
  };

  const stop = () => {
    if (stopping) return;
    stopping = true;
    // First: no connection is taken from now on (one made now is refused); those taken are handed out still.
    void handout.close();
    if (startedAt.size === 0) return done(exitCode);
    const workers = [...startedAt.keys()];
    for (const worker of workers) {
      setTimeout(() => {
        if (!startedAt.has(worker)) return; // stopped in time
        logger.error({ workerPid: worker.process.pid, stopTimeoutMs }, 'a worker did not stop in time: killed');
        worker.process.kill('SIGKILL');
      }, stopTimeoutMs).unref();
    }
    void stopListening(workers).then(() => {
      for (const worker of workers) {
        if (!startedAt.has(worker)) continue;
        // The word for those signalled themselves (a Ctrl-C to the process group), the signal for the others.
        tell(worker, 'drain');
        worker.process.kill('SIGTERM');
      }
    });
  };

  process.on('SIGTERM', () => {
    logger.info({ signal: 'SIGTERM' }, 'stopping the workers');
    stop();
  });
  process.on('SIGINT', () => {
    logger.info({ signal: 'SIGINT' }, 'stopping the workers');
    stop();
  });
  logger.info({ workers: count }, 'starting workers');
  for (let slot = 1; slot <= count; slot += 1) fork(slot);
  // After the forks: a signal kept while this process loaded stops the workers just started.
  options.signalsHandled?.();
  return finished;
};

