import type { Logger } from 'pino';

/** A claim kept while its job runs; stop() once the handler is done. */
export interface KeptClaim {
  stop(): void;
}

/**
 * Keeps a running job's claim: renewed for a whole claim every third of one while its handler
 * runs, so that a handler that outlasts a claim (a mail server or a provider slow to answer) is
 * not taken by another process's search and run twice at once. `renew` renews by the store's
 * clock, on the condition that the claim is still this runner's and still holds (renewOn).
 * - A renewal that finds the claim gone stops renewing and logs: this process stalled past its
 *   claim, or left the live processes while the job ran (a stop past its grace) and another took
 *   it over. The handler runs on; the process that holds the claim decides (see recordFailure).
 * - A store that fails on the way is tried again a third of a claim later, while the claim holds.
 * A job done within a third of its claim, nearly every one, costs a timer and no write.
 */
export const keepClaim = (renew: () => Promise<boolean>, leaseMs: number, logger: Logger, job: { _id: string; kind: string }): KeptClaim => {
  const everyMs = Math.max(1, Math.floor(leaseMs / 3));
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const later = () => {
    timer = setTimeout(() => void renewal(), everyMs);
    timer.unref(); // the handler's own work keeps the process alive, not its claim
  };
  const renewal = async () => {
    try {
      const held = await renew();
      if (stopped) return;
      if (!held) {
        logger.warn({ job: job._id, kind: job.kind }, 'a running job lost its claim: another process may run it too');
        return;
      }
    } catch (error) {
      if (stopped) return;
      logger.warn({ err: error, job: job._id, kind: job.kind }, 'renewing a running job\'s claim failed: trying again');
    }
    later();
  };
  later();
  return {
    stop: () => {
      stopped = true;
      clearTimeout(timer);
    },
  };
};
