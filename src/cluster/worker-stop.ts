import { isShopMessage, type ShopMessage } from './shop-messages.js';

/** How long a worker signalled by itself waits for its primary's word before it drains anyway. */
const PRIMARY_WAIT_MS = 3_000;

export type WorkerStop = {
  /**
   * Resolves once this worker may drain (answer with `Connection: close`): once its primary
   * says so, every worker having stopped taking connections (at most PRIMARY_WAIT_MS).
   */
  mayDrain(): Promise<void>;
  /** A second signal while it waits: it drains at once (an operator's second Ctrl-C). */
  signalledAgain(): void;
};

/**
 * A worker's side of a `WORKERS=n` stop (see stopListening in workers.ts): it stops taking
 * connections when its primary asks, and says so once node:cluster has been told.
 *
 * A signal can also reach the workers themselves: Ctrl-C signals the whole process group, and
 * a service manager may signal every process. Such a worker stops taking connections at once,
 * tells the primary, and drains only once the primary says so (`drain`), which it does when
 * every worker has stopped taking connections (a probe: clients reconnecting after the first answers
 * that closed their connections were reset, 26 in 10 stops of 8 clients, as when the primary
 * signalled all at once), or a moment later when the primary is not stopping (one worker
 * signalled alone). After PRIMARY_WAIT_MS it drains anyway.
 */
export const workerStop = (stopListening: () => void, started: Promise<unknown>): WorkerStop => {
  /** The primary's word that this worker may drain: every worker has stopped taking connections. */
  let allowed = false;
  let goAhead: (() => void) | undefined;
  const stoppedListening = () => {
    stopListening();
    process.send?.({ shop: 'stopped-listening' } satisfies ShopMessage);
  };
  process.on('message', (message: unknown) => {
    if (isShopMessage(message, 'stop-listening')) void started.catch(() => undefined).then(stoppedListening);
    if (isShopMessage(message, 'drain')) {
      allowed = true;
      goAhead?.();
    }
  });
  return {
    mayDrain() {
      if (allowed) return Promise.resolve();
      return new Promise<void>((resolve) => {
        goAhead = resolve;
        stoppedListening();
        setTimeout(resolve, PRIMARY_WAIT_MS).unref();
      });
    },
    signalledAgain() {
      goAhead?.();
    },
  };
};
